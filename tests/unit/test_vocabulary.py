"""The concern vocabulary is defined once (bot.domain.concerns.CONCERN_KEYS); every file that must
list it (domain.yml, config.yml, the concern lexicon, the clinic profile) lists the same keys."""
from __future__ import annotations

import yaml

from bot.domain.concerns import CONCERN_INTENT_PREFIX, CONCERN_KEYS
from bot.settings import PROJECT_ROOT


def _yaml(name: str):
    return yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


def test_domain_intents_entities_and_slot_values_agree():
    domain = _yaml("domain.yml")
    intents = {i for i in domain["intents"] if i.startswith(CONCERN_INTENT_PREFIX) and i != "concern_unclear"}
    assert intents == {CONCERN_INTENT_PREFIX + key for key in CONCERN_KEYS}
    assert set(CONCERN_KEYS) <= set(domain["entities"])
    assert domain["slots"]["concern"]["values"] == list(CONCERN_KEYS)


def test_config_entity_dimensions_agree():
    extractor = next(c for c in _yaml("config.yml")["pipeline"] if c["name"] == "SpacyEntityExtractor")
    assert extractor["dimensions"] == list(CONCERN_KEYS)


def test_lexicon_and_profile_agree(profile):
    assert set(_yaml("clinic/concern_lexicon.yml")) == set(CONCERN_KEYS)
    assert tuple(profile.concerns) == CONCERN_KEYS
    assert set(profile.screening.concerns) <= set(CONCERN_KEYS)
