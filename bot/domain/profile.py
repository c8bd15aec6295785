"""The clinic profile (clinic/profile.yml): every clinic fact, loaded and validated once at start-up
into typed objects (bot.composition builds it); nothing reads the YAML after that.

A bad profile fails with an error that names the key, e.g. `office_hours.friday.close`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.domain.concerns import CONCERN_KEYS
from bot.domain.errors import ProfileError
from bot.domain.formatting import WEEKDAYS, clock, day_abbr
from bot.domain.screening.questions import Screening, validate_screening

__all__ = ["CONCERN_KEYS", "WEEKDAYS", "ClinicProfile", "Concern", "Consultation", "OpeningHours", "ProfileError",
           "load_profile", "parse_profile"]
CONCERN_FIELDS = ("display_name", "description", "treatment", "label_status")
CONCERN_OPTIONAL_FIELDS = ("units", "frequency", "onset", "duration")
TREATMENT_FIELDS = (
    "mechanism", "duration", "units_note", "results_disclaimer", "pain", "side_effects", "safety",
    "pregnancy", "cost", "clinic_claims", "see_professional",
)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class OpeningHours:
    open: time
    close: time


@dataclass(frozen=True)
class Concern:
    key: str
    display_name: str
    description: str
    treatment: str
    label_status: str
    units: Optional[str]
    frequency: Optional[str]
    onset: Optional[str]
    duration: Optional[str]

    @property
    def on_label(self) -> bool:
        return self.label_status.startswith("on-label")


@dataclass(frozen=True)
class Consultation:
    """The free consultation a visitor books."""

    name: str
    price: str
    length_minutes: int
    booking_horizon_days: int
    with_whom: str
    what_happens: str
    same_day_treatment: str
    min_notice_minutes: int = 60  # a slot can be booked up to this long before it starts


@dataclass(frozen=True)
class ClinicProfile:
    name: str
    practitioner: str
    address: str
    city: str
    phone: str
    email: str
    practitioner_note: Optional[str]
    timezone: ZoneInfo
    emergency_number: str
    office_hours: Mapping[int, Optional[OpeningHours]]  # weekday() -> hours, None when closed
    consultation: Consultation
    treatment: Mapping[str, str]
    concerns: Mapping[str, Concern]
    screening: Screening
    map_search: Optional[str] = None  # a map search link with {address}, e.g. https://maps.example/?q={address}

    @property
    def map_url(self) -> Optional[str]:
        """The link to the clinic's address on a map (the chat widget links the address to it)."""
        if self.map_search is None:
            return None
        return self.map_search.replace("{address}", quote(self.address, safe=""))

    @property
    def consultation_minutes(self) -> int:
        return self.consultation.length_minutes

    def hours_text(self) -> str:
        """Office hours in words, consecutive days with equal hours grouped: 'Mon-Thu 10:00 am-5:00 pm, ...'."""
        groups: list[Tuple[int, int, Optional[OpeningHours]]] = []
        for day in range(7):
            hours = self.office_hours[day]
            if groups and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], day, hours)
            else:
                groups.append((day, day, hours))
        parts = []
        for first, last, hours in groups:
            days = day_abbr(first) if first == last else f"{day_abbr(first)}-{day_abbr(last)}"
            when = "closed" if hours is None else f"{clock(hours.open)}-{clock(hours.close)}"
            parts.append(f"{days} {when}")
        return ", ".join(parts)


def _require(mapping: Any, key: str, path: str) -> Any:
    if not isinstance(mapping, dict):
        raise ProfileError(path, "must be a mapping")
    if key not in mapping:
        raise ProfileError(f"{path}.{key}" if path else key, "missing")
    return mapping[key]


def _text(mapping: Any, key: str, path: str, optional: bool = False) -> Optional[str]:
    full = f"{path}.{key}" if path else key
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None and optional:
        return None
    value = _require(mapping, key, path)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(full, "must be non-empty text")
    return value.strip()


def _map_search(clinic: Any) -> Optional[str]:
    template = _text(clinic, "map_search", "clinic", optional=True)
    if template is not None and not (template.startswith("https://") and "{address}" in template):
        raise ProfileError("clinic.map_search", "must be an https:// link with {address} in it")
    return template


