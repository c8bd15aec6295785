"""The questions the forms ask, one `action_ask_<slot>` each.

They are actions rather than `utter_ask_<slot>` responses because Rasa 3.6's
`rasa data validate --fail-on-warnings` counts form prompts as unused responses.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import buttons

PROMPTS = {
    "full_name": ("What name should I put this under?", None),
    "contact": ("What phone number or e-mail address can the clinic reach you on?", None),
    "callback_phone": ("Which phone number should we call?", None),
    "callback_time": ('When is the best time to call you (for example "weekday mornings" or '
                      '"after 3 pm")?', None),
    "booking_reference": ("What is your booking reference? It is the six-character code in your "
                          "confirmation.", None),
    "manage_choice": ("Would you like to cancel or reschedule this consultation?",
                      [("Reschedule", '/inform{"manage_choice": "reschedule"}'),
                       ("Cancel it", '/inform{"manage_choice": "cancel"}')]),
}


class _AskAction(Action):
    """Asks PROMPTS[slot]; rasa-sdk registers only the concrete subclasses below (name() set)."""

    slot: Text = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        text, options = PROMPTS[self.slot]
        dispatcher.utter_message(text=text, buttons=buttons(options) if options else [])
        return []


class AskFullName(_AskAction):
    slot = "full_name"


class AskContact(_AskAction):
    slot = "contact"


class AskCallbackPhone(_AskAction):
    slot = "callback_phone"


class AskCallbackTime(_AskAction):
    slot = "callback_time"


class AskBookingReference(_AskAction):
    slot = "booking_reference"


class AskManageChoice(_AskAction):
    slot = "manage_choice"
