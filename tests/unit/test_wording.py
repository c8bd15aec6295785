"""The wording catalog (clinic/messages.en.yml): every key the code uses exists, every key in the
catalog is used, every placeholder can be filled, and a broken catalog fails when it loads."""
from __future__ import annotations

import ast
from typing import Iterator, Set

import pytest

from bot.domain.scheduling import REASONS
from bot.domain.wording import Wording, WordingError, placeholders
from bot.settings import PROJECT_ROOT

SOURCES = [*sorted((PROJECT_ROOT / "actions").glob("*.py")), *sorted((PROJECT_ROOT / "bot").rglob("*.py"))]
KEY_CALLS = {"say", "text", "title", "buttons", "entry"}  # functions and methods taking a catalog key


def _strings(node: ast.AST) -> Iterator[str]:
    """String constants of an expression (both branches of `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


STRICT: Set[str] = set()  # keys that can only be catalog keys (say(...), Reply.key): must all exist


def keys_in_code() -> tuple[Set[str], Set[str]]:
    """(keys named in the code, key prefixes of f-strings such as f"booking.reason.{reason}")."""
    keys: Set[str] = set()
    prefixes: Set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name == "say":
                    STRICT.update(s for arg in node.args[:3] for s in _strings(arg))
                if name in KEY_CALLS:
                    for arg in node.args[:3]:
                        keys.update(s for s in _strings(arg) if "." in s or s.isidentifier())
                        for part in ast.walk(arg):
                            if isinstance(part, ast.JoinedStr) and isinstance(part.values[0], ast.Constant):
                                prefixes.add(part.values[0].value)
                elif name == "Invalid" and node.args:
                    keys.update(f"invalid.{s}" for s in _strings(node.args[0]))
                elif name in ("AnswerError", "_choice_error") and len(node.args) >= 2:
                    keys.update(f"screening.{s}" for s in _strings(node.args[1]))
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                names = [getattr(target, "id", "") for target in node.targets[0].elts]
                if "key" in names and isinstance(node.value, ast.Tuple):  # `action, key = "...", "..."`
                    STRICT.update(_strings(node.value.elts[names.index("key")]))
                    keys.update(_strings(node.value.elts[names.index("key")]))
    return keys, prefixes


@pytest.fixture(scope="module")
def used():
    return keys_in_code()


def test_every_key_the_code_uses_is_in_the_catalog(wording, used):
    keys, prefixes = used
    catalog = set(wording.entries)
    named = {key for key in keys if "." in key or key in catalog} | STRICT
    assert {"greet", "consent.ask", "safety.emergency"} <= STRICT, "the scan found too little: it is broken"
    missing = sorted(key for key in named if key not in catalog and not key.startswith(tuple(prefixes))
                     and not any(key == prefix.rstrip(".") for prefix in prefixes))
    assert missing == []
    assert prefixes, "the f-string keys were not found: the scan is broken"


def test_every_key_in_the_catalog_is_used(wording, used):
    keys, prefixes = used
    unused = sorted(key for key in wording.entries if key not in keys and not key.startswith(tuple(prefixes)))
    assert unused == []


def test_every_scheduling_reason_has_words(wording):
    for reason in (*(reason for reason in REASONS if reason != "ok"), "other"):
        assert wording.text(f"booking.reason.{reason}", day="Monday, November 23", window="")


def test_every_entry_renders_with_the_clinic_facts_and_named_values(wording):
    for key, entry in wording.entries.items():
        values = {name: f"<{name}>" for name in placeholders(entry.text) if name not in wording.facts}
        text = wording.text(key, **values)
        assert "{" not in text and "}" not in text, key
        assert wording.facts["phone"] not in entry.text  # facts come from the profile, not the catalog


def test_payloads_are_rasa_intents(wording):
    for key, entry in wording.entries.items():
        for button in entry.buttons:
            assert button.payload.startswith("/"), (key, button)


def test_a_missing_placeholder_value_names_the_key(wording):
    with pytest.raises(WordingError, match="booking.done"):
        wording.text("booking.done")  # {when} not given


def test_an_unknown_key_is_an_error(wording):
    with pytest.raises(WordingError, match="no entry 'nope'"):
        wording.text("nope")


@pytest.mark.parametrize("data, problem", [
    ([], "must be a YAML mapping"),
    ({"a": 3}, "a: must be a text"),
    ({"a": {"text": "x", "colour": "red"}}, "unknown fields"),
    ({"a": {"text": "x", "buttons": [{"title": "t"}]}}, "a.buttons[0]: needs a title and a payload"),
    ({"a": "unbalanced {brace"}, "a:"),
    ({"a": "x", "alerts": "a"}, "alerts: must be a list of entry keys"),
    ({"a": "x", "alerts": ["b"]}, "alerts: no entry 'b'"),
])
def test_a_broken_catalog_fails_when_it_loads(data, problem):
    with pytest.raises(WordingError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        Wording.parse(data, {})


def test_the_emergency_is_an_alert_with_both_numbers_to_call(wording):
    assert wording.alert("safety.emergency")
    assert not wording.alert("safety.adverse_effect") and not wording.alert("greet")
    # The widget turns these into the alert's tap-to-call links.
    assert {"emergency_number", "phone"} <= set(placeholders(wording.entry("safety.emergency").text))


def test_any_entry_may_be_an_alert():
    wording = Wording.parse({"alerts": ["later.reminder"], "later": {"reminder": {
        "text": "Please call {emergency_number}.", "buttons": [{"title": "OK", "payload": "/affirm"}]}},
        "plain": "Hi"}, {"emergency_number": "911"})
    assert set(wording.entries) == {"later.reminder", "plain"}  # the list is not an entry
    assert wording.alert("later.reminder") and not wording.alert("plain")
    assert wording.text("later.reminder") == "Please call 911."
    assert wording.buttons("later.reminder") == [{"title": "OK", "payload": "/affirm"}]
    assert not Wording.parse({"plain": "Hi"}, {}).alert("plain")  # no list: no alerts
