"""Build the project's own spaCy pipeline (no pretrained English model fits spaCy 3.4 here).

blank English -> lookup lemmatizer (spacy-lookups-data) -> entity ruler generated from
clinic/concern_lexicon.yml, each match labelled with its concern key. Rasa loads the saved
folder with `SpacyNLP` (`model: build/spacy_model`) and `SpacyEntityExtractor` reports the
concern keys as entities. Matching is case-insensitive and covers inflections: each lexicon word
becomes a LOWER-IN pattern over every form the lookup table maps to the same lemma.

    python -m bot.adapters.spacy_pipeline build/spacy_model
"""
from __future__ import annotations

import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Set

import spacy
from spacy.language import Language

from bot.domain.concerns import read_lexicon
from bot.settings import PROJECT_ROOT

PROJECT_CLINIC_DIR = PROJECT_ROOT / "clinic"
LEXICON_PATH = PROJECT_CLINIC_DIR / "concern_lexicon.yml"
DEFAULT_OUTPUT = PROJECT_ROOT / "build" / "spacy_model"


def load_lexicon(path: Path = LEXICON_PATH) -> Dict[str, List[str]]:
    return read_lexicon(path)


def _base_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=1)
def _forms_by_lemma() -> Dict[str, Set[str]]:
    """Invert the lookup table: lemma -> every surface form that lemmatises to it."""
    import spacy_lookups_data
    import srsly

    # spaCy's Table keys are hashes, so read the source JSON the table is made from.
    table = srsly.read_gzip_json(spacy_lookups_data.get_file("en_lemma_lookup.json.gz"))
    forms: Dict[str, Set[str]] = defaultdict(set)
    for form, lemma in table.items():
        forms[lemma.lower()].add(form.lower())
    return forms


def _token_pattern(nlp: Language, phrase: str) -> List[dict]:
    doc = nlp(phrase.lower())
    pattern = []
    for token in doc:
        variants = {token.lower_, token.lemma_.lower()}
        for variant in list(variants):
            variants |= _forms_by_lemma().get(variant, set())
        if token.is_alpha:  # plurals the lookup table lacks ("zits", "masseters")
            variants |= {token.lower_ + "s", token.lower_ + "es"}
        pattern.append({"LOWER": {"IN": sorted(variants)}})
    return pattern


def build_pipeline(lexicon: Dict[str, List[str]]) -> Language:
    nlp = _base_pipeline()
    patterns = [
        {"label": key, "id": key, "pattern": _token_pattern(nlp, phrase)}
        for key, phrases in lexicon.items()
        for phrase in phrases
    ]
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    nlp.meta["name"] = "clinic_concerns"
    nlp.meta["description"] = "Blank English, lookup lemmatizer, concern entity ruler (generated)."
    return nlp


def build(output: Path = DEFAULT_OUTPUT, lexicon_path: Path = LEXICON_PATH) -> Path:
    nlp = build_pipeline(load_lexicon(lexicon_path))
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(f"spaCy pipeline written to {build(target)}")
