"""says_safe: which messages end the emergency state (bot/domain/safety/episode.py)."""
import pytest

from bot.domain.safety.episode import says_safe
from bot.domain.validators import phone_in_text


@pytest.mark.parametrize("text", [
    "I'm safe now, I'm at the hospital", "ok im getting help", "my husband called 911",
    "the ambulance is on its way", "we're on our way to the ER", "I called an ambulance",
    "I am at urgent care", "calling 911 now", "it has passed, I'm ok now",
])
def test_safe(text):
    assert says_safe(text)


@pytest.mark.parametrize("text", [
    "I don't want to go to the ER, can I just come in tomorrow morning instead", "I'm not safe",
    "I haven't called 911", "can I book for tomorrow?", "my throat is still tight", "I won't go to the hospital",
    "what should I do", "I'm scared",
])
def test_not_safe(text):
    assert not says_safe(text)


def test_phone_in_text():
    assert phone_in_text("call me on (818) 555-0199 please") == "+18185550199"
    assert phone_in_text("I called 911") is None
    assert phone_in_text("no number") is None
