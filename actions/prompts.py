"""The questions the forms ask (`action_ask_<slot>`) and the assistant's fixed replies (greeting,
disclosure, consent...), each one entry of the wording catalog.

They are actions rather than domain responses so that every sentence lives in the catalog
(clinic/messages.<language>.yml), and because Rasa 3.6's `rasa data validate --fail-on-warnings`
counts form prompts as unused responses.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesApp
from actions.concern import note_named_concern


class Reply(UsesApp):
    """Says the catalog entry `key` as the action `action_<name>`. Not itself an Action, so
    rasa-sdk registers only the concrete classes below."""

    action: Text = ""
    key: Text = ""
    # A reply to a visitor's own message (not a form's question): the concern it names is noted,
    # whatever the intent ("I'd like to book a consult for underarm sweating").
    notes_concern: bool = False

    def name(self) -> Text:
        return self.action

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        self.say(dispatcher, self.key)
        return note_named_concern(self.app, tracker) if self.notes_concern else []


class AskFullName(Reply, Action):
    action, key = "action_ask_full_name", "ask.full_name"


class AskContact(Reply, Action):
    action, key = "action_ask_contact", "ask.contact"


class AskCallbackPhone(Reply, Action):
    action, key = "action_ask_callback_phone", "ask.callback_phone"


class AskCallbackTime(Reply, Action):
    action, key = "action_ask_callback_time", "ask.callback_time"


class AskBookingReference(Reply, Action):
    action, key = "action_ask_booking_reference", "ask.booking_reference"


class AskManageChoice(Reply, Action):
    action, key = "action_ask_manage_choice", "ask.manage_choice"


class Greet(Reply, Action):
    action, key = "action_greet", "greet"
    notes_concern = True


class SayGoodbye(Reply, Action):
    action, key = "action_goodbye", "goodbye"


class SayWelcome(Reply, Action):
    action, key = "action_welcome", "welcome"


class AnythingElse(Reply, Action):
    action, key = "action_anything_else", "anything_else"


class FormStopped(Reply, Action):
    action, key = "action_form_stopped", "form_stopped"


class DiscloseBot(Reply, Action):
    action, key = "action_bot_disclosure", "bot_disclosure"
    notes_concern = True


class AskConsent(Reply, Action):
    action, key = "action_ask_consent", "consent.ask"
    notes_concern = True


class ConsentNeededToBook(Reply, Action):
    action, key = "action_booking_needs_consent", "consent.needed_to_book"
    notes_concern = True
