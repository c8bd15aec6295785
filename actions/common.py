"""What every action needs: settings, the clinic profile, the database engine, and small tracker
readers. Loaded once per action-server process."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from bot.clinic import ClinicProfile, cached_profile
from bot.db import engine_for
from bot.settings import Settings, load_settings
from bot.validators import Invalid


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
    """Mail staff without holding up the visitor's reply; bot.notify never raises and logs failures."""
    asyncio.get_running_loop().run_in_executor(None, send, settings(), profile(), info)


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
