"""Scheduled releases and the periodic jobs of the scheduler that runs in every `kb serve`."""
