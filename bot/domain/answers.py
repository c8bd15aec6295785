"""Answers to visitors' questions, composed from the clinic profile (never from facts in code).

Every answer is general information; nothing here diagnoses or promises a result.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from bot.domain.profile import ClinicProfile, Concern


def _concern_fact(concern: Optional[Concern], field: str, fallback: str) -> str:
    value = getattr(concern, field) if concern else None
    if concern and value:
        return f"For {concern.display_name.lower()}: {value}"
    return fallback


def explain_concern(profile: ClinicProfile, key: str) -> str:
    """A short explanation of one concern: what it is, how treatment helps, the seed facts."""
    concern = profile.concerns[key]
    lines = [f"{concern.display_name}: {concern.description}", f"How it helps: {concern.treatment}"]
    facts = [value for value in (concern.units, concern.frequency, concern.onset) if value]
    if facts:
        lines.append(" ".join(facts))
    lines.append(f"This use is {concern.label_status}. {profile.treatment['results_disclaimer']}")
    return "\n".join(lines)


def how_it_works(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    text = profile.treatment["mechanism"]
    return f"{text}\n{concern.treatment}" if concern else text


def duration(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    general = profile.treatment["duration"]
    if concern and concern.duration and concern.duration != general:
        return f"{general} {_concern_fact(concern, 'duration', '')}"
    return general


def onset(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    if concern and concern.onset:
        return _concern_fact(concern, "onset", "")
    known = [f"{c.display_name}: {c.onset}" for c in profile.concerns.values() if c.onset]
    intro = (f"I don't have a timing for {concern.display_name.lower()}; the injector will tell you "
             "at your consultation. " if concern else "It depends on the area treated. ")
    return intro + " ".join(known)


def units(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    note = profile.treatment["units_note"]
    if concern and concern.units:
        return f"{_concern_fact(concern, 'units', '')} {note}"
    known = [f"{c.display_name}: {c.units}" for c in profile.concerns.values() if c.units]
    return f"{note} Typical amounts: " + " ".join(known)


def label_status(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    if concern:
        return (f"For {concern.display_name.lower()}, this use is {concern.label_status}. "
                "The consultation decides what is right for you.")
    on = [c.display_name for c in profile.concerns.values() if c.on_label]
    off = [c.display_name for c in profile.concerns.values() if not c.on_label]
    return (f"Approved (on-label) uses include: {', '.join(on)}. Off-label uses the clinic offers: "
            f"{', '.join(off)}. The consultation decides what is right for you.")


def hours(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    return f"Our office hours are {profile.hours_text()} ({profile.timezone.key.replace('_', ' ')} time)."


def location(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    return f"{profile.name} is at {profile.address}. Phone: {profile.phone}."


def consultation(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    c = profile.consultation
    return (f"The consultation is {c.price} and takes about {c.length_minutes} minutes with "
            f"{c.with_whom}. {c.what_happens}")


def _treatment_text(key: str) -> Callable[[ClinicProfile, Optional[Concern]], str]:
    return lambda profile, concern: profile.treatment[key]


def same_day(profile: ClinicProfile, concern: Optional[Concern]) -> str:
    return profile.consultation.same_day_treatment


ANSWERS: Dict[str, Callable[[ClinicProfile, Optional[Concern]], str]] = {
    "ask_how_it_works": how_it_works,
    "ask_duration": duration,
    "ask_onset": onset,
    "ask_units": units,
    "ask_pain": _treatment_text("pain"),
    "ask_side_effects": _treatment_text("side_effects"),
    "ask_safety": _treatment_text("safety"),
    "ask_pregnancy": _treatment_text("pregnancy"),
    "ask_cost": _treatment_text("cost"),
    "ask_consultation": consultation,
    "ask_same_day": same_day,
    "ask_hours": hours,
    "ask_location": location,
    "ask_label_status": label_status,
}
QUESTION_INTENTS: List[str] = list(ANSWERS)


def answer_question(profile: ClinicProfile, intent: str, concern_key: Optional[str]) -> str:
    """The answer for a question intent, specific to the concern when one is known."""
    concern = profile.concerns.get(concern_key) if concern_key else None
    return ANSWERS[intent](profile, concern)
