"""Validators shared by the forms: each returns the cleaned value, or raises Invalid with a
message the visitor can act on."""
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
_NAME_OK = re.compile(r"^[^\W\d_][^\W\d_ '.-]*([ '.-]+[^\W\d_]+)*\.?$", re.UNICODE)

_TIME_WORDS = {"today", "tomorrow", "tonight", "next", "monday", "tuesday", "wednesday", "thursday", "friday",
               "saturday", "sunday", "morning", "afternoon", "evening", "am", "pm", "noon", "week"}
_NOT_NAMES = {"hi", "hello", "hey", "there", "morning", "afternoon", "evening", "yes", "no", "ok", "okay",
              "sure", "thanks", "why", "what", "help"}


class Invalid(ValueError):
    """The visitor's answer can't be used; str(exc) says what to send instead."""


@dataclass(frozen=True)
class ContactDetails:
    phone: Optional[str] = None
    email: Optional[str] = None

    def describe(self) -> str:
        return self.phone or self.email or ""


def clean_name(text: str) -> str:
    name = _NAME_PREFIX.sub("", _GREETING.sub("", (text or "").strip())).strip(" .!,")
    if (not 2 <= len(name) <= 100 or not _NAME_OK.match(name) or name.lower() in _NOT_NAMES
            or _TIME_WORDS & set(name.lower().split())):  # "next tuesday afternoon" is a time, not a name
        raise Invalid("Please tell me your name using letters only, for example: Maria Lopez.")
    return " ".join(part[:1].upper() + part[1:] if part.islower() else part for part in name.split())


def clean_email(text: str) -> str:
    email = (text or "").strip().strip(".,;")
    if len(email) > 254 or not _EMAIL.match(email):
        raise Invalid("That e-mail address doesn't look complete, for example: name@example.com.")
    return email.lower()


def clean_phone(text: str) -> str:
    """A North American or international number, normalised to +<digits> (E.164)."""
    raw = (text or "").strip()
    if not raw or not _PHONE_CHARS.match(raw):
        raise Invalid("Please give a phone number with digits only, for example: 818 555 0199.")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not 8 <= len(digits) <= 15:
            raise Invalid("That international number has the wrong length; please check it.")
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise Invalid("A US phone number has 10 digits, for example: 818 555 0199.")
    return f"+1{digits}"


def clean_contact(text: str) -> ContactDetails:
    """A phone number or an e-mail address, found in what the visitor wrote."""
    text = (text or "").strip()
    email = _EMAIL_IN_TEXT.search(text)
    if email:
        return ContactDetails(email=clean_email(email.group(0)))
    phone = _PHONE_IN_TEXT.search(text)  # the number without words around it ("call me on ... thanks")
    if phone:
        return ContactDetails(phone=clean_phone(phone.group(0)))
    raise Invalid("Please give a phone number (for example 818 555 0199) or an e-mail address.")
