"""Identify the visitor's concern, explain it and offer the free consultation."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesApp, buttons, latest_entities, latest_intent
from bot.domain.answers import explain_concern
from bot.domain.concerns import read_concern
from bot.services.intake import set_concern


def concern_buttons(concerns, keys) -> List[Dict[Text, Text]]:
    return buttons([
        (concerns[key].display_name, "/choose_concern" + json.dumps({"concern": key}))
        for key in keys
    ])


class ActionIdentifyConcern(UsesApp, Action):
    def name(self) -> Text:
        return "action_identify_concern"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence") or 0.0
        reading = read_concern(latest_entities(tracker), latest_intent(tracker), confidence)
        if reading.single is None:
            keys = reading.concerns or list(self.app.profile.concerns)
            self.say(dispatcher, "concern.which_of_several" if reading.concerns else "concern.which_one",
                     buttons=concern_buttons(self.app.profile.concerns, keys))
            return []
        key = reading.single
        with self.app.unit_of_work(for_write=True) as session:
            set_concern(session, tracker.sender_id, key)
        dispatcher.utter_message(text=explain_concern(self.app.profile, self.app.wording, key))
        if tracker.active_loop_name is None:
            self.say(dispatcher, "concern.next_step")
        return [SlotSet("concern", key)]
