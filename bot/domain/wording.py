"""The wording catalog: every sentence a visitor or patient sees, one file per language
(clinic/messages.<language>.yml), so a clinic rewords a reply without touching code.

An entry is a text, or a mapping with `text` and `buttons` (each a `title` and a `payload`).
The catalog's top-level `alerts` list names the entries that are alerts: the chat widget shows
them at once and emphasised (`role="alert"`), whatever their words; any entry may be one.
Texts are Python format strings: `{phone}` and the other clinic facts of `profile_facts` are
filled in for every entry; others (`{when}`, `{reference}`...) are given by the caller. The
catalog is checked when it loads: an entry that names a placeholder nobody can fill fails then,
not in the middle of a chat.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml


class WordingError(ValueError):
    """The catalog is invalid, or a key or placeholder is missing; the message names it."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Entry:
    text: str
    buttons: Tuple[Button, ...] = ()
    alert: bool = False


ALERTS_KEY = "alerts"  # the catalog's list of alert entries; not itself an entry


def placeholders(template: str) -> List[str]:
    """The `{names}` a template uses, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _entry(key: str, raw: Any) -> Entry:
    if isinstance(raw, str):
        return Entry(raw.strip())
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise WordingError(f"wording: {key}: must be a text, or a mapping with text and buttons")
    unknown = set(raw) - {"text", "buttons"}
    if unknown:
        raise WordingError(f"wording: {key}: unknown fields {sorted(unknown)}")
    buttons = []
    for index, button in enumerate(raw.get("buttons") or []):
        if not (isinstance(button, dict) and isinstance(button.get("title"), str)
                and isinstance(button.get("payload"), str)):
            raise WordingError(f"wording: {key}.buttons[{index}]: needs a title and a payload")
        buttons.append(Button(button["title"].strip(), button["payload"].strip()))
    return Entry(raw["text"].strip(), tuple(buttons))


def _mark_alerts(entries: Dict[str, Entry], alerts: Any) -> Dict[str, Entry]:
    if not isinstance(alerts, list) or not all(isinstance(key, str) for key in alerts):
        raise WordingError(f"wording: {ALERTS_KEY}: must be a list of entry keys")
    for key in alerts:
        if key not in entries:
            raise WordingError(f"wording: {ALERTS_KEY}: no entry {key!r}")
    return {key: replace(entry, alert=key in alerts) for key, entry in entries.items()}


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """Nested sections become dotted keys: {booking: {done: ...}} -> booking.done."""
    flat: Dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and "text" not in value:
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


class Wording:
    def __init__(self, entries: Mapping[str, Entry], facts: Mapping[str, str], language: str = "en"):
        self.entries = dict(entries)
        self.facts = dict(facts)
        self.language = language

    @classmethod
    def parse(cls, data: Any, facts: Mapping[str, str], language: str = "en") -> Wording:
        if not isinstance(data, dict):
            raise WordingError("wording: the catalog must be a YAML mapping")
        data = dict(data)
        alerts = data.pop(ALERTS_KEY, None) or []
        entries = {key: _entry(key, raw) for key, raw in _flatten(data).items()}
        entries = _mark_alerts(entries, alerts)
        for key, entry in entries.items():
            for template in (entry.text, *(b.title for b in entry.buttons)):
                try:
                    placeholders(template)
                except ValueError as exc:
                    raise WordingError(f"wording: {key}: {exc}") from exc
        return cls(entries, facts, language)

    @classmethod
    def load(cls, path: Path, facts: Mapping[str, str], language: str = "en") -> Wording:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise WordingError(f"wording: {path} is not valid YAML: {exc}") from exc
        return cls.parse(data, facts, language)

    def entry(self, key: str) -> Entry:
        try:
            return self.entries[key]
        except KeyError:
            raise WordingError(f"wording: no entry {key!r} in the {self.language} catalog") from None

    def _fill(self, key: str, template: str, values: Mapping[str, Any]) -> str:
        try:
            return template.format_map({**self.facts, **values})
        except KeyError as exc:
            raise WordingError(f"wording: {key}: no value for placeholder {exc}") from None

    def text(self, key: str, **values: Any) -> str:
        """The entry's text with the clinic's facts and `values` filled in."""
        return self._fill(key, self.entry(key).text, values)

    def buttons(self, key: str, **values: Any) -> List[Dict[str, str]]:
        """The entry's buttons as Rasa button dicts (titles filled like texts)."""
        return [{"title": self._fill(key, b.title, values), "payload": b.payload} for b in self.entry(key).buttons]

    def alert(self, key: str) -> bool:
        """Whether the entry is one of the catalog's `alerts` (shown at once and emphasised)."""
        return self.entry(key).alert

    def title(self, key: str, **values: Any) -> str:
        """A text used as a button title (same as `text`, named for where it is used)."""
        return self.text(key, **values)


def profile_facts(profile: Any) -> Dict[str, str]:
    """The clinic facts every entry may name: {clinic_name}, {phone}, {emergency_number}, ..."""
    return {
        "clinic_name": profile.name,
        "phone": profile.phone,
        "email": profile.email,
        "address": profile.address,
        "emergency_number": profile.emergency_number,
        "hours": profile.hours_text(),
        "consultation_name": profile.consultation.name,
        "horizon_days": str(profile.consultation.booking_horizon_days),
    }


def check_language(language: Optional[str]) -> str:
    language = (language or "en").strip().lower()
    if not language.isalpha() or not 2 <= len(language) <= 8:
        raise WordingError(f"wording: language must be a code like 'en' or 'es', got {language!r}")
    return language
