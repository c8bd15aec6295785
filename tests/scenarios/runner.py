"""The scenario runner: scripted visitors (tests/scenarios/*.yml) against the running assistant.

A scenario file holds `scenarios:`, a list of

    name: issue10-e-tomorrow-after-4        # unique in the suite
    covers: "#10 case e: ..."                # the issue case or behaviour it covers
    channel: rest | gateway                  # optional; rest (Rasa's REST channel) by default;
                                             # gateway = the widget's /api/session, /api/chat, /api/history
    turns: [step, ...]
    final: {intake: ..., not_asked: [...], never_says: [...], reach: any | emergency}

A step is one of
    say: TEXT                  the visitor types TEXT; `{reference}` in it is the latest booking
                               reference the assistant gave in this scenario, `{booked}` that
                               booking's time in words ("Tuesday, December 8 at 10:00 am")
    click: TITLE               the visitor clicks the button of the latest reply titled TITLE
                               (case-insensitive; exact title first, else the only title containing it)
    choose: first_slot | last_slot | first_button    a time button (/choose_slot...) or any button
    answer_screening: {default: "no", answers: {question_key: reply | [reply, detail...]},
                       max_turns: 20, never_asks: [key], repeats: 0, until: key}
                               answers whatever screening question the assistant asks, recognised by
                               the question's text (or detail prompt) from clinic/profile.yml, until
                               the booking form (or anything that is not a screening question) comes:
                               a scripted reply for the question's key first, else `default` for a
                               yes/no question, the first choice for a choice question; a number
                               question or a detail prompt with no scripted reply fails. It fails as
                               soon as a `never_asks` question is asked, when a question is asked
                               again more than `repeats` times after an answer, or after `max_turns`
                               answers; `until` stops it, unanswered, at the first question that
                               comes after that one in the profile's order. A group's list ("Do
                               any of these apply to you?") gets "none of these" when no listed
                               question has a scripted reply other than "no", else "yes", and
                               its questions are then answered one by one
    reload: true               (gateway only) the widget reloads: /api/history must give back the whole
                               conversation so far; the chat goes on with the same session
    new_conversation: true     the visitor comes back later in a new chat (a new sender id); the
                               intake expectations from then on are about the new conversation's
                               intake, `final: {earlier_intake: ...}` about the first one's
and may carry `expect:`, checked on that turn's reply:
    contains / not_contains / contains_any: [words]   case-insensitive, whitespace-insensitive
    first_contains: [words]            the first message of the reply contains them (what comes first)
    matches: [regex]                   case-insensitive
    says / not_says / says_any: [catalog key]   the wording catalog's sentence (clinic/messages.en.yml);
                                       with placeholders only the fixed parts of it are compared
    buttons / no_buttons: [title]      button titles offered (case-insensitive)
    payloads / no_payloads: [prefix]   button payloads offered, e.g. /request_booking, /choose_slot
    not_fallback: true                 none of the "didn't understand" / "no answer" sentences
    asks / not_asks: [question key]    a screening question (its text or detail prompt) is / isn't asked
    max_sentences: N                   the reply's texts have at most N sentences
    mentions_booking: true             the reply names the booked appointment (its reference or time)
    slots: {slot: value}               from Rasa's tracker
    times: {when}                      the time buttons offered (or a booking made) fit `when`; when no
                                       free slot fits it at all (the profile's hours, the store's bookings,
                                       now), the reply must say so (a "nothing"/"no free"/"closed" word),
                                       must not say "the free times for that day", and must offer others
    intake: {intake expectations}      the stored intake right after this turn (see below)
Unknown keys, catalog entries, questions or concerns fail when the files load (validate()).

`when` (times, intake.booking): day: today | tomorrow, weekday: friday, after: "16:00" (start at or
after), before: "12:00" (start before), part: morning (before 12:00) | afternoon (12:00-17:00),
within_days: N (at most N days from today); all in the clinic's zone.

Intake expectations, read through the intake JSON (bot.services.readout.intake_json, the data of
`python -m bot intake --conversation SENDER --json`) from the stack's database:
    exists: true | false               (otherwise no intake stored reads as an empty intake)
    concern | other_concerns: [keys] | consent: given | declined | not_given
    concerns: [keys]                   the concern and the other concerns together, in any order
    consultation_only | safety_flag | status
    screening: {key: yes | no | unclear | NUMBER | [choices] | {answer, detail: [words], flagged: bool}}
        (`unclear` matches a stored "unclear" or "unsure": neither yes nor no, for the clinician)
    screening_complete: true           every question for the intake's concern has an answer
    no_screening: true                 no screening answer stored
    contact: {name, phone, email}      each found among the intake's contacts (phones by their digits)
    booking: false | true | {when}     the booked appointment
    appointments: N                    appointments of any status
    alerts: N | {count, kind, open, phone, message: [words]}   (phone: its digits in an alert's fields)
    callbacks: N | {count, phone, reason}

`final` adds conversation checks: `not_asked` (those questions never appeared in any reply),
`never_says` (catalog keys never said) and `earlier_intake` (the first conversation's intake, after
`new_conversation`).

Invariants (issue #10 point 5), checked in every scenario after every turn, the probe included:
  1. every visitor message gets at least one reply (a message with text or buttons);
  2. no bot message text is sent three times in a row (across turns), and no turn's whole reply is
     the same as the two before it; the emergency instruction (safety.emergency) is exempt, since
     #10 point 3 wants it repeated for every message until the visitor is safe;
  3. the stored intake matches what was said: a booking reference the assistant gives is a booked
     appointment of this intake; no screening answer is stored without consent; a stored yes/no
     answer is yes, no, unsure or unclear; the emergency or adverse-effect reply comes with an alert
     of that kind, and no alert is stored in a turn that said neither; a "passed your request"
     reply comes with a callback; "thank you" for consent / "no problem" for declined consent match
     the intake's consent; plus the scenario's own `intake` expectations;
  4. reachability, after the scripted turns and the final expectations: the runner sends
     PROBE ("can I book a consultation?") and the reply must not be a misunderstanding and must
     offer a way on: a booking, callback or consent button, a time button, a form's or a screening
     question, or the booking already made (its reference or time). With `final: {reach:
     emergency}` (an emergency not yet over) it must instead repeat the emergency number and offer
     no booking. The probe is one real message in the real conversation, so it costs one turn.
"""
from __future__ import annotations

