"""What every action shares: the App it works with, small tracker readers and the form helpers.

Actions get their App in the constructor: rasa-sdk instantiates them with none, so they take the
process's App (bot.composition.process_app); tests hand them one built on a test database.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.adapters.rasa_events import alert_payload
from bot.composition import App, deliver_outbox, process_app
from bot.domain.validators import Invalid


class UsesApp:
    """Mixed into every action (`class ActionX(UsesApp, Action)`). Not itself an Action, so
    rasa-sdk, which registers every Action subclass it can import, does not register it."""

    def __init__(self, app: Optional[App] = None) -> None:
        super().__init__()
        self.app = app or process_app()

    def say(self, dispatcher: CollectingDispatcher, key: Text, *, buttons: Optional[List[Dict[Text, Text]]] = None,
            **values: Any) -> None:
        """Send the wording-catalog entry `key` (its text and buttons), then any extra `buttons`."""
        say(self.app, dispatcher, key, buttons=buttons, **values)

    def cleaned(self, slot: Text, clean: Callable[[Text], Any], value: Any,
                dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """A form validator's answer: the cleaned value, or None plus the validator's message."""
        try:
            return {slot: clean(str(value))}
        except Invalid as problem:
            dispatcher.utter_message(text=problem.render(self.app.wording))
            return {slot: None}


def say(app: App, dispatcher: CollectingDispatcher, key: Text, *,
        buttons: Optional[List[Dict[Text, Text]]] = None, **values: Any) -> None:
    """Send the entry `key`. An entry the catalog lists as an alert carries the alert payload as
    its custom json (bot.adapters.rasa_events): Rasa's REST channel sends that as an item of its
    own right after the text, and the gateway marks the text with it (docs/chat-api.md)."""
    wording = app.wording
    text = wording.text(key, **values)
    alert = wording.alert(key)
    if alert:  # the REST channel splits a text at blank lines; an alert stays one message
        text = re.sub(r"\n\s*\n", "\n", text)
    dispatcher.utter_message(text=text, buttons=[*wording.buttons(key, **values), *(buttons or [])],
                             json_message=alert_payload() if alert else None)


def latest_intent(tracker: Tracker) -> Optional[Text]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> Text:
    return tracker.latest_message.get("text") or ""


def latest_entities(tracker: Tracker) -> List[Dict[Text, Any]]:
    return tracker.latest_message.get("entities") or []


def send_soon(app: App, outbox_ids: Sequence[int]) -> None:
    """Try the mail just queued (and committed) in the outbox now, without holding up the visitor's
    reply; whatever fails stays in the outbox for the sender's next pass."""
    if outbox_ids:
        asyncio.get_running_loop().run_in_executor(None, deliver_outbox, app, list(outbox_ids))


def buttons(options: List[tuple]) -> List[Dict[Text, Text]]:
    """[(title, payload), ...] -> rasa button dicts."""
    return [{"title": title, "payload": payload} for title, payload in options]
