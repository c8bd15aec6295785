"""What the words ask for: a person, or a booking (bot.domain.requests)."""
from __future__ import annotations

import pytest
import yaml

from bot.domain.requests import asks_for_a_person, asks_to_book
from bot.settings import PROJECT_ROOT


def handoff_examples():
    found = []
    for path in [PROJECT_ROOT / "data" / "nlu.yml", *sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))]:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if block.get("intent") != "human_handoff":
                continue
            examples = block["examples"]
            if isinstance(examples, str):
                found += [line[2:].strip() for line in examples.splitlines() if line.startswith("- ")]
            else:
                found += [entry["text"] for entry in examples]
    return found


def test_every_training_example_of_the_intent_asks_for_a_person():
    examples = handoff_examples()
    assert len(examples) >= 20
    assert [text for text in examples if not asks_for_a_person(text)] == []


@pytest.mark.parametrize("text", [
    "Is botox for acne considered off label? And roughly how long do the results last? "
    "I'd rather know the real commitment upfront.",
    "Can you get botox for the dimpled orange peel look on your chin when you talk? It's really obvious "
    "on video calls.",
    "Someone in my migraine support group had her voice go weird after botox. Does that happen often?",
    "I've had headaches since my car accident in 2019, almost constant. Is botox an option for that?",
])
def test_a_question_or_a_story_does_not(text):
    assert not asks_for_a_person(text)


@pytest.mark.parametrize("text", [
    "honestly can someone just phone me, typing all this is a pain",
    "my jaw is killing me and I'd like to talk to the nurse before I book",
    "is there a human I can ask?",
])
def test_a_request_for_someone_inside_a_longer_message_does(text):
    assert asks_for_a_person(text)


@pytest.mark.parametrize("text", [
    "It's been 11 weeks since my jaw botox and the grinding is back. Booking my next one please",
    "botox wore off, top up pls",
    "Rebooking! it worked great for my underarms",
    "my heel is sore again, can you fit me in before christmas?",
    "forehead lines are back, any slots on Saturday?",
    "please book me in for a third round",
])
def test_words_that_ask_to_book(text):
    assert asks_to_book(text)


@pytest.mark.parametrize("text", [
    "I'm not ready to book yet, does it hurt?",
    "before I book anything, how long does it last?",
    "I booked last week for my forehead",
    "what happens at the consultation?",
    "my booking reference is ABC123",
])
def test_words_that_do_not(text):
    assert not asks_to_book(text)
