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


def answer_text(tracker: Tracker, value: Any) -> Text:
    """The answer to read: a Yes/No button's payload as yes/no; typed words as they are ("not
    sure" is unsure, whatever intent the classifier guessed)."""
    typed = str(value)
    if typed.startswith("/"):
        return INTENT_AS_ANSWER.get(latest_intent(tracker), typed)
    return typed


def screening_questions(app: App, tracker: Tracker) -> List[screening.Question]:
    return screening.questions_for(app.profile, tracker.get_slot("concern"))


def next_step(app: App, tracker: Tracker, answers: Optional[Dict[Text, Any]] = None) -> Optional[screening.Step]:
    """What to ask next (bot.domain.screening.plan): a group, or one question without a stored
    answer (one being asked again, or waiting for its detail, has none yet)."""
    answers = tracker.get_slot("screening_answers") or {} if answers is None else answers
    return screening.next_step(screening_questions(app, tracker), app.profile.screening.groups, answers)


def visitor_messages(tracker: Tracker) -> List[Text]:
    """What the visitor typed in this conversation (button payloads left out)."""
    return [event.get("text") or "" for event in tracker.events
            if event.get("event") == "user" and not (event.get("text") or "").startswith("/")]


def store_answer(app: App, tracker: Tracker, answers: Dict[Text, Any], question: screening.Question,
                 parsed: screening.ParsedAnswer) -> None:
    flags = screening.flags_for(question, parsed)
    app.transaction(lambda session: save_screening_answer(session, tracker.sender_id, question.key, question.text,
                                                          parsed.value, flags))
    answers[question.key] = {"value": parsed.value, "flags": flags}


class ActionRecordConsent(UsesApp, Action):
    def name(self) -> Text:
        return "action_record_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        given = latest_intent(tracker) in ("give_consent", "affirm")
        self.app.transaction(lambda session: record_consent(session, tracker.sender_id, given))
        if given:
            self.say(dispatcher, "consent.given")
            return [SlotSet("consent", Consent.GIVEN.value)]
        self.say(dispatcher, "consent.declined")
        return [SlotSet("consent", Consent.DECLINED.value), SlotSet("screening_answers", None)]


class ActionAskScreeningComplete(UsesApp, Action):
    """Asks the next group or question, with progress. Questions the visitor already answered in an
    earlier message (bot.domain.screening.memory) are first confirmed in one line each and stored."""

    def name(self) -> Text:
        return "action_ask_screening_complete"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        answers = dict(tracker.get_slot("screening_answers") or {})
        events: List[Dict[Text, Any]] = []
        told_before = visitor_messages(tracker)
        for question in screening_questions(self.app, tracker):
            told = None if answers.get(question.key) else screening.remembered(question, told_before)
            if told is not None:
                store_answer(self.app, tracker, answers, question, told)
                self.say(dispatcher, "screening.remembered", words=told.detail)
                events = [SlotSet("screening_answers", answers)]
        step = next_step(self.app, tracker, answers)
        if step is None:
            return events
        wording = self.app.wording
        progress = wording.text("screening.progress", number=step.number, total=step.total)
        yes_no = buttons([(wording.title("buttons.answer_yes"), "/affirm"),
                          (wording.title("buttons.answer_no"), "/deny")])
        if step.is_group:
            listed = "\n".join(wording.text("screening.group_item", item=question.short)
                                for question in step.questions)
            self.say(dispatcher, "screening.group", intro=step.item.text, items=listed, progress=progress)
            return [*events, SlotSet("screening_question", step.item.key)]
        question = step.item
        entry = answers.get(question.key) or {}
        if entry.get("pending_detail"):
            dispatcher.utter_message(text=question.detail_prompt or wording.text("screening.more_detail"))
            return [*events, SlotSet("screening_question", question.key)]
        text = f"{question.text} {progress}"
        if entry.get("asked_again"):
            text = wording.text("screening.ask_again", question=text)
        if question.type in ("yes_no", "yes_no_detail"):
            dispatcher.utter_message(text=text, buttons=yes_no)
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
        step = next_step(self.app, tracker)
        answers = dict(tracker.get_slot("screening_answers") or {})
        if step is None:
            return {"screening_complete": True}
        text = answer_text(tracker, value)
        if step.is_group:
            self.answer_group(tracker, step, text, answers)
        else:
            self.answer_question(dispatcher, tracker, step.item, text, answers)
        done = next_step(self.app, tracker, answers) is None
        return {"screening_complete": True if done else None, "screening_answers": answers}

    def reads_as_answer(self, tracker: Tracker, value: Any) -> bool:
        """A choice or number question's words ("my palms and my feet", "about 16") are its answer."""
        step = next_step(self.app, tracker)
        if step is None or step.is_group or step.item.type not in (screening.CHOICE, screening.NUMBER):
            return False
        return isinstance(screening.parse_answer(step.item, answer_text(tracker, value)), screening.ParsedAnswer)

    def answer_group(self, tracker: Tracker, step: screening.Step, text: Text, answers: Dict[Text, Any]) -> None:
        """A plain no ("none of these") answers each of the group's questions no; anything else
        (a yes, a story, a question) has them asked one by one. A no that names a member ("no im
        not pregnant, no infection") is still a plain no; one that names a yes ("no, but I'm
        breastfeeding") is not. A no to a question still to come ("no im not pregnant or
        breastfeeding" at the health conditions) answers that one (the next ask confirms it from
        memory), not these: the group is asked again."""
        parsed = screening.parse_answer(step.questions[0], text)
        told = [screening.remembered(q, [text]) for q in step.questions]
        plain_no = (isinstance(parsed, screening.ParsedAnswer) and parsed.answer == screening.NO
                    and not parsed.detail and all(answer is None or answer.answer == screening.NO for answer in told))
        if plain_no and any(screening.remembered(q, [text]) for q in screening_questions(self.app, tracker)
                            if q not in step.questions and q.key not in answers):
            return
        if not plain_no:
            answers[screening.GROUP_ENTRY + step.item.key] = {"expanded": True}
            return
        for question in step.questions:
            store_answer(self.app, tracker, answers, question, screening.ParsedAnswer(question.key, screening.NO))

    def answer_question(self, dispatcher: CollectingDispatcher, tracker: Tracker, question: screening.Question,
                        text: Text, answers: Dict[Text, Any]) -> None:
        entry = answers.get(question.key) or {}
        if entry.get("pending_detail"):
            parsed = screening.with_detail(question, text)
        else:
            parsed = screening.parse_answer(question, text)
        if isinstance(parsed, screening.AnswerError):
            if not entry.get("asked_again") or entry.get("pending_detail"):
                dispatcher.utter_message(text=parsed.render(self.app.wording))
                answers[question.key] = {**entry, "asked_again": True}
                return
            parsed = screening.unclear_answer(question, text)  # asked once again: kept in their words
            self.say(dispatcher, "screening.noted_unclear")
        if parsed.needs_detail:
            answers[question.key] = {"pending_detail": True}
            return
        store_answer(self.app, tracker, answers, question, parsed)


class ActionFinishScreening(UsesApp, Action):
    def name(self) -> Text:
        return "action_finish_screening"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        answers = tracker.get_slot("screening_answers") or {}
        stop = screening.stop_flagged([entry.get("flags", []) for entry in answers.values()])
        self.app.transaction(lambda session: set_consultation_only(session, tracker.sender_id, stop))
        self.say(dispatcher, "screening.consultation_only" if stop else "screening.done")
        return [SlotSet("consultation_only", stop)]
