"""The booking form: name, phone or e-mail, and a free time inside office hours; then the
booking itself. Scheduling rules live in bot/domain/scheduling.py, storage in bot/services/intake.py."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesApp, buttons, say, send_soon
from actions.interruptions import visitor_answer
from bot.adapters.rasa_events import booked_payload, bookings_blocked, offered_buttons
from bot.composition import App
from bot.domain import scheduling
from bot.domain.formatting import clock, day_in_words
from bot.domain.validators import Invalid, clean_contact, clean_name
from bot.services.intake import BookingLimitReached, SlotTaken, book, note_contact, taken_starts
from bot.services.outbox import queue_booking

MAX_SLOT_BUTTONS = 6
# Reasons the office hours explain; a taken or passed time inside them needs no reminder.
OFFICE_HOURS_REASONS = {"unparsed", "closed_day", "outside_hours"}


def slot_buttons(app: App, starts) -> List[Dict[Text, Text]]:
    clinic = app.profile
    return buttons([
        (scheduling.describe_slot(clinic, start),
         "/choose_slot" + json.dumps({"slot_time": scheduling.slot_payload(start)}))
        for start in starts
    ])


def taken_now(app: App, current) -> list:
    with app.unit_of_work() as session:
        return taken_starts(session, app.profile, current)


def offer_free_times(app: App, dispatcher: CollectingDispatcher, intro: Text) -> None:
    clinic, current = app.profile, app.now()
    free = scheduling.free_slots(clinic, taken_now(app, current), current, limit=4)
    say(app, dispatcher, "booking.next_free", intro=intro, buttons=slot_buttons(app, free))


def offer_alternatives(app: App, dispatcher: CollectingDispatcher, reason: Text, wanted) -> None:
    """`reason` (a wording text) and the free times nearest to `wanted`."""
    clinic, current = app.profile, app.now()
    nearest = scheduling.nearest_free(clinic, wanted, taken_now(app, current), current)
    say(app, dispatcher, "booking.alternatives", reason=reason, buttons=slot_buttons(app, nearest))


def reason_in_words(app: App, resolution: scheduling.Resolution) -> Text:
    """Why the request can't be booked as it is, naming the day and window that were asked for."""
    wording, request = app.wording, resolution.request
    if resolution.reason not in scheduling.REASONS:
        return wording.text("booking.reason.other")
    if request is None:
        return wording.text(f"booking.reason.{resolution.reason}")
    window = "".join(" " + part for part in (
        wording.text("booking.window.part", part=request.part_of_day) if request.part_of_day else "",
        wording.text("booking.window.after", time=clock(request.after)) if request.after else "",
        wording.text("booking.window.before", time=clock(request.before)) if request.before else "",
    ) if part)
    return wording.text(f"booking.reason.{resolution.reason}", day=day_in_words(request.day), window=window)


def split_name_and_contact(text: Text):
    """("Maria Gomez", ContactDetails) when a phone or e-mail follows the name, else (text, None)."""
    try:
        contact = clean_contact(text)
    except Invalid:
        return text, None
    name = re.split(r"[,;]|\s(?=\+?\(?\d)|\s(?=\S+@)", text.strip(), maxsplit=1)[0].strip()
    return (name, contact) if name and name != text.strip() else (text, None)


def requested_start(app: App, dispatcher: CollectingDispatcher, text: Text) -> Optional[Text]:
    """The slot payload for a free, bookable time the visitor asked for; otherwise tell them why
    not, offer the nearest free times as buttons, and return None."""
    clinic, current = app.profile, app.now()
    resolution = scheduling.resolve_request(clinic, text, current, taken_now(app, current))
    if resolution.reason == "ok" and resolution.start is not None:
        return scheduling.slot_payload(resolution.start)
    reason = reason_in_words(app, resolution)
    if resolution.reason in OFFICE_HOURS_REASONS:
        reason = app.wording.text("booking.office_hours", reason=reason)
    if resolution.alternatives:
        say(app, dispatcher, "booking.alternatives", reason=reason,
            buttons=slot_buttons(app, resolution.alternatives[:MAX_SLOT_BUTTONS]))
    else:
        offer_free_times(app, dispatcher, reason)
    return None


