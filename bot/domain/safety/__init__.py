"""Deterministic red-flag detection: the safety net that does not depend on the intent classifier.

Every visitor message is checked for emergency symptoms (possible spread of toxin, allergic reaction) and
for adverse effects after treatment (clinical-safety.md, "Red flags"). The words live in
clinic/red_flags.yml; this module only applies them in a fixed order, so every decision can be traced to
the rule that fired, or to the cue that suppressed it (see `scan`).
"""
from bot.domain.safety.decision import Decision, Thresholds, decide
from bot.domain.safety.detector import Cues, Finding, RedFlag, cues, detect_red_flag, reading, scan
from bot.domain.safety.lexicon import (
    ADVERSE_EFFECT,
    DEFAULT_LEXICON_PATH,
    EMERGENCY,
    KINDS,
    RedFlagLexicon,
    RedFlagLexiconError,
    load_lexicon,
    parse_lexicon,
)

__all__ = ["ADVERSE_EFFECT", "DEFAULT_LEXICON_PATH", "EMERGENCY", "KINDS", "Cues", "Decision", "Finding", "RedFlag",
           "RedFlagLexicon", "Thresholds", "decide",
           "RedFlagLexiconError", "cues", "detect_red_flag", "load_lexicon", "parse_lexicon", "reading", "scan"]
