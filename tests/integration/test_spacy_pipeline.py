"""The project's spaCy pipeline (bot/nlp.py): built into a folder, loaded back with spacy.load, and
its entity ruler labels visitors' own phrasings with concern keys (case-insensitive, inflected)."""
from __future__ import annotations

import pytest
import spacy

from bot.adapters.spacy_pipeline import LEXICON_PATH, build, load_lexicon
from bot.domain.concerns import CONCERN_KEYS


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    output = build(tmp_path_factory.mktemp("spacy") / "model")
    assert (output / "config.cfg").exists()
    return spacy.load(output)


def labels(nlp, text):
    return [ent.label_ for ent in nlp(text).ents]


def test_pipeline_components(nlp):
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]
    assert nlp.lang == "en"
    assert nlp.meta["name"] == "clinic_concerns"


def test_lemmatizer_is_the_lookup_one(nlp):
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert lemmatizer.mode == "lookup"
    assert [token.lemma_ for token in nlp("migraines sweats")] == ["migraine", "sweat"]


def test_ruler_labels_are_concern_keys(nlp):
    ruler = nlp.get_pipe("entity_ruler")
    assert set(ruler.labels) == set(CONCERN_KEYS)


@pytest.mark.parametrize("text, expected", [
    ("I sweat through my shirts by noon", ["sweating"]),
    ("my jaw aches every morning, I grind at night", ["clenching", "clenching"]),
    ("turkey neck", ["neck_bands"]),
    ("pain in my heel when I get out of bed", ["foot_pain"]),
    ("the 11s between my brows", ["wrinkles"]),
    ("Crows feet and Migraines", ["wrinkles", "migraine"]),
    ("CROW'S FEET", ["wrinkles"]),
    ("I get HEADACHES", ["migraine"]),
    ("I'm grinding my teeth", ["clenching"]),
    ("My Heels Hurt", ["foot_pain"]),
    ("Sweating a lot, even my palms", ["sweating"]),
    ("these pimples and blackheads", ["acne", "acne"]),
    ("I just want to look less tired", []),
    ("what are your opening hours?", []),
])
def test_visitor_phrasings(nlp, text, expected):
    assert labels(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("I have zits on my chin", ["acne"]),
    ("my underarms are always wet", ["sweating"]),
    ("botox in my masseters", ["clenching"]),
])
def test_plurals_missing_from_the_lookup_table(nlp, text, expected):
    assert labels(nlp, text) == expected


def test_matched_spans(nlp):
    doc = nlp("Crows feet and Migraines")
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Crows feet", "wrinkles"), ("Migraines", "migraine")]
    doc = nlp("my jaw aches every morning, I grind at night")
    assert [ent.text for ent in doc.ents] == ["jaw aches", "grind"]


def test_lexicon_has_every_concern():
    lexicon = load_lexicon()
    assert list(lexicon) == list(CONCERN_KEYS)
    assert all(lexicon[key] for key in CONCERN_KEYS), "every concern needs phrases"
    assert LEXICON_PATH.name == "concern_lexicon.yml"


def test_a_custom_lexicon_is_what_the_ruler_uses(tmp_path):
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("acne:\n  - pimple\nwrinkles: []\n", encoding="utf-8")
    loaded = load_lexicon(lexicon)
    assert loaded["acne"] == ["pimple"] and loaded["wrinkles"] == [] and loaded["migraine"] == []
    custom = spacy.load(build(tmp_path / "model", lexicon))
    assert labels(custom, "PIMPLES everywhere") == ["acne"]
    assert labels(custom, "crows feet and migraines") == []


def test_an_unknown_key_in_a_lexicon_file_raises(tmp_path):
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("acne:\n  - zit\nhair_loss:\n  - bald spot\n", encoding="utf-8")
    with pytest.raises(ValueError, match="hair_loss"):
        load_lexicon(lexicon)
    with pytest.raises(ValueError, match="hair_loss"):
        build(tmp_path / "model", lexicon)
    assert not (tmp_path / "model").exists()
