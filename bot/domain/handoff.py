"""Does a message ask for a person? The intent classifier reads some long questions and stories as
"talk to a person" ("Is botox for acne off label? ... I'd rather know the real commitment
upfront"), and that intent hands the chat to staff and stops a form. It stands only when the
words ask for someone: to speak or talk with, to call back, a human, the staff or the front desk.
"""
from __future__ import annotations

import re

_ASKS_FOR_A_PERSON = re.compile(
    r"\b(?:speak|talk|chat)\s+(?:to|with)\b"
    r"|\b(?:call|ring|phone|contact|text|email)\s+(?:me|us)\b"
    r"|\bcall\s?back\b|\bget back to me\b|\breach me\b"
    r"|\b(?:someone|somebody|anyone|anybody)\s+(?:(?:just|please|from|at)\s+(?:\w+\s+)?)?"
    r"(?:call|phone|ring|contact|get back|reach|talk|speak|text)\b"
    r"|\b(?:connect|transfer|put)\s+me\b"
    r"|\b(?:person|human|humans|agent|representative|receptionist|manager|operator|staff|front desk)\b",
    re.IGNORECASE,
)


def asks_for_a_person(text: str) -> bool:
    return bool(_ASKS_FOR_A_PERSON.search(text or ""))
