"""The red-flag lexicon (clinic/red_flags.yml): validated and compiled once, errors naming the key."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Pattern, Tuple, Union

import yaml

# The project's lexicon, beside the clinic profile (the path is the project's, not a setting).
DEFAULT_LEXICON_PATH = Path(__file__).resolve().parents[3] / "clinic" / "red_flags.yml"
EMERGENCY = "emergency"
ADVERSE_EFFECT = "adverse_effect"
KINDS = (EMERGENCY, ADVERSE_EFFECT)  # checking order: an emergency always wins
SCOPES = ("clause", "clause_before", "sentence_before", "sentence", "message")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"}



class RedFlagLexiconError(ValueError):
    """clinic/red_flags.yml is invalid; the message names the offending key."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"red-flag lexicon: {key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class _Rule:
    kind: str
    category: str
    name: str
    pattern: Pattern[str]


@dataclass(frozen=True)
class _Suppressor:
    name: str
    kinds: FrozenSet[str]
    scope: str
    unless_acute: bool
    self_reference_breaks: bool
    patterns: Tuple[Pattern[str], ...]


@dataclass(frozen=True)
class RedFlagLexicon:
    spelling: Mapping[str, str]
    clause_breaks: Pattern[str]
    sentence_breaks: Pattern[str]
    self_words: FrozenSet[str]
    negation_words: FrozenSet[str]
    negation_fillers: FrozenSet[str]
    negation_window: int
    negation_after: Pattern[str]
    acute: Tuple[Pattern[str], ...]
    suppressors: Tuple[_Suppressor, ...]
    treatment_context: Tuple[Pattern[str], ...]
    rules: Tuple[_Rule, ...]
    all_clear: Tuple[Pattern[str], ...] = ()  # "swallowing's fine", "everything went well"
    emergency_clear: Tuple[Pattern[str], ...] = ()  # "swallowing's fine", "no problems breathing"


# --- loading -------------------------------------------------------------------------------------


def _regex(value: Any, key: str) -> Pattern[str]:
    if not isinstance(value, str) or not value.strip():
        raise RedFlagLexiconError(key, "must be a non-empty regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise RedFlagLexiconError(key, f"invalid regular expression: {exc}") from exc


def _regex_list(value: Any, key: str) -> Tuple[Pattern[str], ...]:
    if not isinstance(value, list) or not value:
        raise RedFlagLexiconError(key, "must be a non-empty list of regular expressions")
    return tuple(_regex(item, f"{key}[{index}]") for index, item in enumerate(value))


def _words(value: Any, key: str) -> FrozenSet[str]:
    if not isinstance(value, list) or not value:
        raise RedFlagLexiconError(key, "must be a non-empty list of words")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _WORD.fullmatch(item):
            raise RedFlagLexiconError(f"{key}[{index}]", f"must be one lower-case word, got {item!r}")
    return frozenset(value)


def _section(data: Any, key: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise RedFlagLexiconError(key, "missing")
    return data[key]


def _spelling(raw: Any) -> Dict[str, str]:
    if not isinstance(raw, dict):
        raise RedFlagLexiconError("spelling", "must be a mapping of correct word to misspellings")
    spelling: Dict[str, str] = {}
    for correct, variants in raw.items():
        if not isinstance(correct, str) or not _WORD.fullmatch(correct):
            raise RedFlagLexiconError(f"spelling.{correct}", "must be one lower-case word")
        for variant in _words(variants, f"spelling.{correct}"):
            if variant in raw and variant != correct:
                raise RedFlagLexiconError(f"spelling.{correct}", f"{variant!r} is itself a correct word")
            spelling[variant] = correct
    return spelling


def _suppressors(raw: Any) -> Tuple[_Suppressor, ...]:
    if not isinstance(raw, dict):
        raise RedFlagLexiconError("suppress", "must be a mapping of group name to settings")
    groups = []
    for name, entry in raw.items():
        path = f"suppress.{name}"
        kinds = _section(entry, "kinds") if isinstance(entry, dict) else None
        if not isinstance(kinds, list) or not kinds or any(kind not in KINDS for kind in kinds):
            raise RedFlagLexiconError(f"{path}.kinds", f"must list some of {', '.join(KINDS)}")
        scope = entry.get("scope")
        if scope not in SCOPES:
            raise RedFlagLexiconError(f"{path}.scope", f"must be one of {', '.join(SCOPES)}")
        flags = {}
        for flag in ("unless_acute", "self_reference_breaks"):
            flags[flag] = entry.get(flag, False)
            if not isinstance(flags[flag], bool):
                raise RedFlagLexiconError(f"{path}.{flag}", "must be true or false")
        groups.append(_Suppressor(
            name=name, kinds=frozenset(kinds), scope=scope,
            patterns=_regex_list(entry.get("patterns"), f"{path}.patterns"), **flags,
        ))
    return tuple(groups)


def _rules(data: Dict[str, Any]) -> Tuple[_Rule, ...]:
    rules = []
    for kind in KINDS:
        categories = _section(data, kind)
        if not isinstance(categories, dict) or not categories:
            raise RedFlagLexiconError(kind, "must be a mapping of category to patterns")
        for category, patterns in categories.items():
            path = f"{kind}.{category}"
            for index, pattern in enumerate(_regex_list(patterns, path)):
                rules.append(_Rule(kind, str(category), f"{path}[{index}]", pattern))
    return tuple(rules)


def parse_lexicon(data: Any) -> RedFlagLexicon:
    """Validate and compile the lexicon mapping (the content of clinic/red_flags.yml)."""
    if not isinstance(data, dict):
        raise RedFlagLexiconError("(top)", "the lexicon must be a YAML mapping")
    negation = _section(data, "negation")
    window = _section(negation, "window") if isinstance(negation, dict) else None
    if not isinstance(window, int) or not 1 <= window <= 20:
        raise RedFlagLexiconError("negation.window", "must be a whole number of words, 1-20")
    return RedFlagLexicon(
        spelling=_spelling(_section(data, "spelling")),
        clause_breaks=_regex(_section(data, "clause_breaks"), "clause_breaks"),
        sentence_breaks=_regex(_section(data, "sentence_breaks"), "sentence_breaks"),
        self_words=_words(_section(data, "self_words"), "self_words"),
        negation_words=_words(negation.get("words"), "negation.words"),
        negation_fillers=_words(negation.get("fillers"), "negation.fillers"),
        negation_window=window,
        negation_after=_regex(negation.get("after"), "negation.after"),
        acute=_regex_list(_section(data, "acute"), "acute"),
        suppressors=_suppressors(_section(data, "suppress")),
        treatment_context=_regex_list(_section(data, "treatment_context"), "treatment_context"),
        rules=_rules(data),
        all_clear=_regex_list(data["all_clear"], "all_clear") if "all_clear" in data else (),
        emergency_clear=(_regex_list(data["emergency_clear"], "emergency_clear")
                         if "emergency_clear" in data else ()),
    )


@lru_cache(maxsize=4)
def _cached_lexicon(path: str) -> RedFlagLexicon:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RedFlagLexiconError("(file)", f"{path} is not valid YAML: {exc}") from exc
    return parse_lexicon(data)


def load_lexicon(path: Union[str, Path, None] = None) -> RedFlagLexicon:
    """The compiled lexicon, read once per path (default: the project's clinic/red_flags.yml)."""
    return _cached_lexicon(str(Path(path or DEFAULT_LEXICON_PATH).resolve()))


