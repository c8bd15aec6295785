"""What every action needs: settings, the clinic profile, the database engine, and small tracker
readers. Loaded once per action-server process."""
from __future__ import annotations

import asyncio
import functools
import inspect
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from bot.adapters.db import engine_for
from bot.domain.answers import answer_question, explain_concern
from bot.domain.concerns import read_concern
from bot.domain.interruptions import interruption_kind
from bot.domain.profile import ClinicProfile, cached_profile
from bot.domain.validators import Invalid
from bot.services.intake import set_concern
from bot.settings import Settings, load_settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def profile() -> ClinicProfile:
    return cached_profile(str(settings().clinic_profile))


def engine() -> Engine:
    return engine_for(settings().database_url)


def now() -> datetime:
    return datetime.now(timezone.utc)


def latest_intent(tracker: Tracker) -> Optional[Text]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> Text:
    return tracker.latest_message.get("text") or ""


def latest_entities(tracker: Tracker) -> List[Dict[Text, Any]]:
    return tracker.latest_message.get("entities") or []


def notify_in_background(send: Callable[..., bool], info: Dict[Text, Any]) -> None:
    """Mail staff without holding up the visitor's reply; bot.adapters.mail never raises and logs failures."""
    asyncio.get_running_loop().run_in_executor(None, send, settings(), profile(), info)


def visitor_answer(validate: Callable) -> Callable:
    """Wraps a form's validate_<slot> method. A slot an action just cleared (None) is not an answer
    and is left alone; a question or a concern typed instead of an answer is dealt with here and
    the slot stays empty, so the form asks its question again (it resumes where it was)."""
    slot = validate.__name__[len("validate_"):]

    @functools.wraps(validate)
    async def wrapper(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain) -> Dict[Text, Any]:
        if value is None:
            return {slot: None}
        handled = handle_interruption(dispatcher, tracker)
        if handled is not None:
            return {slot: None, **handled}
        result = validate(self, value, dispatcher, tracker, domain)
        return await result if inspect.isawaitable(result) else result

    return wrapper


def handle_interruption(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """Answer an interrupting question or concern; the slot events to add, or None for an answer."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    confidence = (message.get("intent") or {}).get("confidence") or 0.0
    mentioned = read_concern(latest_entities(tracker), None)
    kind = interruption_kind(latest_text(tracker), intent, confidence, mentioned.single is not None)
    if kind == "question":
        concern = mentioned.single or tracker.get_slot("concern")
        dispatcher.utter_message(text=answer_question(profile(), intent, concern))
        return {}
    if kind == "bot":
        dispatcher.utter_message(response="utter_iamabot")
        return {}
    if kind == "concern":
        set_concern(engine(), tracker.sender_id, mentioned.single)
        dispatcher.utter_message(text=explain_concern(profile(), mentioned.single))
        return {"concern": mentioned.single}
    return None


def cleaned(slot: Text, clean: Callable[[Text], Any], value: Any,
            dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """A form validator's answer: the cleaned value, or None plus the validator's message."""
    try:
        return {slot: clean(str(value))}
    except Invalid as problem:
        dispatcher.utter_message(text=str(problem))
        return {slot: None}


def buttons(options: List[tuple]) -> List[Dict[Text, Text]]:
    """[(title, payload), ...] -> rasa button dicts."""
    return [{"title": title, "payload": payload} for title, payload in options]
