"""What a visitor asks for in so many words: a person, or a booking.

The intent classifier reads some long questions and stories as "talk to a person" ("Is botox for
acne off label? ... I'd rather know the real commitment upfront"), and that intent hands the chat
to staff and stops a form: it stands only when the words ask for someone (to speak or talk with,
a call back, a human, the staff). And it reads a returning patient's story that ends "Booking my
next one please" as a concern or as nothing: words that ask to book start the booking.
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
_ASKS_TO_BOOK = re.compile(
    r"\b(?:re-?book(?:ing)?|book\s+(?:me|my|us|the|a|an|in|another|again|it|that|this|one|next|for)"
    r"|booking\s+(?:my|me|us|a|an|the|another|in|for))\b"
    r"|\b(?:make|get|have|schedule|arrange|set up)\s+(?:me\s+)?(?:an|a|another|my next)\s+"
    r"(?:appointment|appt|consultation|consult|session|slot)\b"
    r"|\b(?:any|free|available)\s+(?:slots?|appointments?|availability|openings?)\b"
    r"|\bfit me in\b|\btop[ -]?up\s+(?:pls|please|plz)\b",
    re.IGNORECASE,
)
# "not ready to book yet", "before I book", "if I book": no request
_NOT_YET = re.compile(r"(?:\bnot|n't|\bnever|\bbefore|\buntil|\bif|\bwhether)\s+(?:\w+\s+){0,3}$", re.IGNORECASE)


def asks_for_a_person(text: str) -> bool:
    return bool(_ASKS_FOR_A_PERSON.search(text or ""))


def asks_to_book(text: str) -> bool:
    text = text or ""
    return any(not _NOT_YET.search(text[max(0, match.start() - 40):match.start()])
               for match in _ASKS_TO_BOOK.finditer(text))
