"""Telling a question or a concern typed into a form from the answer the form asked for
(bot.domain.interruptions); the forms themselves are in tests/integration/test_form_interruptions.py."""
from __future__ import annotations

import pytest

from bot.domain.interruptions import interruption_kind, looks_like_question


@pytest.mark.parametrize("text, expected", [
    ("how much does it cost?", True), ("Does it hurt", True), ("is it safe", True),
    ("where are you located", True), ("Sam Park", False), ("Grace Hours", False),
    ("tomorrow at 3", False), ("no", False), ("818 555 0199", False),
])
def test_looks_like_question(text, expected):
    assert looks_like_question(text) is expected


@pytest.mark.parametrize("text, intent, confidence, concern, expected", [
    ("how much does it cost?", "ask_cost", 0.95, False, "question"),
    ("Sam Park", "ask_location", 0.90, False, None),  # a surname, not a parking question
    ("Noah Price", "ask_cost", 0.93, False, None),
    ("saturday at 10am", "ask_hours", 0.46, False, None),
    ("what are your hours?", "ask_hours", 0.40, False, None),  # too unsure to interrupt
    ("are you a bot?", "bot_challenge", 0.98, False, "bot"),
    ("actually it's my jaw, I grind at night", "concern_clenching", 0.97, True, "concern"),
    ("Lee Chan", "manage_booking", 0.48, False, None),
    ("Mia Wong", "concern_wrinkles", 0.70, False, None),  # no concern word: a name
])
def test_interruption_kind(text, intent, confidence, concern, expected):
    assert interruption_kind(text, intent, confidence, concern) == expected