import json
import re
import string
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx
import yaml

from bot.adapters.db import make_engine, session_scope
from bot.domain import scheduling, screening
from bot.domain.profile import ClinicProfile
from bot.domain.wording import Wording
from bot.services.intake import taken_starts
from bot.services.readout import intake_id_for_conversation, intake_json
from bot.web.sessions import SessionTokens
from tests.support import fixed_cipher

SCENARIO_DIR = Path(__file__).parent
PROBE = "can I book a consultation?"
FALLBACK_KEYS = ("misunderstood.not_understood", "misunderstood.again", "misunderstood.out_of_scope",
                 "answers.no_answer")
FORM_PROMPT_KEYS = ("consent.ask", "consent.needed_to_book", "ask.full_name", "ask.contact", "ask.preferred_time",
                    "ask.callback_phone", "ask.callback_time", "ask.booking_reference", "ask.manage_choice")
WAY_ON_PAYLOADS = ("/request_booking", "/human_handoff", "/give_consent", "/choose_slot")
BOOKING_PAYLOADS = ("/request_booking", "/give_consent", "/choose_slot")
# Said again on purpose until the visitor is safe (issue #10 point 3): exempt from invariant 2.
EMERGENCY_REPEATED = ("safety.emergency", "safety.emergency_reminder")
SCREENING_END_KEYS = ("screening.done", "screening.consultation_only", "ask.full_name", "ask.contact",
                      "ask.preferred_time")
NONE_FREE_WORDS = ("nothing", "no free", "none", "not free", "fully booked", "closed", "no times", "isn't free",
                   "aren't any", "no slots", "not available", "no openings", "taken", "already booked")
YES_NO_VALUES = {"yes", "no", "unsure", "unclear"}
NO_INTAKE: Dict[str, Any] = {
    "concern": None, "other_concerns": [], "consultation_only": False, "safety_flag": None, "status": None,
    "consent": {"state": "not_given", "at": None}, "screening": [], "contacts": [], "appointments": [],
    "alerts": [], "callbacks": [],
}
REFERENCE = re.compile(r"\b[Rr]eference is (?=[A-Z]{0,5}\d)([A-Z0-9]{6})\b")  # every reference has a digit
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS = {"morning": (time(0, 0), time(12, 0)), "afternoon": (time(12, 0), time(17, 0))}


class ScenarioFailure(AssertionError):
    pass


def norm(text: str) -> str:
    return " ".join(str(text).split()).lower()


def digits(text: Any) -> str:
    return re.sub(r"\D", "", str(text or ""))


def yes_no(value: Any) -> Any:
    """YAML reads a bare yes / no as a boolean; scenarios mean the answer."""
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value


# --- loading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    covers: str
    turns: List[Dict[str, Any]]
    final: Dict[str, Any]
    channel: str = "rest"
    known_gap: Optional[str] = None  # what the assistant does not do yet: the test is a strict xfail

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


STEP_KINDS = {"say", "click", "choose", "answer_screening", "reload", "new_conversation"}
STEP_KEYS = STEP_KINDS | {"expect"}
EXPECT_KEYS = {"contains", "not_contains", "contains_any", "first_contains", "matches", "says", "not_says",
               "says_any", "buttons", "no_buttons", "payloads", "no_payloads", "not_fallback", "asks", "not_asks",
               "slots", "times", "intake", "max_sentences", "mentions_booking"}
DRIVER_KEYS = {"default", "answers", "max_turns", "never_asks", "repeats", "until"}
INTAKE_KEYS = {"exists", "concern", "other_concerns", "concerns", "consent", "consultation_only", "safety_flag",
               "status", "screening", "screening_complete", "no_screening", "contact", "booking", "appointments",
               "alerts", "callbacks"}
FINAL_KEYS = {"intake", "earlier_intake", "not_asked", "never_says", "reach"}
WHEN_KEYS = {"day", "weekday", "after", "before", "part", "within_days"}
CHOICES = {"first_slot", "last_slot", "first_button"}


