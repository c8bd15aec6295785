"""Reading one visitor message against the lexicon: every hit, and why a hit was dropped."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Mapping, Optional, Pattern, Tuple

from bot.domain.safety.lexicon import (
    _APOSTROPHES,
    _WORD,
    ADVERSE_EFFECT,
    KINDS,
    RedFlagLexicon,
    _Suppressor,
    load_lexicon,
)

_QUOTES = frozenset('"\u201c\u201d')  # read as spaces: 'my first "baby botox"'
# Treatment denied outright, right before the mention ("I've never had botox", "not been injected")
# says no treatment was had, whatever else the message calls "the botox"; "never had botox before
# (last week)" tells a first time instead, and counts neither way.
_DENIED = re.compile(r"\b(?:never|not|haven't|havent|hasn't|hasnt|didn't|didnt)\s+(?:ever\s+|yet\s+|even\s+)?$")
_FIRST_TIME = re.compile(r"\s*(?:before|until|till|prior)\b")
# Where a sentence turns from a cue to something else ("what if it's the botox, my throat ...").
_PAUSE = re.compile(r"[,;:()]|\s[-–—]+\s|\bbut\b")


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
            if char in _QUOTES:
                char = " "
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
            text = self.norm.text
            mentions = [match for pattern in self.lexicon.treatment_context for match in pattern.finditer(text)
                        if not _FIRST_TIME.match(text, match.end())]
            self._treated = (
                any(not _negated_before(text[_containing(self.clauses, match.start())[0]:match.start()], self.lexicon)
                    for match in mentions)
                and not any(_DENIED.search(text, 0, match.start()) for match in mentions))
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
        if group.scope == "message":
            return bool(pattern.search(text))
        sentence_start, sentence_end = _containing(self.sentences, start)
        if group.scope == "sentence":
            return bool(pattern.search(text[sentence_start:sentence_end]))
        prefix = text[sentence_start:start]
        for cue in pattern.finditer(prefix):
            if not (group.self_reference_breaks and self._turns_to_self(prefix[cue.end():])):
                return True
        return False

    def _turns_to_self(self, between: str) -> bool:
        """Whether the words between a cue and the symptom turn to the visitor's own present: "what
        if it's the botox, my throat is closing", "what if ... it's happening right now, I can't
        breathe". Self words inside the cue's own clause do not ("what if I get it and then I can't
        bite an apple", "worried that after the injections I'll feel short of breath")."""
        if any(pattern.search(between) for pattern in self.lexicon.acute):
            return True
        if not _PAUSE.search(between):
            return False
        after_pause = _PAUSE.split(between)[-1]
        return bool(set(_WORD.findall(after_pause)) & self.lexicon.self_words)


@dataclass(frozen=True)
class Cues:
    """What the whole message says around any symptom: that treatment was had ("since my lip
    flip"), and that all is well ("swallowing's fine"). An adverse effect the lexicon did not keep
    needs the first and is dropped on the second; an emergency is never dropped on a cue."""

    treated: bool
    all_clear: bool
    emergency_clear: bool = False  # the functions an emergency hits are said to be fine
    # A question mark anywhere: the message asks something. Deliberately not
    # bot.domain.interruptions.looks_like_question, whose opening words ("can", "is") would also
    # count "can't breathe since my botox" as asking, and this cue lets an emergency give way.
    asks: bool = False


def cues(text: str, lexicon: Optional[RedFlagLexicon] = None) -> Cues:
    return _cues(_Message(text or "", lexicon or load_lexicon()))


def scan(text: str, lexicon: Optional[RedFlagLexicon] = None) -> List[Finding]:
    """Every pattern hit in `text`, emergencies first then by position, each with why it was dropped (if)."""
    return _findings(_Message(text or "", lexicon or load_lexicon()))


def reading(text: str, lexicon: Optional[RedFlagLexicon] = None) -> Tuple[List[Finding], Cues]:
    """`scan` and `cues` of one message, normalised and split once (the NLU component's reading)."""
    message = _Message(text or "", lexicon or load_lexicon())
    return _findings(message), _cues(message)


def _cues(message: _Message) -> Cues:
    lexicon = message.lexicon
    return Cues(treated=message.treated(),
                all_clear=any(pattern.search(message.norm.text) for pattern in lexicon.all_clear),
                emergency_clear=any(pattern.search(message.norm.text) for pattern in lexicon.emergency_clear),
                asks="?" in message.original)


def _findings(message: _Message) -> List[Finding]:
    text, lexicon = message.original, message.lexicon
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

