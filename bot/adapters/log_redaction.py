"""Keep contact details, visitor text and secrets out of every process's logs.

`install()` replaces the logging record factory, so every record of every logger (ours, Rasa's,
rasa-sdk's, Sanic's, uvicorn's, SQLAlchemy's), whatever handlers a framework sets up later, is
redacted when it is created: e-mail addresses, phone numbers, the text of visitor messages where
a log line quotes one (a `text`/`message` field, Rasa's "user message '...'"), tokens in URLs and
Authorization headers. A traceback is formatted and redacted at the same moment. The web service,
the action server and Rasa each call it at start-up (bot.web.app, rasa_plugins' entry points).
"""
from __future__ import annotations

import logging
import re
import traceback

EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Seven or more digits written as a phone number (spaces, dots, dashes, brackets, a leading +), not
# inside a word or an identifier; IPv4 addresses and dates are left alone (_NOT_A_PHONE).
PHONE = re.compile(r"(?<![\w/:=-])\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?![\w-])")
_NOT_A_PHONE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|^\d{4}-\d{2}-\d{2}(?!\d)")  # an IPv4 address, a date
# A quoted value of a field that holds what a visitor typed or a slot or entity value taken from it:
# 'text': '...', "message": "...", 'value': '...', 'full_name': '...'.
QUOTED_TEXT_FIELD = re.compile(
    r"""(?P<key>(['"])(?:text|message|message_text|user_message|words|reason|best_time|value|full_name|contact)\2\s*:\s*)"""
    r"""(?P<quote>['"])(?P<value>(?:\\.|(?!(?P=quote)).)*)(?P=quote)""",
    re.S,
)
# Rasa's own phrasings: "Received user message 'hi' with intent ...", "UserUttered(text: hi, intent: ...".
RASA_USER_MESSAGE = re.compile(r"(user message )(['\"])(.*?)\2(?= with| and|$)", re.S)
RASA_UTTERED = re.compile(r"(UserUttered\(text: )(.*?)(, intent:)", re.S)
# Rasa's debug dump of every slot, one "\tname: value" line each.
RASA_SLOT_DUMP = re.compile(r"(Current slot values:).*", re.S)
URL_TOKEN = re.compile(r"(?i)([?&](?:token|access_token)=)[^&\s'\"]+")
BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")

TEXT_MARK = "[text]"


def _phone(match: re.Match) -> str:
    found = match.group(0)
    return found if _NOT_A_PHONE.match(found) else "[phone]"


def redact(text: str) -> str:
    """`text` without e-mail addresses, phone numbers, quoted visitor text and tokens."""
    text = QUOTED_TEXT_FIELD.sub(lambda m: f"{m.group('key')}{m.group('quote')}{TEXT_MARK}{m.group('quote')}", text)
    text = RASA_USER_MESSAGE.sub(lambda m: f"{m.group(1)}{m.group(2)}{TEXT_MARK}{m.group(2)}", text)
    text = RASA_UTTERED.sub(lambda m: f"{m.group(1)}{TEXT_MARK}{m.group(3)}", text)
    text = RASA_SLOT_DUMP.sub(r"\1 [slots]", text)
    text = URL_TOKEN.sub(r"\1[redacted]", text)
    text = BEARER.sub(r"\1[redacted]", text)
    text = EMAIL.sub("[email]", text)
    return PHONE.sub(_phone, text)


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record in place. A record whose formatter needs its arguments (uvicorn's access
    log unpacks them) keeps them, each redacted; any other changed record keeps only its message."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the handler reports it as usual
        return
    cleaned = redact(message)
    if cleaned != message:
        if record.name.startswith("uvicorn.access") and isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        else:
            record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Redact every log record created in this process from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacting", False):
        return

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact_record(record)
        return record

    redacting_factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
