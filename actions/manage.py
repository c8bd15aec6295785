"""Reschedule or cancel a booking, given its reference and the phone or e-mail it was made with."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import offer_alternatives, requested_start
from actions.common import UsesApp, latest_text, send_soon
from actions.concern import note_named_concern
from actions.interruptions import visitor_answer
from bot.adapters.repository import REFERENCE_ALPHABET, REFERENCE_LENGTH
from bot.domain import scheduling
from bot.domain.validators import Invalid, clean_contact
from bot.services.intake import SlotTaken, cancel_booking, find_booking, reschedule_booking
from bot.services.outbox import queue_cancellation, queue_reschedule

_REFERENCE = re.compile(rf"\b([{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}})\b")
_CHOICES = {"cancel": ("cancel", "call off", "delete"),
            "reschedule": ("reschedule", "move", "change", "another time", "different time", "rebook")}


def find_reference(text: Text) -> Optional[Text]:
    """The first six-character word with a digit in it (every reference has one, see new_reference),
    so 'my reference number is K7M2QX' does not read NUMBER as the code."""
    for candidate in _REFERENCE.findall(text.upper()):
        if any(c.isdigit() for c in candidate):
            return candidate
    return None


def read_choice(text: Text) -> Optional[Text]:
    lowered = text.lower()
    for choice, words in _CHOICES.items():
        if lowered == choice or any(word in lowered for word in words):
            return choice
    return None


class ActionStartManageBooking(UsesApp, Action):
    """Starts from what is known: the booking made in this conversation (its reference and the
    contact it was made with) and what the request itself says ("move it to next Friday morning").
    The form's validators check these like typed answers."""

    def name(self) -> Text:
        return "action_start_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        issued = tracker.get_slot("booking_reference_issued")
        reference = find_reference(text) or issued
        contact = tracker.get_slot("contact") if issued and reference == issued else None
        choice = read_choice(text)
        asked_time = choice == "reschedule" and scheduling.parse_when(text, self.app.now(), self.app.profile)
        return [SlotSet("booking_reference", reference), SlotSet("contact", contact),
                SlotSet("manage_choice", choice), SlotSet("preferred_time", text if asked_time else None),
                *note_named_concern(self.app, tracker)]


class ValidateManageBookingForm(UsesApp, FormValidationAction):
    def name(self) -> Text:
        return "validate_manage_booking_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("manage_choice") == "cancel":
            return [slot for slot in domain_slots if slot != "preferred_time"]
        return domain_slots

    @visitor_answer
    def validate_booking_reference(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        reference = find_reference(str(value))
        if reference is None:
            self.say(dispatcher, "manage.reference_format", length=REFERENCE_LENGTH)
        return {"booking_reference": reference}

    @visitor_answer
    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        try:
            contact = clean_contact(str(value))
        except Invalid as problem:
            dispatcher.utter_message(text=problem.render(self.app.wording))
            return {"contact": None}
        with self.app.unit_of_work() as session:
            booking = find_booking(session, tracker.get_slot("booking_reference") or "", contact)
        if booking is None:
            self.say(dispatcher, "manage.not_matched")
            return {"contact": None, "booking_reference": None}
        when = scheduling.describe_slot(self.app.profile, booking.start)
        self.say(dispatcher, "manage.found", when=when)
        return {"contact": contact.describe()}

    @visitor_answer
    def validate_manage_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        choice = read_choice(str(value))
        if choice is None:
            self.say(dispatcher, "manage.choose")
        return {"manage_choice": choice}

    @visitor_answer
    def validate_preferred_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return {"preferred_time": requested_start(self.app, dispatcher, str(value))}


class ActionFinishManageBooking(UsesApp, Action):
    def name(self) -> Text:
        return "action_finish_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        clinic = self.app.profile
        reference = tracker.get_slot("booking_reference") or ""
        try:
            contact = clean_contact(tracker.get_slot("contact") or "")
        except Invalid:  # the form did not finish (a turn lost to a failed action): it asks on
            return [SlotSet("contact", None), FollowupAction("manage_booking_form")]
        if tracker.get_slot("manage_choice") == "cancel":
            with self.app.unit_of_work(for_write=True) as session:
                booking = cancel_booking(session, reference, contact)
                queued = queue_cancellation(session, self.app.mail_context(), booking) if booking else []
            send_soon(self.app, queued)
            if booking:
                self.say(dispatcher, "manage.cancelled", when=scheduling.describe_slot(clinic, booking.start))
            else:
                self.say(dispatcher, "manage.not_found")
            return [SlotSet("preferred_time", None)]
        start = scheduling.parse_slot_payload(tracker.get_slot("preferred_time") or "")
        try:
            with self.app.unit_of_work(for_write=True) as session:
                booking = reschedule_booking(session, clinic, reference, contact, start)
                queued = queue_reschedule(session, self.app.mail_context(), booking) if booking else []
        except SlotTaken:
            offer_alternatives(self.app, dispatcher, self.app.wording.text("manage.just_taken"), start)
            return [SlotSet("preferred_time", None)]
        send_soon(self.app, queued)
        if booking:
            self.say(dispatcher, "manage.moved", when=scheduling.describe_slot(clinic, booking.start),
                     reference=booking.reference)
            return [SlotSet("booking_reference_issued", booking.reference), SlotSet("preferred_time", None)]
        self.say(dispatcher, "manage.not_found")
        return [SlotSet("preferred_time", None)]
