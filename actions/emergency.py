"""The emergency state: after the emergency instruction, every message gets it again until the
visitor says they are safe or getting help. Their words and a callback number go on the episode's
one alert; booking is not offered until they confirm."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesApp, latest_text, send_soon
from bot.adapters.rasa_events import since_visitor_spoke
from bot.domain.safety.episode import says_safe
from bot.domain.statuses import ALERT_PRIORITY, AlertKind
from bot.domain.validators import phone_in_text
from bot.services.intake import add_to_emergency
from bot.services.outbox import queue_alert

PHONE_SLOT = "emergency_callback_phone"


def _this_turn(tracker: Tracker, kind: Text, name: Text) -> bool:
    """Whether an event of `kind` ("slot", "action") named `name` came after the visitor's latest message."""
    return any(e.get("event") == kind and e.get("name") == name for e in since_visitor_spoke(tracker.events))


class ValidateEmergencyForm(UsesApp, FormValidationAction):
    def name(self) -> Text:
        return "validate_emergency_form"

    def validate_emergency_over(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        if value is None:  # cleared when the episode began
            return {"emergency_over": None}
        text = latest_text(tracker)
        phone: Optional[str] = None if tracker.get_slot(PHONE_SLOT) else phone_in_text(text)
        with self.app.unit_of_work(for_write=True) as session:
            recorded = add_to_emergency(session, tracker.sender_id, text, phone)
            queued = queue_alert(session, self.app.mail_context(), {
                "intake_id": recorded.intake_id, "kind": AlertKind.EMERGENCY,
                "priority": ALERT_PRIORITY[AlertKind.EMERGENCY], "name": tracker.get_slot("full_name"),
                "words": f"{text}\n(callback number: {phone})"}) if phone else []
        send_soon(self.app, queued)
        if says_safe(text):
            return {"emergency_over": True}
        return {"emergency_over": None, **({PHONE_SLOT: phone} if phone else {})}


class ActionAskEmergencyOver(UsesApp, Action):
    """The instruction again, first; on the turn the emergency was reported it was just said."""

    def name(self) -> Text:
        return "action_ask_emergency_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        if _this_turn(tracker, "action", "action_handle_red_flag"):
            return []
        if _this_turn(tracker, "slot", PHONE_SLOT):
            self.say(dispatcher, "safety.emergency_phone_noted", callback_phone=tracker.get_slot(PHONE_SLOT))
        else:
            self.say(dispatcher, "safety.emergency_reminder")
        return []


class ActionEmergencyOver(UsesApp, Action):
    def name(self) -> Text:
        return "action_emergency_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        self.say(dispatcher, "safety.emergency_over")
        return [SlotSet(PHONE_SLOT, None)]
