"""Alerts on the wire: an entry the wording catalog lists under `alerts` is sent by say() with the
custom payload {"alert": true}; Rasa's REST channel returns it as an item of its own after the text,
the gateway marks that text `"alert": true` (chat and history), and nothing else changes.

Rasa's own pieces are used for the path between the action server and the gateway: how Rasa turns
an action's responses into bot events (RemoteAction._utter_responses) and the REST channel's
collector (CollectingOutputChannel), so that a Rasa upgrade that changes either shows here."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say
from actions.safety import ActionHandleRedFlag
from bot.adapters.rasa_api import history_from_events, normalise_replies
from bot.domain.wording import Wording
from tests.integration.test_actions import ADVERSE_TEXT, EMERGENCY_TEXT, make_tracker, run

CATALOG = {
    "alerts": ["urgent.reminder"],
    "urgent": {"reminder": {"text": "Still an emergency: call {emergency_number}.\n\nDon't wait.",
                            "buttons": [{"title": "I'm safe", "payload": "/affirm"}]}},
    "plain": "Two paragraphs.\n\nThe second one.",
}


def fake_app(catalog=CATALOG):
    """say() reads only the App's wording."""
    return SimpleNamespace(wording=Wording.parse(catalog, {"emergency_number": "911"}))


def said(app, key, **kwargs):
    dispatcher = CollectingDispatcher()
    say(app, dispatcher, key, **kwargs)
    return dispatcher.messages


async def through_rasa(messages):
    """An action's messages as Rasa handles them: (REST channel replies, tracker events)."""
    events = await RemoteAction._utter_responses([dict(m) for m in messages], CollectingOutputChannel(), None, None)
    channel = CollectingOutputChannel()
    for event in events:
        await channel.send_response("conv-1", event.message())
    return channel.messages, [event.as_dict() for event in events]


def test_say_attaches_the_alert_payload_to_an_alert_entry():
    [message] = said(fake_app(), "urgent.reminder", buttons=[{"title": "Call me", "payload": "/human_handoff"}])
    assert message["custom"] == {"alert": True}
    # One message: the REST channel would split a text at a blank line, so an alert has none.
    assert message["text"] == "Still an emergency: call 911.\nDon't wait."
    assert message["buttons"] == [{"title": "I'm safe", "payload": "/affirm"},
                                  {"title": "Call me", "payload": "/human_handoff"}]


def test_say_sends_other_entries_as_before():
    [message] = said(fake_app(), "plain")
    assert message["custom"] == {}  # rasa-sdk's default: no custom payload
    assert message["text"] == "Two paragraphs.\n\nThe second one."


async def test_an_alert_reaches_the_widget_marked():
    app = fake_app()
    replies, events = await through_rasa([*said(app, "plain"), *said(app, "urgent.reminder")])
    assert [sorted(reply) for reply in replies] == [
        ["recipient_id", "text"], ["recipient_id", "text"],  # the plain entry, split by the channel
        ["buttons", "recipient_id", "text"], ["custom", "recipient_id"],  # the alert, then its payload
    ]
    assert normalise_replies(replies) == [
        {"text": "Two paragraphs.", "buttons": []},
        {"text": "The second one.", "buttons": []},
        {"text": "Still an emergency: call 911.\nDon't wait.", "buttons": [{"title": "I'm safe", "payload": "/affirm"}],
         "alert": True},
    ]
    history = history_from_events(events)
    assert [turn.get("alert", False) for turn in history] == [False, True]
    assert history[1]["text"] == "Still an emergency: call 911.\nDon't wait."


async def test_the_emergency_is_sent_as_an_alert(app, db, profile):
    _, messages = await run(ActionHandleRedFlag(app), make_tracker(text=EMERGENCY_TEXT, intent="report_emergency"))
    [message] = messages
    assert message["custom"] == {"alert": True}
    replies, _ = await through_rasa(messages)
    [item] = normalise_replies(replies)
    assert item["alert"] is True and profile.emergency_number in item["text"] and profile.phone in item["text"]


async def test_an_adverse_effect_is_not_an_alert(app, db):
    _, messages = await run(ActionHandleRedFlag(app), make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect"))
    assert [message["custom"] for message in messages] == [{}]
    replies, _ = await through_rasa(messages)
    assert all("alert" not in item for item in normalise_replies(replies))


@pytest.mark.parametrize("replies, marked", [
    ([{"custom": {"alert": True}}], []),  # nothing to mark
    ([{"text": "a"}, {"image": "x.png"}, {"custom": {"alert": True}}], [False]),  # not right after a text
    ([{"text": "a"}, {"custom": {"alert": "yes"}}], [False]),  # only true marks
    ([{"text": "a"}, {"custom": {"other": 1}}, {"text": "b"}], [False, False]),
    ([{"text": "a", "custom": {"alert": True}}], [True]),  # text and payload in one item
    ([{"text": "a"}, {"custom": {"alert": True}}, {"custom": {"alert": True}}], [True]),
])
def test_only_the_text_just_before_the_payload_is_marked(replies, marked):
    assert [item.get("alert", False) for item in normalise_replies(replies)] == marked
