"""Validators shared by the forms: each returns the cleaned value, or raises Invalid naming the
wording-catalog message the visitor can act on."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_CHARS = re.compile(r"^[\d\s().+-]+$")
_GREETING = re.compile(r"^(hi|hello|hey|good (morning|afternoon|evening))\b[\s,.!]*", re.I)
_PHONE_IN_TEXT = re.compile(r"\+?\(?\d[\d\s().-]*\d")
_NAME_PREFIX = re.compile(
    r"^(hi|hello|hey)?[\s,]*(my name is|my name's|name is|i am|i'm|im|it's|its|this is|call me)\s+", re.I
)
_TAG = re.compile(r"<[^<>]*>")
MAX_BEST_TIME_CHARS = 200
_NAME_OK = re.compile(r"^[^\W\d_][^\W\d_ '.-]*([ '.-]+[^\W\d_]+)*\.?$", re.UNICODE)

_TIME_WORDS = {"today", "tomorrow", "tonight", "next", "monday", "tuesday", "wednesday", "thursday", "friday",
               "saturday", "sunday", "morning", "afternoon", "evening", "am", "pm", "noon", "week"}
_NOT_NAMES = {"hi", "hello", "hey", "there", "morning", "afternoon", "evening", "yes", "no", "ok", "okay",
              "sure", "thanks", "why", "what", "help"}
# Words of a request, not of a name: "book a consultation" typed where the name is asked.
_REQUEST_WORDS = {"book", "booking", "consultation", "consult", "appointment", "thanks", "thank", "please",
                  "want", "need", "cancel", "reschedule", "botox", "question", "questions"}


class Invalid(ValueError):
    """The visitor's answer can't be used; `key` names the wording-catalog entry (invalid.<key>)
    that tells them what to send instead."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key

    def render(self, wording) -> str:
        return wording.text(f"invalid.{self.key}")


@dataclass(frozen=True)
class ContactDetails:
    phone: Optional[str] = None
    email: Optional[str] = None

    def describe(self) -> str:
        """Both, when both were given ("+18185550199, jane@example.com"); clean_contact reads it back."""
        return ", ".join(part for part in (self.phone, self.email) if part)


def clean_name(text: str) -> str:
    name = _NAME_PREFIX.sub("", _GREETING.sub("", (text or "").strip())).strip(" .!,")
    if (not 2 <= len(name) <= 100 or not _NAME_OK.match(name) or name.lower() in _NOT_NAMES
            or (_TIME_WORDS | _REQUEST_WORDS) & set(name.lower().split())):  # a time or a request, not a name
        raise Invalid("name")
    return " ".join(part[:1].upper() + part[1:] if part.islower() else part for part in name.split())


def clean_best_time(text: str) -> str:
    """When to call back, in the visitor's words, whitespace tidied. The reply repeats them, so any
    HTML tag is dropped and so are stray angle brackets: a time needs neither."""
    words = " ".join(_TAG.sub(" ", text or "").replace("<", " ").replace(">", " ").split())
    if not 2 <= len(words) <= MAX_BEST_TIME_CHARS:
        raise Invalid("best_time")
    return words


def clean_email(text: str) -> str:
    email = (text or "").strip().strip(".,;")
    if len(email) > 254 or not _EMAIL.match(email):
        raise Invalid("email")
    return email.lower()


def clean_phone(text: str) -> str:
    """A North American or international number, normalised to +<digits> (E.164)."""
    raw = (text or "").strip()
    if not raw or not _PHONE_CHARS.match(raw):
        raise Invalid("phone_chars")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not 8 <= len(digits) <= 15:
            raise Invalid("phone_international")
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise Invalid("phone_us")
    return f"+1{digits}"


def phone_in_text(text: str) -> Optional[str]:
    """A valid phone number written somewhere in the message ("call me on 818 555 0199"), or None."""
    for match in _PHONE_IN_TEXT.finditer(text or ""):
        try:
            return clean_phone(match.group(0))
        except Invalid:
            continue
    return None


def clean_contact(text: str) -> ContactDetails:
    """A phone number, an e-mail address or both, found in what the visitor wrote."""
    text = (text or "").strip()
    email_match = _EMAIL_IN_TEXT.search(text)
    email = clean_email(email_match.group(0)) if email_match else None
    rest = text.replace(email_match.group(0), " ") if email_match else text
    phone_match = _PHONE_IN_TEXT.search(rest)  # the number without words around it ("call me on ... thanks")
    if phone_match and email:
        phone = phone_in_text(rest)  # a stray number beside an e-mail is not an error
    else:
        phone = clean_phone(phone_match.group(0)) if phone_match else None
    if not (phone or email):
        raise Invalid("contact")
    return ContactDetails(phone=phone, email=email)


# A visitor introducing themselves anywhere in a message: "Hi, I'm Maria Lopez and my jaw aches",
# "my name is tom". After "I'm"/"I am"/"this is" the name must be capitalised, since "I'm worried"
# is no name; after "my name is" any words count.
_INTRODUCTION = re.compile(
    r"\b(?:my name is|my name's|name's|(?-i:[Ii])'?m|(?-i:I) am|this is)\s+"
    r"((?-i:[A-Z][a-z'-]+)(?:\s+(?-i:[A-Z][a-z'-]+)){0,2})(?=\s*(?:$|[,.!;]|\s(?:and|but|from|here)\b))"
    r"|\b(?:my name is|my name's)\s+([A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+)?)(?=\s*(?:$|[,.!;]|\s(?:and|but)\b))",
    re.IGNORECASE)
_NOT_NAME_WORDS = _NOT_NAMES | _REQUEST_WORDS | {
    "i", "so", "just", "not", "also", "really", "very", "still", "here", "back", "pregnant", "breastfeeding",
    "nursing", "dysport", "xeomin", "tmj", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "interested", "looking", "curious", "worried"}


def introduced_name(text: str) -> Optional[str]:
    """The name a visitor gives for themselves in a message, cleaned, or None."""
    for match in _INTRODUCTION.finditer(text or ""):
        name = match.group(1) or match.group(2)
        if set(name.lower().split()) & _NOT_NAME_WORDS:
            continue
        try:
            return clean_name(name)
        except Invalid:
            continue
    return None
