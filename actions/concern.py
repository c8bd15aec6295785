"""The visitor's concern: identified from any message, explained, kept on the intake (with any
other concern named), and the free consultation offered."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesApp, buttons, latest_entities, latest_intent, latest_text, say
from bot.composition import App
from bot.domain.answers import QUESTION_INTENTS, answer_questions, explain_concern
from bot.domain.concerns import read_concern
from bot.services.intake import note_concerns


def concern_buttons(concerns, keys) -> List[Dict[Text, Text]]:
    return buttons([
        (concerns[key].display_name, "/choose_concern" + json.dumps({"concern": key}))
        for key in keys
    ])


def record_concerns(app: App, tracker: Tracker, found: List[Text], chosen: Optional[Text] = None) -> List[Dict]:
    """Note the concerns a message named on the intake (bot.services.intake.note_concerns) and
    return the slot events: `concern` when this message decides it, `concerns` once there are two."""
    if not found and chosen is None:
        return []
    concern = app.transaction(lambda session: note_concerns(session, tracker.sender_id, found, chosen=chosen))
    known = list(dict.fromkeys([*([tracker.get_slot("concern")] if tracker.get_slot("concern") else []), *found]))
    events = [SlotSet("concerns", known)] if len(known) > 1 else []
    if concern and concern != tracker.get_slot("concern"):
        events.insert(0, SlotSet("concern", concern))
    return events


def note_named_concern(app: App, tracker: Tracker) -> List[Dict]:
    """The concerns the latest message names, noted whatever its intent: "can I book for my sweaty
    underarms?" sets the concern as a story would (a second one is only noted)."""
    return record_concerns(app, tracker, list(read_concern(latest_entities(tracker), None).concerns))


def asked_questions(tracker: Tracker) -> List[Text]:
    """The question intents the message also asks ("... how much is it?"), from QuestionSpotter."""
    return [entity["value"] for entity in latest_entities(tracker)
            if entity.get("entity") == "question" and entity.get("value") in QUESTION_INTENTS]


def identify(app: App, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """What brings the visitor in: one concern is explained; several, or none, are asked about.
    A question the message also asks is answered first, for that concern. A concern chosen on a
    button is the visitor's choice; one typed while another is already set replaces it outside a
    form (the first is kept on the intake) and is only noted inside one."""
    confidence = (tracker.latest_message.get("intent") or {}).get("confidence") or 0.0
    intent = latest_intent(tracker)
    reading = read_concern(latest_entities(tracker), intent, confidence)
    questions = asked_questions(tracker)
    if reading.single is None:
        if questions:  # "sweaty hands and migraines, how much is it?": in general first
            dispatcher.utter_message(text=answer_questions(app.profile, app.wording, questions, None,
                                                           latest_text(tracker)))
        keys = reading.concerns or list(app.profile.concerns)
        say(app, dispatcher, "concern.which_of_several" if reading.concerns else "concern.which_one",
            buttons=concern_buttons(app.profile.concerns, keys))
        # The first one named stands until the visitor picks: staff never see a blank concern.
        first = reading.concerns[0] if reading.concerns and not tracker.get_slot("concern") else None
        return record_concerns(app, tracker, list(reading.concerns), chosen=first)
    key = reading.single
    current = tracker.get_slot("concern")
    if current and current != key and tracker.active_loop_name is not None and intent != "choose_concern":
        say(app, dispatcher, "concern.noted_also", name=app.profile.concerns[key].display_name.lower())
        return record_concerns(app, tracker, [key])
    events = record_concerns(app, tracker, [key], chosen=key)
    if questions:
        dispatcher.utter_message(text=answer_questions(app.profile, app.wording, questions, key, latest_text(tracker)))
    dispatcher.utter_message(text=explain_concern(app.profile, app.wording, key))
    if tracker.active_loop_name is None:
        say(app, dispatcher, "concern.next_step")
    return events


class ActionIdentifyConcern(UsesApp, Action):
    def name(self) -> Text:
        return "action_identify_concern"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        return identify(self.app, dispatcher, tracker)
