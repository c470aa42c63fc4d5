"""Answers from one release: the intent matcher and the release services (index plus matchers,
built once into a fresh folder, then shared by every request).
"""
