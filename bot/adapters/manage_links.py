"""The signed, expiring link in a patient's mail to the page where they move or cancel their booking.

The token is the appointment's id and reference signed with SECRET_KEY (itsdangerous, salted for
this one use) and stamped with the time it was made: it cannot be guessed or altered, and it is
refused after MANAGE_LINK_DAYS. The page still checks that the appointment is booked and ahead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "manage-booking"


@dataclass(frozen=True)
class ManageClaim:
    appointment_id: int
    reference: str


def _serializer(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.require("secret_key"), salt=SALT)


def manage_token(settings, appointment_id: int, reference: str) -> str:
    return _serializer(settings).dumps([appointment_id, reference])


def manage_url(settings, appointment_id: int, reference: str) -> str:
    return f"{settings.public_base_url}/manage/{manage_token(settings, appointment_id, reference)}"


def read_manage_token(settings, token: str) -> Optional[ManageClaim]:
    """The appointment a token names, or None when it is forged, altered or expired."""
    try:
        appointment_id, reference = _serializer(settings).loads(token, max_age=settings.manage_link_days * 86400)
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    if not isinstance(appointment_id, int) or not isinstance(reference, str):
        return None
    return ManageClaim(appointment_id, reference)
