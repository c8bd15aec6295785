"""Concerns found in free text by the lexicon, misspellings and abbreviations included
(bot.domain.concerns.ConcernLexicon), and how a message is cut into sentences for the classifiers."""
from __future__ import annotations

import pytest

from bot.adapters.text_classifier import segments
from bot.domain.concerns import ConcernLexicon, named_as_treated, read_lexicon
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def lexicon():
    return ConcernLexicon(read_lexicon(PROJECT_ROOT / "clinic" / "concern_lexicon.yml"))


@pytest.mark.parametrize("text, expected", [
    ("my HH is so bad", ["sweating"]),
    ("i get migranes nearly every week", ["migraine"]),
    ("plantar fascitis is killing me", ["foot_pain"]),
    ("my crowsfeet look awful in photos", ["wrinkles"]),
    ("hyperhydrosis in my palms since school", ["sweating"]),
    ("I wanted to ask about bruxisim", ["clenching"]),
    ("I grind my teeth and I also get migraines", ["clenching", "migraine"]),
])
def test_misspellings_and_abbreviations_match(lexicon, text, expected):
    assert lexicon.find(text) == expected


@pytest.mark.parametrize("text", [
    "I keep swearing at my kids",  # one letter from "sweating": not close enough for 8 letters
    "what are your opening hours?",
    "",
])
def test_near_words_do_not_match(lexicon, text):
    assert lexicon.find(text) == []


def test_unknown_concern_in_the_lexicon_is_an_error():
    with pytest.raises(ValueError, match="unknown concern 'hair_loss'"):
        ConcernLexicon({"hair_loss": ["bald"]})


def test_segments_are_the_message_then_its_sentences():
    text = "I had botox last year. It wore off fast! Now my forehead lines are back; can you help?"
    assert segments(text) == [text, "I had botox last year.", "It wore off fast!", "Now my forehead lines are back",
                              "can you help?"]


def test_a_long_run_on_sentence_is_cut_with_overlap():
    words = [f"w{index}" for index in range(60)]
    pieces = segments(" ".join(words))
    assert pieces[0] == " ".join(words)
    assert all(len(piece.split()) <= 25 for piece in pieces[1:])
    covered = {word for piece in pieces[1:] for word in piece.split()}
    assert covered == set(words)


@pytest.mark.parametrize("text, words, treated", [
    ("had my forehead done 2 days ago and the headache hasn't stopped", "forehead", True),
    ("had my forehead done 2 days ago and the headache hasn't stopped", "headache", False),
    ("I passed out an hour after my forehead injections", "forehead", True),
    ("botox for my migraines last month and I can't lift my head", "migraines", True),
    ("after the injections under my eyes I have huge bags now", "under my eyes", True),
    ("welts on my arms and neck since my injection this afternoon", "neck", False),
    ("my eyebrows have dropped since my appointment", "eyebrows", False),
    ("my smile looks wonky since they did my crow's feet", "crow's feet", True),
    ("can't do my usual smile anymore since the crows feet", "crows feet", True),
    ("my fingers feel weak since they injected my palms", "palms", True),
    ("my mouth droops on the left since the lip flip", "lip flip", True),
    ("bruised all down my neck after the nefertiti lift", "nefertiti lift", True),
    ("lip flip 3 days ago, top lip is swollen", "lip flip", True),
    ("had 11s and forehead on thursday, now my forehead is lumpy", "forehead", True),
    ("my forehead feels heavy since my botox on monday", "forehead", False),
    ("can't lift my eyebrows to put on eyeliner", "eyebrows", False),
    ("I get headaches 15 days a month", "headaches", False),
])
def test_a_concern_named_as_what_was_treated(text, words, treated):
    start = text.find(words)
    assert named_as_treated(text, start, start + len(words)) is treated


def test_a_lexicon_phrase_that_names_the_treatment_is_what_was_treated(lexicon):
    text = "my jaw feels so weak since the masseter botox"
    treated = [(text[start:end], named_as_treated(text, start, end)) for start, end, _ in lexicon.hits(text)]
    assert treated == [("jaw feels", False), ("masseter botox", True)]
