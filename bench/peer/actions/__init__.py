"""The peer's no-op action server (rasa-sdk): the form's validation accepts every value as Rasa
extracted it, and the booking action only answers, so the bench times Rasa and the action round
trips, not a database."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ValidateBookingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"


class ActionBookConsultation(Action):
    def name(self) -> Text:
        return "action_book_consultation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=f"You're booked, {tracker.get_slot('full_name')}. Your reference is PEER01.")
        return [SlotSet("booking_reference", "PEER01")]
