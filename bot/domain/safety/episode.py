"""After the emergency instruction: has the visitor said they are safe or getting help?

Until they do, the conversation stays an emergency (actions/emergency.py): "I don't want to go to
the ER, can I come in tomorrow" is not a way out, it gets the instruction again. A confirmation
with a negation before it ("I'm not safe", "I haven't called 911") does not count.
"""
from __future__ import annotations

import re

_SAFE = re.compile(
    r"\b(?:"
    r"(?:i'?m|i am|im|we'?re|we are)\s+(?:safe|ok|okay|fine|alright|all right|better)(?:\s+now)?"
    r"|(?:i'?m|i am|im|we'?re|we are)\s+(?:getting|got|receiving)\s+(?:help|seen|treated|care)"
    r"|(?:getting|got|get)\s+help\s+(?:now|already)"
    r"|help is (?:coming|here|on (?:its|the) way)"
    r"|(?:i|we|my \w+|someone|somebody)\s+(?:have |has |just |already )*(?:called|rang|phoned|dialed|dialled)"
    r"\s+(?:911|999|112|an ambulance|the ambulance|emergency|my doctor|a doctor)"
    r"|(?:calling|ringing|dialing|dialling)\s+(?:911|999|112|an ambulance|the ambulance)\s*(?:now)?"
    r"|(?:ambulance|paramedics?|the doctors?|a doctor)\s+(?:is|are)\s+(?:coming|here|on (?:its|their|the) way|with me)"
    r"|(?:i'?m|i am|im|we'?re|we are)\s+(?:at|in)\s+(?:the\s+)?(?:er|e\.r\.|a&e|hospital|emergency room"
    r"|emergency|urgent care)"
    r"|(?:i'?m|i am|im|we'?re|we are)\s+(?:on (?:my|our) way|going|heading|driving)\s+to\s+(?:the\s+)?"
    r"(?:er|e\.r\.|a&e|hospital|emergency room|emergency|urgent care)"
    r"|(?:been|was)\s+(?:seen|treated|checked)\s+(?:at|in|by)\b"
    r"|(?:it|that|the swelling|the breathing|it all)\s+(?:has\s+)?(?:passed|gone|stopped|settled)"
    r")",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(r"(?:\bnot|n't|\bnever|\bno|\bwon'?t|\brefuse to|\bdon'?t want to)\s+(?:\w+\s+){0,2}$",
                              re.IGNORECASE)


def says_safe(text: str) -> bool:
    """True when the message confirms the visitor is safe or getting help, without a negation."""
    for match in _SAFE.finditer(text or ""):
        if not _NEGATION_BEFORE.search(text[:match.start()]) and "not" not in match.group(0).lower().split():
            return True
    return False
