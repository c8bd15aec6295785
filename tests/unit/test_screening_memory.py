"""Facts told before the screening (bot/domain/screening/memory.py) and replies that are never a
silent yes (bot/domain/screening/parsing.py)."""
import pytest

from bot.domain import screening
from bot.domain.profile import load_profile
from bot.domain.screening.memory import days_ago
from bot.settings import PROJECT_ROOT

PROFILE = load_profile(PROJECT_ROOT / "clinic" / "profile.yml")
QUESTIONS = {q.key: q for q in screening.questions_for(PROFILE, "migraine")}


@pytest.mark.parametrize("key, messages, answer", [
    ("pregnancy", ["I'm breastfeeding at the moment, is botox safe?"], "yes"),
    ("pregnancy", ["I am not pregnant or anything"], "no"),
    ("pregnancy", ["we are trying to conceive next year"], "yes"),
    ("bleeding", ["I take warfarin for my heart valve"], "yes"),
    ("headache_days", ["I have about 16 headache days a month. They last for days."], 16),
    ("headache_days", ["honestly I get migraines around 20 days a month"], 20),
    ("headache_days", ["eighteen migraines a month"], 18),
    ("headache_days", ["hi!! i get realy bad migrianes like 15 days a month, is it covered by insurance?"], 15),
    ("recent_toxin", ["I had Dysport six weeks ago for my frown lines and it's wearing off"], "yes"),
    ("recent_toxin", ["had botox for my migraines last month, not sure it did anything"], "yes"),
    ("recent_toxin", ["I tried Botox two years ago for my forehead"], "no"),
    ("recent_toxin", ["I've never had botox"], "no"),
])
def test_remembered(key, messages, answer):
    told = screening.remembered(QUESTIONS[key], messages)
    assert told is not None and told.answer == answer and told.detail


@pytest.mark.parametrize("key, messages", [
    ("pregnancy", ["my sister is pregnant and wants to know if botox is ok"]),
    ("bleeding", ["my husband takes warfarin, I don't"]),
    ("headache_days", ["I had 3 migraines this week"]),
    ("toxin_allergy", ["I'm breastfeeding"]),
    ("recent_toxin", ["I've had Botox before for my forehead lines"]),
    ("recent_toxin", ["my friend had botox last week and loves it"]),
    ("recent_toxin", ["how long does botox last?"]),
])
def test_not_remembered(key, messages):
    assert screening.remembered(QUESTIONS[key], messages) is None


@pytest.mark.parametrize("text", [
    "I already told you I've never had Botox", "like I said, never had it", "honestly never had any toxin",
])
def test_a_negation_is_never_a_silent_yes(text):
    parsed = screening.parse_answer(QUESTIONS["previous_side_effect"], text)
    assert isinstance(parsed, screening.AnswerError) or parsed.answer == "no"


def test_unclear_keeps_the_words_and_is_flagged():
    question = QUESTIONS["previous_side_effect"]
    parsed = screening.unclear_answer(question, "  my cousin   did ")
    assert parsed.value == {"answer": "unclear", "detail": "my cousin did"}
    assert screening.flags_for(question, parsed) == ["record", "unclear_answer"]


@pytest.mark.parametrize("sentence, days", [
    ("Dysport six weeks ago", 42), ("a month ago", 30), ("2 years back", 730), ("yesterday", 1),
    ("last week", 7), ("a couple of months ago", 60), ("some time in spring", None),
])
def test_days_ago(sentence, days):
    assert days_ago(sentence) == days


SWEATING = {q.key: q for q in screening.questions_for(PROFILE, "sweating")}


@pytest.mark.parametrize("messages, areas", [
    (["Hi, I'm Dana Ruiz, my underarms sweat through every shirt, how much is it?"], ("underarms",)),
    (["my hands are always clammy", "and my feet too honestly"], ("palms", "feet")),
    (["I sweat from my armpits and behind my knees, not my feet"], ("underarms", "back_of_knees")),
])
def test_areas_named_earlier_answer_the_areas_question(messages, areas):
    told = screening.remembered(SWEATING["sweating_areas"], messages)
    assert told is not None and told.answer == areas and told.detail


@pytest.mark.parametrize("messages", [
    ["I sweat a lot, it is so embarrassing"],  # no area named: asked
    ["my face drips with sweat"],  # only "other", too vague to note without asking
    ["my sister has sweaty palms, I sweat everywhere"],  # someone else's areas
])
def test_areas_not_named_are_asked(messages):
    assert screening.remembered(SWEATING["sweating_areas"], messages) is None
