"""The errors the staff services raise for the pages to turn into 404 and 409 answers."""
from __future__ import annotations


class NotFound(LookupError):
    """No such intake / alert."""


class InvalidTransition(ValueError):
    """The status change is not allowed from the intake's current status."""


class StaleStatus(ValueError):
    """The intake's status changed since the page was shown (someone else moved it)."""
