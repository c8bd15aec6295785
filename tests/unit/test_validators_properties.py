"""Property tests (hypothesis) of the pure validators (bot/domain/validators.py), issue #12 point 5:
for any text at all, each returns a clean value or raises Invalid with a catalog message, never
another error; and what it returns is already clean (cleaning it again changes nothing)."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.validators import (
    Invalid,
    clean_best_time,
    clean_contact,
    clean_email,
    clean_name,
    clean_phone,
    introduced_name,
    phone_in_text,
)
from tests.fuzz import corpus

HOSTILE = [text for category in corpus.CATEGORIES for text in corpus.samples(category, count=20, max_chars=300)]
# Any text; the corpus's hostile samples; and text near what the validators look for.
TEXTS = st.one_of(
    st.text(max_size=300),
    st.sampled_from(HOSTILE),
    st.from_regex(r"\+?[\d\s().-]{0,25}", fullmatch=True),
    st.from_regex(r"[\w.+-]{0,20}@[\w.-]{0,20}\.[a-z]{0,4}", fullmatch=True),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["my name is", "I'm", "call me", "hi, this is", ""]),
              st.text(max_size=40)),
)
PROPERTIES = settings(max_examples=300, deadline=None)


def outcome(clean, text):
    """The cleaned value, or the Invalid's catalog key (any other exception fails the test)."""
    try:
        return clean(text)
    except Invalid as problem:
        assert problem.key and re.fullmatch(r"[a-z_]+", problem.key)
        return problem


@PROPERTIES
@given(TEXTS)
def test_clean_name_returns_a_clean_name_or_invalid(text):
    name = outcome(clean_name, text)
    if not isinstance(name, Invalid):
        assert 2 <= len(name) <= 100 and name == name.strip() and "<" not in name
        assert clean_name(name) == name


@PROPERTIES
@given(TEXTS)
@example("A@b.cc")
def test_clean_email_returns_a_lower_case_address_or_invalid(text):
    email = outcome(clean_email, text)
    if not isinstance(email, Invalid):
        assert email == email.lower() and not any(c.isspace() for c in email) and email.count("@") == 1
        assert clean_email(email) == email


@PROPERTIES
@given(TEXTS)
def test_clean_phone_returns_e164_or_invalid(text):
    phone = outcome(clean_phone, text)
    if not isinstance(phone, Invalid):
        assert re.fullmatch(r"\+\d{8,15}", phone)
        assert clean_phone(phone) == phone


@PROPERTIES
@given(TEXTS)
def test_phone_in_text_finds_a_clean_number_or_none(text):
    phone = phone_in_text(text)
    assert phone is None or (re.fullmatch(r"\+\d{8,15}", phone) and clean_phone(phone) == phone)


@PROPERTIES
@given(TEXTS)
def test_clean_contact_reads_back_what_it_describes(text):
    contact = outcome(clean_contact, text)
    if not isinstance(contact, Invalid):
        assert contact.phone or contact.email
        assert clean_contact(contact.describe()) == contact


@PROPERTIES
@given(TEXTS)
def test_introduced_name_is_a_clean_name_or_none(text):
    name = introduced_name(text)
    assert name is None or clean_name(name) == name


@PROPERTIES
@given(TEXTS)
def test_clean_best_time_is_tidy_words_without_markup(text):
    best_time = outcome(clean_best_time, text)
    if not isinstance(best_time, Invalid):
        assert "<" not in best_time and ">" not in best_time and 2 <= len(best_time) <= 200
        assert clean_best_time(best_time) == best_time
