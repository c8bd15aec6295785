"""The log redaction (bot.adapters.log_redaction): what it removes, what it keeps, and that an
installed factory redacts records of any logger, their arguments and tracebacks included."""
from __future__ import annotations

import io
import logging

import pytest

from bot.adapters import log_redaction
from bot.adapters.log_redaction import redact


@pytest.mark.parametrize("text, gone", [
    ("call me on 818 555 0199 please", "555 0199"),
    ("(818) 555-0199", "555-0199"),
    ("+44 20 7946 0958", "7946"),
    ("mail maria.lopez@example.org now", "maria.lopez"),
    ("{'text': 'my eyelids droop since Botox', 'intent': {}}", "eyelids"),
    ('{"message": "I\'m Rosalind, \\"quoted\\" words", "sender": "x"}', "Rosalind"),
    ("Received user message 'my lips are numb' with intent '{}'", "numb"),
    ("UserUttered(text: my lips are numb, intent: deny)", "numb"),
    ("entities '[{'entity': 'name', 'value': 'Rosalind Quimby', 'start': 5}]'", "Rosalind"),
    ("{'slots': {'full_name': 'Rosalind Quimby', 'concern': 'sweating'}}", "Quimby"),
    ("Current slot values: \n\tconcern: sweating\n\tfull_name: Rosalind Quimby\n", "Quimby"),
    ("GET /conversations/x/tracker?token=s3cr3t&include_events=ALL", "s3cr3t"),
    ("Authorization: Bearer abc.DEF-123", "abc.DEF"),
])
def test_redact_removes(text, gone):
    assert gone not in redact(text)


@pytest.mark.parametrize("text", [
    "rasa on 127.0.0.1:5005 answered HTTP 503",
    "booking 2026-12-03 10:00 for intake #42",
    "conversation a1b2c3d48185550199e0 closed",
])
def test_redact_keeps_what_is_not_personal(text):
    assert redact(text) == text


@pytest.fixture
def captured():
    """A logger whose handler writes to a buffer, with the redacting factory installed."""
    previous = logging.getLogRecordFactory()
    log_redaction.install()
    log_redaction.install()  # twice: still one layer
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(previous)


def test_installed_factory_redacts_arguments_and_tracebacks(captured):
    logger, buffer = captured
    assert getattr(logging.getLogRecordFactory(), "redacting", False)
    logger.info("contact %s, %s", "maria@example.org", "818-555-0199")
    try:
        raise ValueError("could not reach 818 555 0199 or maria@example.org")
    except ValueError:
        logger.exception("failed for %s", "+1 818 555 0199")
    output = buffer.getvalue()
    assert "[email]" in output and "[phone]" in output and "ValueError" in output
    assert "maria@" not in output and "555" not in output


def test_uvicorn_access_records_keep_their_arguments():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:4000", "GET", "/x?token=s3cr3t", "1.1", 200), None)
    log_redaction.redact_record(record)
    assert len(record.args) == 5 and "s3cr3t" not in record.getMessage()