def _hhmm(value: Any, key: str) -> time:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ProfileError(key, f"must be a 24-hour time HH:MM, got {value!r}")
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def parse_profile(data: Any) -> ClinicProfile:
    if not isinstance(data, dict):
        raise ProfileError("(top)", "the profile must be a YAML mapping")
    clinic = _require(data, "clinic", "")
    try:
        tz = ZoneInfo(_text(clinic, "timezone", "clinic"))
    except (ZoneInfoNotFoundError, ValueError) as exc:  # ValueError: a path-like key
        raise ProfileError("clinic.timezone", f"unknown time zone {clinic.get('timezone')!r}") from exc

    hours_raw = _require(data, "office_hours", "")
    if not isinstance(hours_raw, dict):
        raise ProfileError("office_hours", "must be a mapping of weekday to hours")
    for day in hours_raw:
        if day not in WEEKDAYS:
            raise ProfileError(f"office_hours.{day}", "is not a weekday name")
    office_hours: Dict[int, Optional[OpeningHours]] = {}
    for index, day in enumerate(WEEKDAYS):
        entry = hours_raw.get(day)
        if entry is None:
            office_hours[index] = None
            continue
        path = f"office_hours.{day}"
        opening = _hhmm(_require(entry, "open", path), f"{path}.open")
        closing = _hhmm(_require(entry, "close", path), f"{path}.close")
        if closing <= opening:
            raise ProfileError(f"{path}.close", "must be after open")
        office_hours[index] = OpeningHours(opening, closing)

    consultation_raw = _require(data, "consultation", "")
    length = _require(consultation_raw, "length_minutes", "consultation")
    if not isinstance(length, int) or not 5 <= length <= 240:
        raise ProfileError("consultation.length_minutes", "must be a whole number of minutes, 5-240")
    texts = {key: _text(consultation_raw, key, "consultation")
             for key in ("name", "with_whom", "what_happens", "same_day_treatment", "price")}
    horizon = _require(consultation_raw, "booking_horizon_days", "consultation")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 365:
        raise ProfileError("consultation.booking_horizon_days", "must be a whole number of days, 1-365")
    notice = consultation_raw.get("min_notice_minutes", 60)
    if not isinstance(notice, int) or isinstance(notice, bool) or not 0 <= notice <= 7 * 24 * 60:
        raise ProfileError("consultation.min_notice_minutes", "must be a whole number of minutes, 0-10080")
    consultation = Consultation(length_minutes=length, booking_horizon_days=horizon, min_notice_minutes=notice,
                                **texts)

    treatment_raw = _require(data, "treatment", "")
    treatment = {key: _text(treatment_raw, key, "treatment") for key in TREATMENT_FIELDS}

    concerns_raw = _require(data, "concerns", "")
    if not isinstance(concerns_raw, dict):
        raise ProfileError("concerns", "must be a mapping")
    for key in concerns_raw:
        if key not in CONCERN_KEYS:
            raise ProfileError(f"concerns.{key}", f"unknown concern; expected one of {', '.join(CONCERN_KEYS)}")
    concerns = {}
    for key in CONCERN_KEYS:
        entry = _require(concerns_raw, key, "concerns")
        path = f"concerns.{key}"
        fields = {name: _text(entry, name, path) for name in CONCERN_FIELDS}
        fields.update({name: _text(entry, name, path, optional=True) for name in CONCERN_OPTIONAL_FIELDS})
        if not fields["label_status"].startswith(("on-label", "off-label")):
            raise ProfileError(f"{path}.label_status", "must start with 'on-label' or 'off-label'")
        concerns[key] = Concern(key=key, **fields)

    screening = validate_screening(_require(data, "screening", ""))
    return ClinicProfile(
        name=_text(clinic, "name", "clinic"),
        practitioner=_text(clinic, "practitioner", "clinic"),
        address=_text(clinic, "address", "clinic"),
        city=_text(clinic, "city", "clinic"),
        phone=_text(clinic, "phone", "clinic"),
        email=_text(clinic, "email", "clinic"),
        practitioner_note=_text(clinic, "practitioner_note", "clinic", optional=True),
        timezone=tz,
        emergency_number=_text(clinic, "emergency_number", "clinic"),
        office_hours=office_hours,
        consultation=consultation,
        treatment=treatment,
        concerns=concerns,
        screening=screening,
        map_search=_map_search(clinic),
    )


def load_profile(path: Path) -> ClinicProfile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError("(file)", f"{path} is not valid YAML: {exc}") from exc
    return parse_profile(data)