def load_scenarios(directory: Path = SCENARIO_DIR) -> List[Scenario]:
    found, names = [], set()
    for path in sorted(directory.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
            unknown = set(raw) - {"name", "covers", "turns", "final", "channel", "known_gap"}
            if unknown or not raw.get("name") or not raw.get("covers") or not raw.get("turns"):
                raise ValueError(f"{path.name}: scenario {raw.get('name')!r} needs name, covers and turns"
                                 f"{f'; unknown {sorted(unknown)}' if unknown else ''}")
            if raw["name"] in names:
                raise ValueError(f"{path.name}: scenario name {raw['name']!r} is used twice")
            names.add(raw["name"])
            found.append(Scenario(path.stem, raw["name"], raw["covers"], raw["turns"], raw.get("final") or {},
                                  raw.get("channel", "rest"), raw.get("known_gap")))
    return found


def validate(scenarios: List[Scenario], profile: ClinicProfile, wording: Wording) -> None:
    """Every key a scenario uses is one the runner knows, and every catalog key, screening question,
    concern and slot choice it names exists, so that a typo fails loudly instead of checking nothing."""
    questions = {q.key for q in [*profile.screening.general, *(q for qs in profile.screening.concerns.values()
                                                                  for q in qs)]}

    def problem(scenario: Scenario, where: str, text: str) -> ValueError:
        return ValueError(f"{scenario.file}.yml: {scenario.name}: {where}: {text}")

    def keys(scenario, where, given, allowed):
        if not isinstance(given, dict) or set(given) - allowed:
            extra = sorted(set(given) - allowed) if isinstance(given, dict) else given
            raise problem(scenario, where, f"unknown {extra}; expected some of {sorted(allowed)}")

    def catalog(scenario, where, names):
        for key in names or []:
            if key not in wording.entries:
                raise problem(scenario, where, f"no catalog entry {key!r}")

    def asked(scenario, where, names):
        for key in names or []:
            if key not in questions:
                raise problem(scenario, where, f"no screening question {key!r}")

    def intake(scenario, where, spec):
        keys(scenario, where, spec, INTAKE_KEYS)
        asked(scenario, where, list(spec.get("screening") or {}))
        for concern in [spec.get("concern"), *(spec.get("other_concerns") or []), *(spec.get("concerns") or [])]:
            if concern is not None and concern not in profile.concerns:
                raise problem(scenario, where, f"no concern {concern!r}")
        if isinstance(spec.get("booking"), dict):
            keys(scenario, f"{where}.booking", spec["booking"], WHEN_KEYS)
        if isinstance(spec.get("contact"), dict):
            keys(scenario, f"{where}.contact", spec["contact"], {"name", "phone", "email"})
        if isinstance(spec.get("alerts"), dict):
            keys(scenario, f"{where}.alerts", spec["alerts"], {"count", "kind", "open", "phone", "message"})
        if isinstance(spec.get("callbacks"), dict):
            keys(scenario, f"{where}.callbacks", spec["callbacks"], {"count", "phone", "reason"})

    for scenario in scenarios:
        if scenario.channel not in ("rest", "gateway"):
            raise problem(scenario, "channel", f"{scenario.channel!r} is neither rest nor gateway")
        for index, step in enumerate(scenario.turns, 1):
            where = f"turn {index}"
            keys(scenario, where, step, STEP_KEYS)
            if len(set(step) & STEP_KINDS) != 1:
                raise problem(scenario, where, f"needs exactly one of {sorted(STEP_KINDS)}")
            if "choose" in step and step["choose"] not in CHOICES:
                raise problem(scenario, where, f"choose one of {sorted(CHOICES)}")
            if "reload" in step and scenario.channel != "gateway":
                raise problem(scenario, where, "reload needs channel: gateway")
            if "answer_screening" in step:
                spec = step["answer_screening"] or {}
                keys(scenario, where, spec, DRIVER_KEYS)
                asked(scenario, where, [*(spec.get("answers") or {}), *(spec.get("never_asks") or []),
                                        *([spec["until"]] if spec.get("until") else [])])
            expect = step.get("expect") or {}
            keys(scenario, f"{where}.expect", expect, EXPECT_KEYS)
            catalog(scenario, f"{where}.expect", [*(expect.get("says") or []), *(expect.get("not_says") or []),
                                                  *(expect.get("says_any") or [])])
            asked(scenario, f"{where}.expect", [*(expect.get("asks") or []), *(expect.get("not_asks") or [])])
            if expect.get("times"):
                keys(scenario, f"{where}.expect.times", expect["times"], WHEN_KEYS)
            if expect.get("intake"):
                intake(scenario, f"{where}.expect.intake", expect["intake"])
        final = scenario.final
        keys(scenario, "final", final, FINAL_KEYS)
        for name in ("intake", "earlier_intake"):
            if final.get(name):
                intake(scenario, f"final.{name}", final[name])
        asked(scenario, "final.not_asked", final.get("not_asked"))
        catalog(scenario, "final.never_says", final.get("never_says"))
        if final.get("reach", "any") not in ("any", "emergency"):
            raise problem(scenario, "final.reach", "is any or emergency")


# --- talking to the assistant ----------------------------------------------------------------------


class RestChannel:
    """Rasa's REST channel, with a fresh sender id (the conversation id)."""

    def __init__(self, stack, scenario: Scenario):
        self.stack = stack
        self.conversation_id = f"scn-{scenario.name}-{uuid.uuid4().hex[:8]}"

    def send(self, text: str) -> List[Dict[str, Any]]:
        return [{"text": m.get("text") or "", "buttons": m.get("buttons") or []}
                for m in self.stack.rest(self.conversation_id, text)]

    def history(self) -> List[Dict[str, Any]]:
        raise ScenarioFailure("reload needs `channel: gateway`")

    def close(self) -> None:
        pass


class GatewayChannel:
    """What the widget does: a session token from /api/session, messages to /api/chat (a click sends
    the button's payload), the conversation again from /api/history after a reload."""

    def __init__(self, stack, scenario: Scenario):
        self.http = httpx.Client(base_url=stack.web_url, timeout=90)
        response = self.http.post("/api/session")
        response.raise_for_status()
        self.token = response.json()["session"]
        self.conversation_id = SessionTokens(stack.settings.secret_key).conversation_id(self.token.split(".")[0])

    def _headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def send(self, text: str) -> List[Dict[str, Any]]:
        response = self.http.post("/api/chat", headers=self._headers(), json={"message": text})
        if response.status_code != 200:
            raise ScenarioFailure(f"the gateway answered {response.status_code}: {response.text[:200]}")
        return [{"text": m.get("text") or "", "buttons": m.get("buttons") or []} for m in response.json()["messages"]]

    def history(self) -> List[Dict[str, Any]]:
        response = self.http.get("/api/history", headers=self._headers())
        if response.status_code != 200:
            raise ScenarioFailure(f"/api/history answered {response.status_code} after a reload")
        return response.json()["messages"]

    def close(self) -> None:
        self.http.close()


# --- one scenario ------------------------------------------------------------------------------------


@dataclass
class Exchange:
    sent: str
    shown: str  # what the visitor saw themselves send (a button's title)
    replies: List[Dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.replies if m["text"])

    @property
    def buttons(self) -> List[Dict[str, str]]:
        return [b for m in self.replies for b in m["buttons"]]


@dataclass
class Run:
    stack: Any
    scenario: Scenario
    profile: ClinicProfile
    wording: Wording
    channel: Any = None
    exchanges: List[Exchange] = field(default_factory=list)
    intake: Optional[Dict[str, Any]] = None
    step: str = ""
    earlier: List[Any] = field(default_factory=list)  # (channel, intake) of earlier conversations
    reference: Optional[str] = None  # the latest booking reference the assistant gave
    booked: Optional[str] = None  # its time in words

    def __post_init__(self):
        self.engine = make_engine(self.stack.database_url, fixed_cipher())
        self.questions = [*self.profile.screening.general, *(q for qs in self.profile.screening.concerns.values()
                                                              for q in qs)]

    # ---- reporting ----
    def fail(self, problem: str) -> None:
        said = " / ".join(m["text"] or f"[{len(m['buttons'])} buttons]" for m in self.exchanges[-1].replies) \
            if self.exchanges else ""
        lines = [f"{self.step}: {problem}", f"  the last reply: {' '.join(said.split())[:240] or '(nothing)'}",
                 f"  scenario {self.scenario.id} ({self.scenario.covers})",
                 f"  conversation {self.channel.conversation_id if self.channel else '-'}:"]
        for exchange in self.exchanges[-8:]:
            lines.append(f"    visitor: {exchange.shown}")
            for message in exchange.replies:
                lines.append("    bot:     " + message["text"].replace("\n", "\n             "))
                if message["buttons"]:
                    lines.append(f"             [{' | '.join(b.get('title', '') for b in message['buttons'])}]")
            if not exchange.replies:
                lines.append("    bot:     (nothing)")
        raise ScenarioFailure("\n".join(lines))

    def check(self, ok: bool, problem: Callable[[], str] | str) -> None:
        if not ok:
            self.fail(problem() if callable(problem) else problem)

    @property
    def last(self) -> Exchange:
        if not self.exchanges:
            self.fail("no reply yet to click or choose from")
        return self.exchanges[-1]

    # ---- catalog sentences ----
    def fragments(self, key: str) -> List[str]:
        """The catalog sentence's fixed parts (clinic facts filled in, other placeholders cut out)."""
        parts, current = [], ""
        for literal, name, _, _ in string.Formatter().parse(self.wording.entry(key).text):
            current += literal
            if name is None:
                continue
            if name in self.wording.facts:
                current += self.wording.facts[name]
            else:
                parts.append(current)
                current = ""
        parts.append(current)
        return [norm(p) for p in parts if len(p.strip()) >= 10] or [norm(self.wording.entry(key).text)]

    def says(self, text: str, key: str) -> bool:
        said = norm(text)
        return all(fragment in said for fragment in self.fragments(key))

    def asked(self, text: str, key: str) -> bool:
        """The question is asked: its text, its detail prompt, or its line in a group's list."""
        said = norm(text)
        listed = any(norm(g.text) in said for g in self.profile.screening.groups if key in g.questions)
        return any(norm(q.text) in said or (q.detail_prompt and norm(q.detail_prompt) in said)
                   or (listed and q.short and norm(q.short) in said)
                   for q in self.questions if q.key == key)

    # ---- the store ----
    def read_intake(self) -> Optional[Dict[str, Any]]:
        with session_scope(self.engine) as session:
            intake_id = intake_id_for_conversation(session, self.channel.conversation_id)
            return intake_json(session, intake_id, self.profile) if intake_id is not None else None

    def now(self) -> datetime:
        return datetime.now(self.profile.timezone)

    # ---- running ----
    def run(self) -> None:
        self.channel = self.open_channel()
        try:
            for index, step in enumerate(self.scenario.turns, 1):
                self.step = f"turn {index} ({_describe(step)})"
                self.do(step)
                if step.get("expect"):
                    self.expect(step["expect"])
            self.step = "final"
            final = self.scenario.final
            self.check_intake(final.get("intake") or {}, self.intake)
            if final.get("earlier_intake"):
                self.check(bool(self.earlier), "earlier_intake needs a new_conversation step")
                with session_scope(self.engine) as session:
                    first = self.earlier[0][0].conversation_id
                    intake_id = intake_id_for_conversation(session, first)
                    earlier = intake_json(session, intake_id, self.profile) if intake_id is not None else None
                self.step = "final (the first conversation)"
                self.check_intake(final["earlier_intake"], earlier)
                self.step = "final"
            everything = "\n".join(e.text for e in self.exchanges)
            for key in final.get("not_asked") or []:
                self.check(not self.asked(everything, key), f"the screening question {key!r} was asked, though the "
                                                            "visitor had already answered it")
            for key in final.get("never_says") or []:
                self.check(not any(self.says(e.text, key) for e in self.exchanges), f"said {key!r}")
            self.step = f"reachability probe ({PROBE!r})"
            self.send(PROBE)
            self.check_reach(final.get("reach", "any"))
        finally:
            for channel in [self.channel, *(c for c, _ in self.earlier)]:
                channel.close()
            self.engine.dispose()

    def do(self, step: Dict[str, Any]) -> None:
        if "say" in step:
            text = self.fill(str(step["say"]))
            self.step = self.step.replace(repr(step["say"]), repr(text))
            self.send(text)
        elif "click" in step:
            button = self.find_button(str(step["click"]))
            self.send(button["payload"], shown=button.get("title", ""))
        elif "choose" in step:
            self.choose(step["choose"])
        elif "answer_screening" in step:
            self.answer_screening(step["answer_screening"] or {})
        elif step.get("reload"):
            self.reload()
        elif step.get("new_conversation"):
            self.new_conversation()
        else:
            self.fail(f"unknown step {step!r}")

    def open_channel(self):
        kind = GatewayChannel if self.scenario.channel == "gateway" else RestChannel
        return kind(self.stack, self.scenario)

    def new_conversation(self) -> None:
        self.earlier.append((self.channel, self.intake))
        self.channel, self.intake, self.exchanges = self.open_channel(), None, []

    def fill(self, text: str) -> str:
        for name, value in (("reference", self.reference), ("booked", self.booked)):
            if "{" + name + "}" in text:
                self.check(value is not None, f"the step names {{{name}}}, but no booking was made yet")
                text = text.replace("{" + name + "}", value)
        return text

    def find_button(self, title: str) -> Dict[str, str]:
        offered = self.last.buttons
        exact = [b for b in offered if norm(b.get("title", "")) == norm(title)]
        partial = [b for b in offered if norm(title) in norm(b.get("title", ""))]
        chosen = exact[:1] or (partial if len(partial) == 1 else [])
        self.check(bool(chosen), lambda: f"no button {title!r} offered; offered: "
                                         f"{[b.get('title') for b in offered]}")
        return chosen[0]

    def choose(self, which: str) -> None:
        offered = self.last.buttons
        slots = [b for b in offered if b["payload"].startswith("/choose_slot")]
        pick = {"first_slot": slots[:1], "last_slot": slots[-1:], "first_button": offered[:1]}.get(which)
        self.check(pick is not None, f"unknown choice {which!r}")
        self.check(bool(pick), lambda: f"{which}: no such button offered; offered: {[b.get('title') for b in offered]}")
        self.send(pick[0]["payload"], shown=pick[0].get("title", ""))

    def reload(self) -> None:
        history = self.channel.history()
        visitor = [m["text"] for m in history if m["role"] == "visitor"]
        assistant = [norm(m["text"]) for m in history if m["role"] == "assistant" and m.get("text")]
        self.check(visitor == [e.shown for e in self.exchanges],
                   lambda: f"after a reload the history has the visitor's messages {visitor}")
        said = [norm(m["text"]) for e in self.exchanges for m in e.replies if m["text"]]
        self.check(assistant == said, lambda: f"after a reload the history has {len(assistant)} assistant "
                                              f"messages, the conversation had {len(said)}")

    def answer_screening(self, spec: Dict[str, Any]) -> None:
        default = str(yes_no(spec.get("default", "no")))
        queues = {key: [str(yes_no(v)) for v in (value if isinstance(value, list) else [value])]
                  for key, value in (spec.get("answers") or {}).items()}
        limit = int(spec.get("max_turns", 20))
        never, repeats = set(spec.get("never_asks") or []), int(spec.get("repeats", 0))
        asked_order = screening.plan.steps(self.questions, self.profile.screening.groups)
        order = [q.key for members in asked_order for q in members]  # the order they are asked in
        until = order.index(spec["until"]) if spec.get("until") else None
        times_asked: Dict[str, int] = {}
        base = self.step
        for turn in range(1, limit + 2):
            text = self.last.text
            if any(self.says(text, key) for key in SCREENING_END_KEYS) or any(
                    b["payload"].startswith("/choose_slot") for b in self.last.buttons):
                return
            said = norm(text)
            details = [q for q in self.questions if q.detail_prompt and norm(q.detail_prompt) in said]
            group = next((g for g in self.profile.screening.groups if norm(g.text) in said), None)
            listed = [q for q in self.questions if group and q.key in group.questions and q.short
                      and norm(q.short) in said]
            asked = details or listed or [q for q in self.questions if norm(q.text) in said]
            if not asked:
                return  # not a screening question: the next steps say what should have come
            if until is not None and all(order.index(q.key) > until for q in asked):
                return
            again = [q.key for q in asked if q.key in never]
            self.check(not again, f"asked {again[:1]} again, though the visitor had already told it")
            for key in {q.key for q in asked if q not in details}:
                times_asked[key] = times_asked.get(key, 0) + 1
                self.check(times_asked[key] <= 1 + repeats,
                           f"the screening question {key!r} was asked {times_asked[key]} times")
            self.check(turn <= limit, lambda: f"the screening was not over after {limit} answers")
            scripted = [q for q in asked if queues.get(q.key)]
            question = (scripted or asked)[0]
            if listed and not details:
                # A group: "none of these" when nothing listed is a yes, else "yes" and one by one.
                yes = [q.key for q in listed if (queues.get(q.key) or [default])[0] != "no"]
                reply = "yes" if yes else "none of these"
                for q in listed:
                    if not yes and queues.get(q.key):
                        queues[q.key].pop(0)
                    times_asked[q.key] = times_asked.get(q.key, 0) - (1 if yes else 0)  # asked again singly
                self.step = f"{base}, answer {turn} ({reply!r} to the group {group.key})"
                self.send(reply)
                continue
            if scripted:
                reply = queues[question.key].pop(0)
            elif details:
                self.fail(f"asked for the detail of {question.key!r} ({question.detail_prompt!r}), which the "
                          "visitor has no more words for")
            elif question.type == screening.CHOICE:
                reply = question.choice_labels.get(question.choices[0], question.choices[0])
            elif question.type == screening.NUMBER:
                self.fail(f"asked {question.key!r} ({question.text!r}) and the scenario has no answer for it")
            else:
                reply = default
            self.step = f"{base}, answer {turn} ({reply!r} to {question.key})"
            self.send(reply)

    def send(self, text: str, shown: Optional[str] = None) -> None:
        before = self.intake
        exchange = Exchange(text, shown if shown is not None else text, self.channel.send(text))
        self.exchanges.append(exchange)
        self.intake = self.read_intake()
        self.invariants(exchange, before, self.intake)
        given = REFERENCE.findall(exchange.text)
        if given:
            self.reference = given[-1].upper()
            booked = [a for a in [*(self.intake or {}).get("appointments", []), *self.earlier_appointments()]
                      if a["reference"] == self.reference]
            self.booked = scheduling.describe_slot(self.profile, datetime.fromisoformat(booked[0]["start"]))

    # ---- the invariants ----
    def invariants(self, exchange: Exchange, before, after) -> None:
        self.check(any(m["text"].strip() or m["buttons"] for m in exchange.replies),
                   "invariant 1: the visitor's message got no reply")
        emergency = {norm(self.wording.text(key)) for key in EMERGENCY_REPEATED}
        stream = [norm(m["text"]) for e in self.exchanges for m in e.replies if m["text"].strip()]
        tail = stream[-3:]
        self.check(not (len(tail) == 3 and len(set(tail)) == 1 and tail[0] not in emergency),
                   lambda: f"invariant 2: the same message three times in a row: {tail[0][:120]!r}")
        turns = [norm(e.text) for e in self.exchanges[-3:]]
        self.check(not (len(turns) == 3 and len(set(turns)) == 1 and turns[0] and turns[0] not in emergency),
                   lambda: f"invariant 2: the same reply to three messages in a row: {turns[0][:120]!r}")
        self.stored_matches_said(exchange, before, after)

    def stored_matches_said(self, exchange: Exchange, before, after) -> None:
        text = exchange.text
        problem = "invariant 3 (stored intake matches what was said): "
        for reference in REFERENCE.findall(text):
            # a booking changed in a later chat stays on the intake it was made with
            appointments = [*(after or {}).get("appointments", []), *self.earlier_appointments()]
            booked = [a for a in appointments if a["reference"] == reference.upper() and a["status"] == "booked"]
            self.check(bool(booked), problem + f"the reference {reference} given is no booked appointment")
        if after is None:
            self.check(not any(self.says(text, k) for k in ("safety.emergency", "callback.saved")),
                       problem + "an alert or callback was announced, but no intake is stored")
            return
        answers = after["screening"]
        self.check(not answers or after["consent"]["state"] == "given",
                   problem + f"{len(answers)} screening answer(s) stored without consent")
        for answer in answers:
            value = answer["answer"].get("answer") if isinstance(answer["answer"], dict) else None
            question = next((q for q in self.questions if q.key == answer["question_key"]), None)
            if question is not None and question.type in (screening.YES_NO, screening.YES_NO_DETAIL):
                self.check(value in YES_NO_VALUES, problem + f"{answer['question_key']} stored as {answer['answer']!r}")
        old = {(a["kind"], a["created_at"]) for a in (before or {}).get("alerts", [])}
        new_alerts = [a for a in after["alerts"] if (a["kind"], a["created_at"]) not in old]
        safety = (("emergency", "safety.emergency"), ("adverse_effect", "safety.adverse_effect"),
                  ("adverse_effect", "safety.adverse_effect_closed"))
        said_kinds = {kind for kind, key in safety if self.says(text, key)}
        kinds = {a["kind"] for a in after["alerts"]}
        self.check(said_kinds <= kinds, problem + f"the reply announced {sorted(said_kinds)} but the intake's "
                                                  f"alerts are {sorted(kinds)}")
        self.check(not new_alerts or said_kinds, lambda: problem + f"a new {new_alerts[0]['kind']} alert was stored, "
                                                               "but the reply said nothing about it")
        if self.says(text, "callback.saved"):
            self.check(len(after["callbacks"]) > len((before or {}).get("callbacks", [])),
                       problem + "a callback was confirmed but none was stored")
        if self.says(text, "consent.given"):
            self.check(after["consent"]["state"] == "given", problem + "consent thanked for but not stored")
        if self.says(text, "consent.declined"):
            self.check(after["consent"]["state"] == "declined" and not answers,
                       problem + "consent declined but the intake says otherwise")

    def earlier_appointments(self) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        with session_scope(self.engine) as session:
            for channel, _ in self.earlier:
                intake_id = intake_id_for_conversation(session, channel.conversation_id)
                earlier = intake_json(session, intake_id, self.profile) if intake_id is not None else None
                found += earlier["appointments"] if earlier else []
        return found

    def check_reach(self, reach: str) -> None:
        exchange = self.last
        text, payloads = exchange.text, [b["payload"] for b in exchange.buttons]
        if reach == "emergency":
            self.check(self.profile.emergency_number in text, "invariant 4: during the emergency the reply does not "
                                                              "repeat the emergency number")
            self.check(not any(p.startswith(BOOKING_PAYLOADS) for p in payloads) and not self.says(text, "consent.ask"),
                       "invariant 4: booking offered during an emergency")
            return
        self.check(not any(self.says(text, key) for key in FALLBACK_KEYS),
                   "invariant 4: no way on from here: the probe got a misunderstanding")
        booked = [a for a in (self.intake or {}).get("appointments", []) if a["status"] == "booked"]
        way_on = (any(p.startswith(WAY_ON_PAYLOADS) for p in payloads)
                  or any(self.says(text, key) for key in FORM_PROMPT_KEYS)
                  or any(self.asked(text, q.key) for q in self.questions)
                  or any(self.names_booking(text, a) for a in booked))
        self.check(way_on, "invariant 4: no way on from here: the probe got no booking, callback, form or answer")

    def names_booking(self, text: str, appointment: Dict[str, Any]) -> bool:
        when = scheduling.describe_slot(self.profile, datetime.fromisoformat(appointment["start"]))
        return appointment["reference"].lower() in text.lower() or norm(when) in norm(text)

    # ---- the expectations ----
    def expect(self, spec: Dict[str, Any]) -> None:
        exchange = self.last
        text, said = exchange.text, norm(exchange.text)
        titles = [norm(b.get("title", "")) for b in exchange.buttons]
        payloads = [b["payload"] for b in exchange.buttons]
        for word in spec.get("contains") or []:
            self.check(norm(word) in said, f"the reply does not contain {word!r}")
        for word in spec.get("not_contains") or []:
            self.check(norm(word) not in said, f"the reply contains {word!r}")
        first = norm(exchange.replies[0]["text"]) if exchange.replies else ""
        for word in spec.get("first_contains") or []:
            self.check(norm(word) in first, f"the reply's first message does not contain {word!r}")
        if "max_sentences" in spec:
            joined = " ".join(m["text"] for m in exchange.replies)
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", joined) if s.strip()]
            self.check(len(sentences) <= spec["max_sentences"],
                       f"the reply has {len(sentences)} sentences, more than {spec['max_sentences']}")
        if spec.get("mentions_booking"):
            booked = [a for a in (self.intake or {}).get("appointments", []) if a["status"] == "booked"]
            self.check(bool(booked) and self.names_booking(text, booked[-1]), "the reply does not name the booking")
        if spec.get("says_any"):
            self.check(any(self.says(text, key) for key in spec["says_any"]),
                       f"the reply says none of {spec['says_any']}")
        if spec.get("contains_any"):
            self.check(any(norm(w) in said for w in spec["contains_any"]),
                       f"the reply contains none of {spec['contains_any']}")
        for pattern in spec.get("matches") or []:
            self.check(re.search(pattern, text, re.IGNORECASE) is not None, f"the reply does not match {pattern!r}")
        for key in spec.get("says") or []:
            self.check(self.says(text, key), f"the reply does not say {key!r}")
        for key in spec.get("not_says") or []:
            self.check(not self.says(text, key), f"the reply says {key!r}")
        for title in spec.get("buttons") or []:
            self.check(norm(title) in titles, f"no button {title!r}")
        for title in spec.get("no_buttons") or []:
            self.check(norm(title) not in titles, f"a button {title!r} is offered")
        for prefix in spec.get("payloads") or []:
            self.check(any(p.startswith(prefix) for p in payloads), f"no button with payload {prefix!r}")
        for prefix in spec.get("no_payloads") or []:
            self.check(not any(p.startswith(prefix) for p in payloads), f"a button with payload {prefix!r} is offered")
        if spec.get("not_fallback"):
            for key in FALLBACK_KEYS:
                self.check(not self.says(text, key), f"the reply is the fallback {key!r}")
        for key in spec.get("asks") or []:
            self.check(self.asked(text, key), f"the screening question {key!r} is not asked")
        for key in spec.get("not_asks") or []:
            self.check(not self.asked(text, key), f"the screening question {key!r} is asked")
        if spec.get("slots"):
            slots = self.stack.tracker(self.channel.conversation_id)["slots"]
            for slot, value in spec["slots"].items():
                self.check(slots.get(slot) == yes_no(value), f"slot {slot} is {slots.get(slot)!r}, not {value!r}")
        if spec.get("times"):
            self.check_times(spec["times"], exchange)
        if spec.get("intake"):
            self.check_intake(spec["intake"], self.intake)

    def fits(self, when: Dict[str, Any], start: datetime) -> bool:
        local, today = start.astimezone(self.profile.timezone), self.now().date()
        day = {"today": today, "tomorrow": today + timedelta(days=1)}.get(when.get("day"))
        if when.get("day") and day is None:
            day = date.fromisoformat(str(when["day"]))
        tests = [
            day is None or local.date() == day,
            not when.get("weekday") or local.weekday() == WEEKDAYS.index(when["weekday"].lower()),
            not when.get("after") or local.time() >= time.fromisoformat(str(when["after"])),
            not when.get("before") or local.time() < time.fromisoformat(str(when["before"])),
            not when.get("part") or PARTS[when["part"]][0] <= local.time() < PARTS[when["part"]][1],
            not when.get("within_days") or (local.date() - today).days <= int(when["within_days"]),
        ]
        return all(tests)

    def any_free_fits(self, when: Dict[str, Any]) -> bool:
        now = self.now()
        with session_scope(self.engine) as session:
            taken = taken_starts(session, self.profile, now)
        return any(self.fits(when, s) for s in scheduling.free_slots(self.profile, taken, now, limit=5000))

    def check_times(self, when: Dict[str, Any], exchange: Exchange) -> None:
        starts = [scheduling.parse_slot_payload(json.loads(b["payload"][len("/choose_slot"):])["slot_time"])
                  for b in exchange.buttons if b["payload"].startswith("/choose_slot")]
        if not starts and REFERENCE.search(exchange.text):  # booked (or moved) straight away
            booked = [a for a in (self.intake or {}).get("appointments", []) if a["status"] == "booked"]
            self.check(bool(booked), "a reference was given, but nothing is booked")
            start = datetime.fromisoformat(booked[-1]["start"])
            self.check(self.fits(when, start), f"booked {scheduling.describe_slot(self.profile, start)}, "
                                               f"which does not fit {when}")
            return
        words = [scheduling.describe_slot(self.profile, s) for s in starts]
        if self.any_free_fits(when):
            self.check(bool(starts), f"no time offered for {when}, though some are free")
            wrong = [scheduling.describe_slot(self.profile, s) for s in starts if not self.fits(when, s)]
            self.check(not wrong, f"offered times that do not fit {when}: {wrong}")
            return
        said = norm(exchange.text)
        self.check(bool(starts), f"nothing fits {when}, and no other time is offered")
        self.check(not self.says(exchange.text, "booking.reason.need_time"),
                   f"nothing fits {when}, yet the reply says it lists the free times for that day: {words}")
        self.check(any(w in said for w in NONE_FREE_WORDS), f"nothing fits {when}, and the reply does not say so")

    def check_intake(self, spec: Dict[str, Any], intake: Optional[Dict[str, Any]]) -> None:
        if not spec:
            return
        if spec.get("exists") is False:
            self.check(intake is None, "an intake is stored")
            return
        if spec.get("exists"):
            self.check(intake is not None, "no intake is stored for this conversation")
        intake = intake or NO_INTAKE  # nothing stored yet reads as an empty intake
        where = "stored intake: "
        for name in ("concern", "consultation_only", "safety_flag", "status"):
            if name in spec:
                self.check(intake[name] == spec[name], f"{where}{name} is {intake[name]!r}, not {spec[name]!r}")
        if "concerns" in spec:
            known = sorted({intake["concern"], *intake["other_concerns"]} - {None})
            self.check(known == sorted(spec["concerns"]),
                       f"{where}concerns are {known}, not {sorted(spec['concerns'])}")
        if "other_concerns" in spec:
            self.check(sorted(intake["other_concerns"]) == sorted(spec["other_concerns"] or []),
                       f"{where}other concerns are {intake['other_concerns']}, not {spec['other_concerns']}")
        if "consent" in spec:
            self.check(intake["consent"]["state"] == spec["consent"],
                       f"{where}consent is {intake['consent']['state']!r}, not {spec['consent']!r}")
        answers = {a["question_key"]: a for a in intake["screening"]}
        if spec.get("no_screening"):
            self.check(not answers, f"{where}screening answers stored: {sorted(answers)}")
        for key, expected in (spec.get("screening") or {}).items():
            self.check_answer(key, expected, answers.get(key))
        if spec.get("screening_complete"):
            missing = [q.key for q in screening.questions_for(self.profile, intake["concern"]) if q.key not in answers]
            self.check(not missing, f"{where}screening questions without an answer: {missing}")
        contact = spec.get("contact") or {}
        contacts = intake["contacts"]
        for name, value in contact.items():
            if name == "phone":
                found = any(c["phone"] and digits(c["phone"]).endswith(digits(value)) for c in contacts)
            else:
                found = any(norm(c[name] or "") == norm(value) for c in contacts)
            self.check(found, f"{where}no contact with {name} {value!r}; contacts: {contacts}")
        if "booking" in spec:
            self.check_booking(spec["booking"], intake)
        if "appointments" in spec:
            self.check(len(intake["appointments"]) == spec["appointments"],
                       f"{where}{len(intake['appointments'])} appointment(s), not {spec['appointments']}")
        if "alerts" in spec:
            self.check_alerts(spec["alerts"], intake["alerts"])
        if "callbacks" in spec:
            want = spec["callbacks"] if isinstance(spec["callbacks"], dict) else {"count": spec["callbacks"]}
            callbacks = intake["callbacks"]
            if "count" in want:
                self.check(len(callbacks) == want["count"], f"{where}{len(callbacks)} callback(s), not {want['count']}")
            if want.get("phone"):
                self.check(any(digits(c["phone"]).endswith(digits(want["phone"])) for c in callbacks),
                           f"{where}no callback to {want['phone']}: {callbacks}")
            if want.get("reason"):
                self.check(any(c["reason"] == want["reason"] for c in callbacks),
                           f"{where}no callback for {want['reason']}: {[c['reason'] for c in callbacks]}")

    def check_answer(self, key: str, expected: Any, stored: Optional[Dict[str, Any]]) -> None:
        where = f"stored intake: screening {key}: "
        self.check(stored is not None, where + "no answer stored")
        want = expected if isinstance(expected, dict) else {"answer": expected}
        value = stored["answer"] if isinstance(stored["answer"], dict) else {"answer": stored["answer"]}
        got = value.get("answer")
        if "answer" in want:
            answer = yes_no(want["answer"])
            if answer == "unclear":
                ok = got in ("unclear", "unsure")
            elif isinstance(answer, list):
                ok = sorted(got or []) == sorted(answer)
            else:
                ok = got == answer
            self.check(ok, where + f"stored {value!r}, expected {answer!r}")
        for word in want.get("detail") or []:
            self.check(norm(word) in norm(value.get("detail") or ""), where + f"the detail {value.get('detail')!r} "
                                                                             f"lacks {word!r}")
        if "flagged" in want:
            self.check(bool(stored["flags"]) == want["flagged"],
                       where + f"flags are {stored['flags']}, expected {'some' if want['flagged'] else 'none'}")

    def check_booking(self, want: Any, intake: Dict[str, Any]) -> None:
        booked = [a for a in intake["appointments"] if a["status"] == "booked"]
        if want is False:
            self.check(not booked, f"stored intake: a booking is stored: {booked}")
            return
        self.check(bool(booked), "stored intake: no booked appointment")
        if isinstance(want, dict):
            start = datetime.fromisoformat(booked[-1]["start"])
            self.check(self.fits(want, start), f"stored intake: the booking "
                                               f"({scheduling.describe_slot(self.profile, start)}) does not fit {want}")

    def check_alerts(self, want: Any, alerts: List[Dict[str, Any]]) -> None:
        want = want if isinstance(want, dict) else {"count": want}
        where = "stored intake: "
        if "count" in want:
            self.check(len(alerts) == want["count"], lambda: f"{where}{len(alerts)} alert(s), not {want['count']}: "
                                                             f"{[(a['kind'], a['message']) for a in alerts]}")
        if want.get("kind"):
            self.check(all(a["kind"] == want["kind"] for a in alerts) and alerts,
                       f"{where}alerts are {[a['kind'] for a in alerts]}, not {want['kind']}")
        if "open" in want:
            open_alerts = [a for a in alerts if not a["resolved"]]
            self.check(len(open_alerts) == want["open"], f"{where}{len(open_alerts)} open alert(s), not {want['open']}")
        if want.get("phone"):
            self.check(any(digits(want["phone"]) in digits(" ".join(str(v) for v in a.values())) for a in alerts),
                       f"{where}the phone {want['phone']} is on no alert: {alerts}")
        for word in want.get("message") or []:
            self.check(any(norm(word) in norm(a["message"]) for a in alerts), f"{where}no alert says {word!r}")


def _describe(step: Dict[str, Any]) -> str:
    for kind in ("say", "click", "choose"):
        if kind in step:
            return f"{kind} {step[kind]!r}"
    for kind, words in (("answer_screening", "answer the screening"), ("reload", "reload"),
                        ("new_conversation", "a new conversation")):
        if kind in step:
            return words
    return repr(step)


def run_scenario(stack, scenario: Scenario, profile: ClinicProfile, wording: Wording) -> None:
    Run(stack, scenario, profile, wording).run()
