"""Consent, then the medical-history screening of clinical-safety.md, one question at a time.

The questionnaire is data (the `screening:` section of the clinic profile): the form has a single
slot, `screening_complete`, that stays empty until every question for the visitor's concern has a
valid answer; `action_ask_screening_complete` asks the next unanswered one.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesApp, buttons, latest_intent
from actions.interruptions import visitor_answer
from bot.composition import App
from bot.domain import screening
from bot.domain.statuses import Consent
from bot.services.intake import record_consent, save_screening_answer, set_consultation_only

INTENT_AS_ANSWER = {"affirm": "yes", "deny": "no"}


def next_question(app: App, tracker: Tracker, answers: Optional[Dict[Text, Any]] = None
                  ) -> Optional[screening.Question]:
    """The first question without a stored answer (one being asked again, or waiting for its
    detail, has none yet)."""
    answered = tracker.get_slot("screening_answers") or {} if answers is None else answers
    for question in screening.questions_for(app.profile, tracker.get_slot("concern")):
        if "value" not in (answered.get(question.key) or {}):
            return question
    return None


class ActionRecordConsent(UsesApp, Action):
    def name(self) -> Text:
        return "action_record_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        given = latest_intent(tracker) in ("give_consent", "affirm")
        with self.app.unit_of_work(for_write=True) as session:
            record_consent(session, tracker.sender_id, given)
        if given:
            self.say(dispatcher, "consent.given")
            return [SlotSet("consent", Consent.GIVEN.value)]
        self.say(dispatcher, "consent.declined")
        return [SlotSet("consent", Consent.DECLINED.value), SlotSet("screening_answers", None)]


def visitor_messages(tracker: Tracker) -> List[Text]:
    """What the visitor typed in this conversation (button payloads left out)."""
    return [event.get("text") or "" for event in tracker.events
            if event.get("event") == "user" and not (event.get("text") or "").startswith("/")]


class ActionAskScreeningComplete(UsesApp, Action):
    """Asks the next question, with progress; a question the visitor already answered in an earlier
    message (bot.domain.screening.memory) is confirmed in one line and stored instead."""

    def name(self) -> Text:
        return "action_ask_screening_complete"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        answers = dict(tracker.get_slot("screening_answers") or {})
        events: List[Dict[Text, Any]] = []
        while True:
            question = next_question(self.app, tracker, answers)
            if question is None:
                return events
            entry = answers.get(question.key) or {}
            told = None if entry else screening.remembered(question, visitor_messages(tracker))
            if told is None:
                break
            flags = screening.flags_for(question, told)
            with self.app.unit_of_work(for_write=True) as session:
                save_screening_answer(session, tracker.sender_id, question.key, question.text, told.value, flags)
            answers[question.key] = {"value": told.value, "flags": flags}
            self.say(dispatcher, "screening.remembered", words=told.detail)
            events = [SlotSet("screening_answers", answers)]
        wording = self.app.wording
        if entry.get("pending_detail"):
            dispatcher.utter_message(text=question.detail_prompt or wording.text("screening.more_detail"))
            return [*events, SlotSet("screening_question", question.key)]
        questions = screening.questions_for(self.app.profile, tracker.get_slot("concern"))
        text = " ".join([question.text, wording.text("screening.progress", number=questions.index(question) + 1,
                                                     total=len(questions))])
        if entry.get("asked_again"):
            text = wording.text("screening.ask_again", question=text)
        if question.type in ("yes_no", "yes_no_detail"):
            dispatcher.utter_message(text=text, buttons=buttons([
                (wording.title("buttons.answer_yes"), "/affirm"), (wording.title("buttons.answer_no"), "/deny")]))
        elif question.type == "choice":
            dispatcher.utter_message(text=text, buttons=buttons([
                (question.choice_labels.get(choice, choice), choice) for choice in question.choices]))
        else:
            dispatcher.utter_message(text=text)
        return [*events, SlotSet("screening_question", question.key)]


class ValidateScreeningForm(UsesApp, FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"

    @visitor_answer
    def validate_screening_complete(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        question = next_question(self.app, tracker)
        answers = dict(tracker.get_slot("screening_answers") or {})
        if question is None:
            return {"screening_complete": True}
        text = INTENT_AS_ANSWER.get(latest_intent(tracker), str(value))
        entry = answers.get(question.key) or {}
        if entry.get("pending_detail"):
            parsed = screening.with_detail(question, text)
        else:
            parsed = screening.parse_answer(question, text)
        if isinstance(parsed, screening.AnswerError):
            if not entry.get("asked_again") or entry.get("pending_detail"):
                dispatcher.utter_message(text=parsed.render(self.app.wording))
                answers[question.key] = {**entry, "asked_again": True}
                return {"screening_complete": None, "screening_answers": answers}
            parsed = screening.unclear_answer(question, text)  # asked once again: kept in their words
            self.say(dispatcher, "screening.noted_unclear")
        if parsed.needs_detail:
            answers[question.key] = {"pending_detail": True}
            return {"screening_complete": None, "screening_answers": answers}
        flags = screening.flags_for(question, parsed)
        with self.app.unit_of_work(for_write=True) as session:
            save_screening_answer(session, tracker.sender_id, question.key, question.text, parsed.value, flags)
        answers[question.key] = {"value": parsed.value, "flags": flags}
        if next_question(self.app, tracker, answers) is not None:
            return {"screening_complete": None, "screening_answers": answers}
        return {"screening_complete": True, "screening_answers": answers}


class ActionFinishScreening(UsesApp, Action):
    def name(self) -> Text:
        return "action_finish_screening"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        answers = tracker.get_slot("screening_answers") or {}
        stop = screening.stop_flagged([entry.get("flags", []) for entry in answers.values()])
        with self.app.unit_of_work(for_write=True) as session:
            set_consultation_only(session, tracker.sender_id, stop)
        self.say(dispatcher, "screening.consultation_only" if stop else "screening.done")
        return [SlotSet("consultation_only", stop)]
