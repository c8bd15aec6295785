"""The iCalendar file of a booking (RFC 5545, METHOD:PUBLISH), written here: folded, escaped, CRLF."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.adapters.db import utcnow


def booking_ics(profile, info: Mapping[str, Any], now: datetime | None = None, *,
                summary: str | None = None, description: str | None = None) -> str:
    """A one-event iCalendar (METHOD:PUBLISH) for a booking, lines folded and CRLF-ended. The
    summary and description default to the clinic's (the patient's copy gives its own). The UID
    is the reference, so a moved booking's file updates the same calendar entry."""
    start = info["start"]
    end = booking_end(profile, info)
    reference = one_line(info.get("reference")) or "booking"
    name = one_line(info.get("name"))
    if summary is None:
        summary = f"Free consultation: {name} ({reference})" if name else f"Free consultation ({reference})"
    lines_of_description = [f"Booking reference {reference}."]
    if info.get("phone"):
        lines_of_description.append(f"Phone: {one_line(info['phone'])}")
    if info.get("intake_id") is not None:
        lines_of_description.append(f"Staff dashboard: /staff/intakes/{info['intake_id']}")
    if description is None:
        description = chr(10).join(lines_of_description)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//clinic-intake//Consultation booking//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{ics_escape(reference)}@{mail_domain(profile)}",
        f"DTSTAMP:{ics_utc(now or utcnow())}",
        f"DTSTART:{ics_utc(start)}",
        f"DTEND:{ics_utc(end)}",
        f"SUMMARY:{ics_escape(summary)}",
        f"LOCATION:{ics_escape(profile.address)}",
        f"DESCRIPTION:{ics_escape(description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma, newline."""
    text = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at `limit` octets (RFC 5545 3.1), never inside a UTF-8 character."""
    parts = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        # continuation lines start with one space, which counts towards their octets
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)



def ics_utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give times with a zone")
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def booking_end(profile, info: Mapping[str, Any]) -> datetime:
    end = info.get("end")
    return end if end is not None else info["start"] + timedelta(minutes=profile.consultation_minutes)


def mail_domain(profile) -> str:
    email = getattr(profile, "email", "") or ""
    return email.rsplit("@", 1)[-1] if "@" in email else "localhost"


def one_line(value: Any) -> str:
    """A value as a single line of text (no CR/LF to break headers or layout)."""
    if value is None:
        return ""
    return " ".join(str(value).split())
