"""Answer a visitor's question from the clinic profile, at any point in the conversation; a question
that names a concern is answered for it and notes it on the intake."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesApp, latest_entities, latest_intent, latest_text
from actions.concern import asked_questions, note_named_concern
from bot.adapters.rasa_events import offered_within
from bot.domain.answers import QUESTION_INTENTS, answer_questions, explain_concern
from bot.domain.concerns import read_concern

OFFER_EVERY_TURNS = 3  # the booking offer at most once in this many visitor turns
EXPLAINED_BY_ANSWER = {"ask_how_it_works", "ask_label_status"}  # answers that already explain the concern


class ActionAnswerQuestion(UsesApp, Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        if intent not in QUESTION_INTENTS:
            self.say(dispatcher, "answers.no_answer")
            return []
        named = list(read_concern(latest_entities(tracker), None).concerns)
        mentioned = named[0] if len(named) == 1 else None
        concern = mentioned or tracker.get_slot("concern")
        answer = answer_questions(self.app.profile, self.app.wording, [intent, *asked_questions(tracker)], concern,
                                  latest_text(tracker))
        if mentioned and mentioned != tracker.get_slot("concern") and intent not in EXPLAINED_BY_ANSWER:
            # A concern told for the first time with a question ("my jaw is killing me ... is it
            # expensive?"): the question first, then what treatment does for it.
            answer = "\n".join([answer, explain_concern(self.app.profile, self.app.wording, mentioned)])
        booked = tracker.get_slot("booking_reference_issued")
        if booked:  # after booking: how to change it, not another booking offer
            answer = "\n".join([answer, self.app.wording.text("answers.after_booking", reference=booked)])
        if (tracker.active_loop_name is None and not booked
                and not offered_within(tracker.events, "/request_booking", OFFER_EVERY_TURNS)):
            self.say(dispatcher, "answers.offer_booking", answer=answer)
        else:
            dispatcher.utter_message(text=answer)
        return note_named_concern(self.app, tracker)  # "how long does it last for sweaty hands?"
