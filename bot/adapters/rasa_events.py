"""Rasa tracker events read as a conversation: one reading, used by the visitor's chat history
(through Rasa's HTTP API), the staff transcript (from the tracker store's table) and the actions.

A visitor turn that is a button's payload ("/intent{...}") is shown as the title of the button the
assistant offered since the visitor's previous turn: what the visitor saw and chose.

An assistant message that is one of the wording catalog's alerts carries `{"alert": true}` as its
custom payload (rasa-sdk's json_message, set by actions.common.say); its turn gets `"alert": True`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

ALERT_FIELD = "alert"
# A booking made in the turn: a custom payload of its own, never shown, that the gateway counts per
# client address (CHAT_BOOKINGS_PER_IP); the gateway's message metadata says when the address has
# booked enough, and the booking action then books nothing (docs/chat-api.md).
BOOKED_FIELD = "booked"
BOOKINGS_BLOCKED_FIELD = "bookings_blocked"
# Rasa's core fallback action (config.yml's RulePolicy), run when no rule or story fits a message.
CORE_FALLBACK_ACTION = "action_default_fallback"
LISTEN_ACTION = "action_listen"


def alert_payload() -> Dict[str, Any]:
    """The custom payload that marks a bot message as an alert."""
    return {ALERT_FIELD: True}


def is_alert(custom: Any) -> bool:
    """Whether a reply's or event's custom payload marks it as an alert."""
    return isinstance(custom, dict) and custom.get(ALERT_FIELD) is True


def booked_payload() -> Dict[str, Any]:
    """The custom payload that tells the gateway a booking was made."""
    return {BOOKED_FIELD: True}


def is_booked(custom: Any) -> bool:
    return isinstance(custom, dict) and custom.get(BOOKED_FIELD) is True


def bookings_blocked_metadata() -> Dict[str, Any]:
    """The message metadata by which the gateway tells the actions to book nothing."""
    return {BOOKINGS_BLOCKED_FIELD: True}


def bookings_blocked(latest_message: Any) -> bool:
    """Whether the visitor's latest message came with the gateway's bookings_blocked metadata
    (only the gateway can set it: the REST channel requires RASA_TOKEN)."""
    metadata = latest_message.get("metadata") if isinstance(latest_message, dict) else None
    return isinstance(metadata, dict) and metadata.get(BOOKINGS_BLOCKED_FIELD) is True


def _buttons(raw: Any) -> List[Dict[str, str]]:
    buttons = []
    for button in raw if isinstance(raw, list) else []:
        if not isinstance(button, dict):
            continue
        payload = button.get("payload")
        title = button.get("title")
        if not isinstance(payload, str) or not payload.strip():
            continue
        if not isinstance(title, str) or not title.strip():
            title = payload
        buttons.append({"title": title, "payload": payload})
    return buttons


def reply_buttons(raw: Any) -> List[Dict[str, str]]:
    """The well-formed buttons of a reply or event (title defaults to the payload)."""
    return _buttons(raw)


def event_buttons(event: Dict[str, Any]) -> List[Dict[str, str]]:
    """The buttons a `bot` event offered."""
    data = event.get("data")
    return _buttons(data.get("buttons")) if isinstance(data, dict) else []


def event_custom(event: Dict[str, Any]) -> Any:
    """The custom payload of a `bot` event (None when it has none)."""
    data = event.get("data")
    return data.get("custom") if isinstance(data, dict) else None


def offered_buttons(events: Iterable[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The buttons the assistant offered since the visitor's last message."""
    offered: List[Dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            offered = []
        elif kind == "bot":
            offered = offered + event_buttons(event)
    return offered


def since_visitor_spoke(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events after the visitor's latest message (this turn's actions and slots)."""
    turn: List[Dict[str, Any]] = []
    for event in reversed(list(events)):
        if event.get("event") == "user":
            break
        turn.append(event)
    return turn[::-1]


def not_acted_on(events: Iterable[Dict[str, Any]]) -> bool:
    """Whether Rasa chose to say nothing to the visitor's latest message: its core fallback ran
    (config.yml's RulePolicy: no rule or story fits; silent, since the domain has no `utter_default`)
    or the policies went straight back to listening. A turn lost to a failing action shows that action."""
    actions = {event.get("name") for event in since_visitor_spoke(events) if event.get("event") == "action"}
    return actions <= {CORE_FALLBACK_ACTION, LISTEN_ACTION}


def offered_within(events: Iterable[Dict[str, Any]], payload: str, visitor_turns: int) -> bool:
    """Whether a button with `payload` was offered in the last `visitor_turns` turns."""
    turns = 0
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            turns += 1
            if turns >= visitor_turns:
                return False
        elif kind == "bot" and any(button["payload"] == payload for button in event_buttons(event)):
            return True
    return False


def event_time(timestamp: Any) -> Optional[datetime]:
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def conversation_turns(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """What was said, oldest first: [{"role": "visitor"|"assistant", "text", "buttons", "time"}]
    (time an aware UTC datetime or None), plus `"alert": True` on an alert. Buttons sent without
    text join the assistant's previous message; everything but `user` and `bot` events (actions,
    slots, images...) is left out."""
    turns: List[Dict[str, Any]] = []
    offered: List[Dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            text = next((b["title"] for b in offered if b["payload"] == text), text)
            turns.append({"role": "visitor", "text": text, "buttons": [], "time": event_time(event.get("timestamp"))})
            offered = []
        elif kind == "bot":
            buttons = event_buttons(event)
            offered = offered + buttons
            text = event.get("text")
            if isinstance(text, str) and text.strip():
                turns.append({"role": "assistant", "text": text, "buttons": buttons,
                              "time": event_time(event.get("timestamp"))})
                if is_alert(event_custom(event)):
                    turns[-1]["alert"] = True
            elif buttons:
                if turns and turns[-1]["role"] == "assistant":
                    turns[-1]["buttons"] = turns[-1]["buttons"] + buttons
                else:
                    turns.append({"role": "assistant", "text": "", "buttons": buttons,
                                  "time": event_time(event.get("timestamp"))})
    return turns
