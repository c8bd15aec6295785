"""Red flags (emergency / adverse effect) and misunderstandings."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesApp, latest_entities, latest_intent, latest_text, send_soon
from actions.concern import asked_questions, concern_buttons, identify, note_named_concern
from bot.adapters.mail import notify_alert
from bot.domain import scheduling
from bot.domain.concerns import read_concern
from bot.domain.formatting import slot_in_words
from bot.domain.interruptions import looks_like_question
from bot.domain.safety import detect_red_flag
from bot.domain.statuses import ALERT_PRIORITY, AlertKind
from bot.services.intake import record_alert
from bot.services.outbox import queue_alert

logger = logging.getLogger(__name__)
RED_FLAG_INTENTS = {"report_emergency": AlertKind.EMERGENCY, "report_adverse_effect": AlertKind.ADVERSE_EFFECT}
MISUNDERSTOOD_INTENTS = {"nlu_fallback", "out_of_scope"}


def red_flag_kind(tracker: Tracker) -> Optional[Text]:
    """Emergency beats adverse effect, whichever layer (detector entity, lexicon, intent) saw it."""
    kinds = {e.get("value") for e in latest_entities(tracker) if e.get("entity") == "safety_flag"}
    flag = detect_red_flag(latest_text(tracker))
    if flag:
        kinds.add(flag.kind)
    kinds.add(RED_FLAG_INTENTS.get(latest_intent(tracker)))
    for kind in (AlertKind.EMERGENCY, AlertKind.ADVERSE_EFFECT):  # an emergency wins
        if kind in kinds:
            return kind
    return None


def asks_something(tracker: Tracker) -> bool:
    """Whether the latest message asks a question: it reads as one, or QuestionSpotter found one in it."""
    return looks_like_question(latest_text(tracker)) or bool(asked_questions(tracker))


class ActionHandleRedFlag(UsesApp, Action):
    """The emergency instruction (the emergency form then keeps the conversation in that state), or
    for an adverse effect a callback offer: today while the clinic is open, else at its next opening.
    A red flag adds to the episode's open alert; staff are mailed when an alert is raised."""

    def name(self) -> Text:
        return "action_handle_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        kind = AlertKind(red_flag_kind(tracker) or AlertKind.ADVERSE_EFFECT)
        if kind == AlertKind.EMERGENCY:
            self.say(dispatcher, "safety.emergency")
        else:
            if asks_something(tracker):  # "is that normal??": said plainly, not left unanswered
                self.say(dispatcher, "safety.adverse_effect_asked")
            self.offer_callback(dispatcher)
        mail = {"kind": kind, "priority": ALERT_PRIORITY[kind], "name": tracker.get_slot("full_name"),
                "words": latest_text(tracker)}
        queued: List[int] = []
        try:
            with self.app.unit_of_work(for_write=True) as session:
                recorded = record_alert(session, tracker.sender_id, kind, latest_text(tracker))
                if recorded.new:
                    queued = queue_alert(session, self.app.mail_context(), {**mail, "intake_id": recorded.intake_id})
        except Exception:  # the visitor's safety message must go out even if the store is down
            logger.exception("could not store the %s alert for %s", kind, tracker.sender_id)
            recorded = None
        if recorded is None:  # no outbox without the store: mail the clinic directly
            asyncio.get_running_loop().run_in_executor(None, notify_alert, self.app.settings, self.app.profile,
                                                       {**mail, "intake_id": None})
        send_soon(self.app, queued)
        events = note_named_concern(self.app, tracker)
        episode = [SlotSet("emergency_over", None)] if kind == AlertKind.EMERGENCY else []
        return [SlotSet("safety_flag", kind.value), *episode, *events]

    def offer_callback(self, dispatcher: CollectingDispatcher) -> None:
        profile, now = self.app.profile, self.app.now()
        if scheduling.is_open(profile, now):
            self.say(dispatcher, "safety.adverse_effect")
            return
        opening = scheduling.next_opening(profile, now)
        when = slot_in_words(opening) if opening else profile.hours_text()
        self.say(dispatcher, "safety.adverse_effect_closed", next_opening=when)


def consecutive_misunderstandings(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") in MISUNDERSTOOD_INTENTS:
            count += 1
        else:
            break
    return count


class ActionHandleMisunderstanding(UsesApp, Action):
    """An honest "I can't help with that" with a way forward; the second in a row offers a call."""

    def name(self) -> Text:
        return "action_handle_misunderstanding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        if read_concern(latest_entities(tracker), None).concerns:  # a story the classifier missed
            return identify(self.app, dispatcher, tracker)
        if consecutive_misunderstandings(tracker) >= 2:
            self.say(dispatcher, "misunderstood.again")
            return []
        out_of_scope = latest_intent(tracker) == "out_of_scope"
        concerns = concern_buttons(self.app.profile.concerns, list(self.app.profile.concerns))
        self.say(dispatcher, "misunderstood.out_of_scope" if out_of_scope else "misunderstood.not_understood",
                 buttons=[*concerns, *self.app.wording.buttons("misunderstood.ways_forward")])
        return []
