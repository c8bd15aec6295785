"""A question or a concern typed into a form: answered, and the form asks its question again."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entities, latest_text, say
from actions.concern import asked_questions, identify
from bot.composition import App
from bot.domain.answers import answer_questions
from bot.domain.concerns import read_concern
from bot.domain.interruptions import interruption_kind


def visitor_answer(validate: Callable) -> Callable:
    """Wraps a form's validate_<slot> method. A slot an action just cleared (None) is not an answer
    and is left alone; a question or a concern typed instead of an answer is dealt with here and
    the slot stays empty, so the form asks its question again (it resumes where it was). A form
    may say that a message plainly answers its question (`reads_as_answer(tracker, value)`):
    then it is never an interruption."""
    slot = validate.__name__[len("validate_"):]

    @functools.wraps(validate)
    async def wrapper(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain) -> Dict[Text, Any]:
        if value is None:
            return {slot: None}
        reads_as_answer = getattr(self, "reads_as_answer", None)
        if reads_as_answer is not None and reads_as_answer(tracker, value):
            handled = None  # "my palms and my feet" answers "where do you sweat?", whatever it names
        else:
            handled = handle_interruption(self.app, dispatcher, tracker)
        if handled is not None:
            return {slot: None, **handled}
        result = validate(self, value, dispatcher, tracker, domain)
        return await result if inspect.isawaitable(result) else result

    return wrapper


def handle_interruption(app: App, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """Answer an interrupting question or concern; the slot events to add, or None for an answer."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    confidence = (message.get("intent") or {}).get("confidence") or 0.0
    mentioned = read_concern(latest_entities(tracker), None)
    kind = interruption_kind(latest_text(tracker), intent, confidence, mentioned.single is not None)
    if kind == "question":
        concern = mentioned.single or tracker.get_slot("concern")
        dispatcher.utter_message(text=answer_questions(app.profile, app.wording, [intent, *asked_questions(tracker)],
                                                       concern, latest_text(tracker)))
        return {}
    if kind == "bot":
        say(app, dispatcher, "bot_disclosure")
        return {}
    if kind == "concern" and mentioned.single != tracker.get_slot("concern"):
        # the concern already known ("underarms" to "where do you sweat?") is an answer, not news
        return {event["name"]: event["value"] for event in identify(app, dispatcher, tracker)}
    return None
