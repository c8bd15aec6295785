"""Talk to a person: during office hours a live chat with staff (bot.services.live), otherwise a
callback request (name, phone, best time) stored for staff.

The decision is taken when the callback form starts: its validation action queues the live chat
and ends the form at once (the form's slots are not asked), and the save action then files
nothing, since the conversation is in the Live queue."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesApp, send_soon
from actions.interruptions import visitor_answer
from bot.domain.statuses import CallbackReason
from bot.domain.validators import clean_best_time, clean_name, clean_phone, phone_in_text
from bot.services.intake import save_callback
from bot.services.live import LiveDecision, open_chat, request_person
from bot.services.outbox import queue_callback


class ValidateCallbackForm(UsesApp, FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        """At the form's start (no slot requested yet), a person now if one can be had."""
        if tracker.get_slot("requested_slot") is None and not tracker.get_slot("safety_flag"):
            app = self.app
            with app.unit_of_work(for_write=True) as session:
                decision = request_person(session, tracker.sender_id, app.profile,
                                          enabled=app.settings.live_chat, now=app.now())
            if decision is LiveDecision.QUEUED:
                self.say(dispatcher, "live.queued")
                return [SlotSet("requested_slot", None)]  # the form ends without asking anything
            if decision is LiveDecision.CLOSED:
                self.say(dispatcher, "live.closed")
        return await super().run(dispatcher, tracker, domain)

    @visitor_answer
    def validate_full_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        return self.cleaned("full_name", clean_name, value, dispatcher)

    @visitor_answer
    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return self.cleaned("callback_phone", lambda text: phone_in_text(text) or clean_phone(text), value, dispatcher)

    @visitor_answer
    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return self.cleaned("callback_time", clean_best_time, value, dispatcher)


class ActionSaveCallback(UsesApp, Action):
    def name(self) -> Text:
        return "action_save_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        with self.app.unit_of_work() as session:
            if open_chat(session, tracker.sender_id) is not None:
                return []  # the form ended for a live chat: staff take it from here
        reason = (CallbackReason.ADVERSE_EFFECT_SAME_DAY if tracker.get_slot("safety_flag")
                  else CallbackReason.TALK_TO_PERSON)
        with self.app.unit_of_work(for_write=True) as session:
            intake_id = save_callback(session, tracker.sender_id, tracker.get_slot("full_name"),
                                      tracker.get_slot("callback_phone"), tracker.get_slot("callback_time"), reason)
            queued = queue_callback(session, self.app.mail_context(), {
                "intake_id": intake_id, "name": tracker.get_slot("full_name"),
                "phone": tracker.get_slot("callback_phone"), "best_time": tracker.get_slot("callback_time"),
                "reason": reason, "concern": tracker.get_slot("concern")})
        send_soon(self.app, queued)
        self.say(dispatcher, "callback.saved", callback_phone=tracker.get_slot("callback_phone"),
                 callback_time=tracker.get_slot("callback_time"))
        return []
