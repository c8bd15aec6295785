"""Answers to visitors' questions, composed from the clinic profile (the facts) and the wording
catalog (the sentences around them); never from facts in code.

Every answer is general information; nothing here diagnoses or promises a result.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from bot.domain.profile import ClinicProfile, Concern
from bot.domain.screening.parsing import named_choices
from bot.domain.wording import Wording

Answer = Callable[[ClinicProfile, Wording, Optional[Concern]], str]


def _concern_fact(wording: Wording, concern: Concern, field: str) -> str:
    return wording.text("answers.for_concern", concern=concern.display_name.lower(), fact=getattr(concern, field))


def explain_concern(profile: ClinicProfile, wording: Wording, key: str) -> str:
    """Two or three sentences: how treatment helps and its label status. The visitor's problem is
    not read back to them; doses and timings come when asked ("want to know more?")."""
    concern = profile.concerns[key]
    return " ".join([wording.text("concern.how_it_helps", name=concern.display_name, treatment=concern.treatment),
                     wording.text("concern.label", label_status=concern.label_status)])


def how_it_works(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    text = profile.treatment["mechanism"]
    return f"{text}\n{concern.treatment}" if concern else text


def duration(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    general = profile.treatment["duration"]
    if concern and concern.duration and concern.duration != general:
        return f"{general} {_concern_fact(wording, concern, 'duration')}"
    return general


def onset(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    if concern and concern.onset:
        return _concern_fact(wording, concern, "onset")
    known = [f"{c.display_name}: {c.onset}" for c in profile.concerns.values() if c.onset]
    intro = (wording.text("answers.onset_unknown", concern=concern.display_name.lower()) if concern
             else wording.text("answers.onset_depends"))
    return " ".join([intro, *known])


def units(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    note = profile.treatment["units_note"]
    if concern and concern.units:
        return f"{_concern_fact(wording, concern, 'units')} {note}"
    if concern:  # other concerns' doses say nothing about this one
        return wording.text("answers.units_unknown", concern=concern.display_name.lower(), note=note)
    known = [f"{c.display_name}: {c.units}" for c in profile.concerns.values() if c.units]
    return wording.text("answers.units_typical", note=note, amounts=" ".join(known))


def label_status(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    if concern:
        return wording.text("answers.label_for_concern", concern=concern.display_name.lower(),
                            label_status=concern.label_status)
    on = [c.display_name for c in profile.concerns.values() if c.on_label]
    off = [c.display_name for c in profile.concerns.values() if not c.on_label]
    return wording.text("answers.label_overview", on_label=", ".join(on), off_label=", ".join(off))


def hours(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    return wording.text("answers.hours", time_zone=profile.timezone.key.replace("_", " "))


def location(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    return wording.text("answers.location")


def consultation(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    c = profile.consultation
    return wording.text("answers.consultation", price=c.price, minutes=c.length_minutes, with_whom=c.with_whom,
                        what_happens=c.what_happens)


def _treatment_text(key: str) -> Answer:
    return lambda profile, wording, concern: profile.treatment[key]


def same_day(profile: ClinicProfile, wording: Wording, concern: Optional[Concern]) -> str:
    return profile.consultation.same_day_treatment


ANSWERS: Dict[str, Answer] = {
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


def named_area(profile: ClinicProfile, concern: Optional[Concern], text: str) -> Optional[str]:
    """The treatment area the visitor named ("sweaty hands" -> "Palms"), from the concern's choice
    question in the screening (its choices' words), or None."""
    if concern is None or not text:
        return None
    for question in profile.screening.concerns.get(concern.key, ()):
        for value in named_choices(question, text):
            return question.choice_labels.get(value, value)
    return None


def answer_question(profile: ClinicProfile, wording: Wording, intent: str, concern_key: Optional[str],
                    text: str = "") -> str:
    """The answer for a question intent, specific to the concern when one is known. A dose quoted
    for one area is not given to a visitor who named another ("units for sweaty hands")."""
    concern = profile.concerns.get(concern_key) if concern_key else None
    area = named_area(profile, concern, text) if intent == "ask_units" else None
    if area and concern.units and area.lower().rstrip("s") not in concern.units.lower():
        return wording.text("answers.units_for_area", area=area.lower(), note=profile.treatment["units_note"])
    return ANSWERS[intent](profile, wording, concern)


def answer_questions(profile: ClinicProfile, wording: Wording, intents: Sequence[str], concern_key: Optional[str],
                     text: str = "") -> str:
    """One answer per question a message asks ("how long does it last? and does it hurt?"), each
    once, in the order asked."""
    return "\n".join(answer_question(profile, wording, intent, concern_key, text) for intent in dict.fromkeys(intents))
