"""Deterministic red-flag detection: the safety net that does not depend on the intent classifier.

Every visitor message is checked for emergency symptoms (possible spread of toxin, allergic reaction) and
for adverse effects after treatment (clinical-safety.md, "Red flags"). The words live in
clinic/red_flags.yml; this module only applies them in a fixed order, so every decision can be traced to
the rule that fired, or to the cue that suppressed it (see `scan`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Pattern, Tuple, Union

import yaml

from bot.settings import PROJECT_ROOT

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "clinic" / "red_flags.yml"
EMERGENCY = "emergency"
ADVERSE_EFFECT = "adverse_effect"
KINDS = (EMERGENCY, ADVERSE_EFFECT)  # checking order: an emergency always wins
SCOPES = ("clause", "clause_before", "sentence_before")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"}


class RedFlagLexiconError(ValueError):
    """clinic/red_flags.yml is invalid; the message names the offending key."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"red-flag lexicon: {key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class RedFlag:
    kind: str  # 'emergency' | 'adverse_effect'
    matched: str  # the visitor's own words that matched
    category: str  # e.g. 'swallowing', 'vision', 'drooping_eyelid'
    start: Optional[int] = None  # offsets of `matched` in the original text
    end: Optional[int] = None


@dataclass(frozen=True)
class Finding:
    """One pattern hit, kept or not: `suppressed_by` names the reason it was dropped (for audits/tests)."""

    flag: RedFlag
    rule: str  # e.g. 'emergency.swallowing[0]'
    suppressed_by: Optional[str]


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


# --- reading a message ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Normalised:
    """Normalised text plus, for each of its characters, the span it came from in the original."""

    text: str
    starts: Tuple[int, ...]
    ends: Tuple[int, ...]

    def original_span(self, start: int, end: int) -> Tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _normalise(text: str, spelling: Mapping[str, str]) -> _Normalised:
    """Lower-case, straighten quotes, collapse spaces, split hyphenated words, fix known misspellings."""
    chars: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    for index, original in enumerate(text):
        for char in original.lower():
            char = _APOSTROPHES.get(char, char)
            if char == "-" and 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum():
                char = " "
            if char.isspace():
                if not chars or chars[-1] == " ":
                    continue
                char = " "
            chars.append(char)
            starts.append(index)
            ends.append(index + 1)
    flat = "".join(chars)
    out: List[str] = []
    out_starts: List[int] = []
    out_ends: List[int] = []
    position = 0
    for match in _WORD.finditer(flat):
        out.extend(flat[position:match.start()])
        out_starts.extend(starts[position:match.start()])
        out_ends.extend(ends[position:match.start()])
        word = match.group()
        replacement = spelling.get(word)
        if replacement is None:
            out.extend(word)
            out_starts.extend(starts[match.start():match.end()])
            out_ends.extend(ends[match.start():match.end()])
        else:
            out.extend(replacement)
            out_starts.extend([starts[match.start()]] * len(replacement))
            out_ends.extend([ends[match.end() - 1]] * len(replacement))
        position = match.end()
    out.extend(flat[position:])
    out_starts.extend(starts[position:])
    out_ends.extend(ends[position:])
    return _Normalised("".join(out), tuple(out_starts), tuple(out_ends))


def _spans(text: str, breaks: Pattern[str]) -> List[Tuple[int, int]]:
    """(start, end) of the pieces between `breaks`, trimmed of spaces, empty pieces left out."""
    spans = []
    position = 0
    for cut in [*breaks.finditer(text), None]:
        end = len(text) if cut is None else cut.start()
        piece = text[position:end]
        if piece.strip():
            left = position + len(piece) - len(piece.lstrip())
            spans.append((left, position + len(piece.rstrip())))
        if cut is not None:
            position = cut.end()
    return spans


def _containing(spans: List[Tuple[int, int]], position: int) -> Tuple[int, int]:
    for start, end in spans:
        if start <= position < end:
            return start, end
    return position, position


def _negated_before(prefix: str, lexicon: RedFlagLexicon) -> bool:
    """A negation word before the phrase with only filler words in between ("I don't have any ...")."""
    words = _WORD.findall(prefix)
    for word in reversed(words[-lexicon.negation_window:]):
        if word in lexicon.negation_words:
            return True
        if word not in lexicon.negation_fillers:
            return False
    return False


class _Message:
    """One visitor message, normalised and split once; answers the questions the rules ask."""

    def __init__(self, text: str, lexicon: RedFlagLexicon):
        self.original = text
        self.lexicon = lexicon
        self.norm = _normalise(text, lexicon.spelling)
        self.clauses = _spans(self.norm.text, lexicon.clause_breaks)
        self.sentences = _spans(self.norm.text, lexicon.sentence_breaks)
        self._treated: Optional[bool] = None

    def negated(self, clause_start: int, start: int, end: int) -> bool:
        text = self.norm.text
        return (_negated_before(text[clause_start:start], self.lexicon)
                or bool(self.lexicon.negation_after.search(text[end:])))

    def treated(self) -> bool:
        """A (not negated) mention of treatment already received, anywhere in the message."""
        if self._treated is None:
            self._treated = False
            for pattern in self.lexicon.treatment_context:
                for match in pattern.finditer(self.norm.text):
                    clause_start, _ = _containing(self.clauses, match.start())
                    if not _negated_before(self.norm.text[clause_start:match.start()], self.lexicon):
                        self._treated = True
                        return True
        return self._treated

    def suppression(self, kind: str, clause: Tuple[int, int], start: int, end: int) -> Optional[str]:
        text = self.norm.text
        if self.negated(clause[0], start, end):
            return "negation"
        clause_text = text[clause[0]:clause[1]]
        acute = any(pattern.search(clause_text) for pattern in self.lexicon.acute)
        for group in self.lexicon.suppressors:
            if kind not in group.kinds or (group.unless_acute and acute):
                continue
            for index, pattern in enumerate(group.patterns):
                if self._cue(group, pattern, clause, start):
                    return f"{group.name}[{index}]"
        if kind == ADVERSE_EFFECT and not self.treated():
            return "no_treatment_context"
        return None

    def _cue(self, group: _Suppressor, pattern: Pattern[str], clause: Tuple[int, int], start: int) -> bool:
        text = self.norm.text
        if group.scope == "clause":
            return bool(pattern.search(text[clause[0]:clause[1]]))
        if group.scope == "clause_before":
            return bool(pattern.search(text[clause[0]:start]))
        sentence_start, _ = _containing(self.sentences, start)
        prefix = text[sentence_start:start]
        for cue in pattern.finditer(prefix):
            between = set(_WORD.findall(prefix[cue.end():]))
            if not (group.self_reference_breaks and between & self.lexicon.self_words):
                return True
        return False


def scan(text: str, lexicon: Optional[RedFlagLexicon] = None) -> List[Finding]:
    """Every pattern hit in `text`, emergencies first then by position, each with why it was dropped (if)."""
    lexicon = lexicon or load_lexicon()
    message = _Message(text or "", lexicon)
    findings = []
    for clause in message.clauses:
        clause_text = message.norm.text[clause[0]:clause[1]]
        for rule in lexicon.rules:
            for match in rule.pattern.finditer(clause_text):
                start, end = clause[0] + match.start(), clause[0] + match.end()
                if end <= start:
                    continue
                first, last = message.norm.original_span(start, end)
                flag = RedFlag(rule.kind, text[first:last], rule.category, first, last)
                findings.append(Finding(flag, rule.name, message.suppression(rule.kind, clause, start, end)))
    findings.sort(key=lambda f: (KINDS.index(f.flag.kind), f.flag.start, -(f.flag.end - f.flag.start)))
    return findings


def detect_red_flag(text: str, lexicon: Optional[RedFlagLexicon] = None) -> Optional[RedFlag]:
    """The red flag raised by a visitor message, or None; an emergency wins over an adverse effect."""
    if not text or not text.strip():
        return None
    for finding in scan(text, lexicon):
        if finding.suppressed_by is None:
            return finding.flag
    return None
