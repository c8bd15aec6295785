"""Errors of the clinic's own content files, each naming the offending key."""
from __future__ import annotations


class ProfileError(ValueError):
    """The clinic profile is invalid; the message names the offending key."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"clinic profile: {key}: {problem}")
        self.key = key