class ValidateBookingForm(UsesApp, FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"

    @visitor_answer
    def validate_full_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        """A name, or a name with the phone or e-mail after it ("Maria Gomez, 818 555 0155")."""
        name, contact = split_name_and_contact(str(value))
        slots = self.cleaned("full_name", clean_name, name if contact else value, dispatcher)
        if contact is not None:
            slots["contact"] = contact.describe()
        if slots["full_name"]:
            self.app.transaction(lambda session: note_contact(session, tracker.sender_id, slots["full_name"], contact))
        return slots

    @visitor_answer
    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        slots = self.cleaned("contact", lambda text: clean_contact(text).describe(), value, dispatcher)
        if slots["contact"] and tracker.get_slot("full_name"):  # a contact is stored with its name
            self.app.transaction(lambda session: note_contact(session, tracker.sender_id, tracker.get_slot("full_name"),
                                                              clean_contact(slots["contact"])))
        return slots

    @visitor_answer
    def validate_preferred_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return {"preferred_time": requested_start(self.app, dispatcher, str(value))}


class ActionAskPreferredTime(UsesApp, Action):
    def name(self) -> Text:
        return "action_ask_preferred_time"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        if times_offered_this_turn(tracker):
            return []  # the validator just explained why and offered the nearest free times
        offer_free_times(self.app, dispatcher, self.app.wording.text("ask.preferred_time"))
        return []


def times_offered_this_turn(tracker: Tracker) -> bool:
    """Whether slot buttons went out since the visitor's last message."""
    return any(b["payload"].startswith("/choose_slot") for b in offered_buttons(tracker.events))


class ActionBookConsultation(UsesApp, Action):
    def name(self) -> Text:
        return "action_book_consultation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        clinic = self.app.profile
        start = scheduling.parse_slot_payload(tracker.get_slot("preferred_time") or "")
        if start is None:
            return [SlotSet("preferred_time", None), FollowupAction("booking_form")]
        try:
            contact = clean_contact(tracker.get_slot("contact") or "")
        except Invalid:  # the form did not finish (a turn lost to a failed action): it asks on
            return [SlotSet("contact", None), FollowupAction("booking_form")]
        if bookings_blocked(tracker.latest_message):  # this address booked enough for now (the gateway)
            say(self.app, dispatcher, "booking.address_limit")
            return [SlotSet("preferred_time", None)]
        try:
            def save(session):
                booking = book(session, clinic, tracker.sender_id, tracker.get_slot("full_name"), contact, start,
                               tracker.get_slot("concern"),
                               max_active=self.app.settings.booking_max_active_per_contact, now=self.app.now())
                return booking, queue_booking(session, self.app.mail_context(), booking)

            booking, queued = self.app.transaction(save)
        except SlotTaken:
            offer_alternatives(self.app, dispatcher, self.app.wording.text("booking.just_taken"), start)
            return [SlotSet("preferred_time", None), FollowupAction("booking_form")]
        except BookingLimitReached:  # says nothing about the booking held: it may be someone else's
            say(self.app, dispatcher, "booking.contact_limit")
            return [SlotSet("preferred_time", None)]
        send_soon(self.app, queued)
        when = scheduling.describe_slot(clinic, booking.start)
        wording = self.app.wording
        lines = [wording.text("booking.done", when=when),
                 wording.text("booking.reference", reference=booking.reference)]
        if tracker.get_slot("consultation_only"):
            lines.append(wording.text("booking.consultation_only"))
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(json_message=booked_payload())  # counted per address by the gateway
        # The time is spent: a second booking in this conversation asks for a new one.
        return [SlotSet("booking_reference_issued", booking.reference), SlotSet("preferred_time", None)]
