"""Releases: what publishing would change, publishing and rolling back, following the current
release from other processes, and the drafts as editors see them.
"""
