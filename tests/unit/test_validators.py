"""The form validators (bot/validators.py): cleaned values for good input, a helpful Invalid for bad."""
from __future__ import annotations

import pytest

from bot.domain.validators import (
    ContactDetails,
    Invalid,
    clean_best_time,
    clean_contact,
    clean_email,
    clean_name,
    clean_phone,
    introduced_name,
)

# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Maria Lopez", "Maria Lopez"),
    ("maria lopez", "Maria Lopez"),  # all lower case is capitalised
    ("  Maria  ", "Maria"),
    ("Hi, my name is Anna", "Anna"),
    ("my name is Maria Lopez.", "Maria Lopez"),
    ("I'm José García", "José García"),
    ("i am john smith", "John Smith"),
    ("call me Liz", "Liz"),
    ("this is Bob", "Bob"),
    ("hey, it's Maria", "Maria"),
    ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
    ("Anne-Marie", "Anne-Marie"),
    ("McDonald", "McDonald"),  # mixed case is kept as typed
    ("Zoë Ölz", "Zoë Ölz"),
    ("Ng", "Ng"),
])
def test_clean_name_accepts(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "x", "O", "12345", "john3", "maria@example.com", "818 555 0199",
    "hi", "Hi", "Hi!", "Hi.", "hello", "HELLO", "Hello!", "hey", "Hey!",  # greetings
    "yes", "no", "ok", "okay", "sure", "thanks", "why", "what", "help",
    "my name is hi", "Hi, I am hello", "x" * 101,
])
def test_clean_name_refuses(text, wording):
    with pytest.raises(Invalid) as info:
        clean_name(text)
    message = info.value.render(wording)
    assert "for example" in message and "Maria Lopez" in message


def test_clean_name_none_is_refused():
    with pytest.raises(Invalid):
        clean_name(None)


@pytest.mark.parametrize("text", ["hi there", "good morning", "Good afternoon", "hello maria"])
def test_greeting_phrases_are_not_stored_as_names(text):
    try:
        name = clean_name(text)
    except Invalid:
        return  # refusing is fine
    assert not name.lower().startswith(("hi", "hello", "good")), name


# --- phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "818 555 0199", "(818) 555-0199", "818-555-0199", "818.555.0199", "8185550199",
    "1 818 555 0199", "1-818-555-0199", "18185550199", "+1 (818) 555-0199", "+1 818 555 0199",
    "  818 555 0199  ",
])
def test_clean_phone_us_formats(text):
    assert clean_phone(text) == "+18185550199"


@pytest.mark.parametrize("text, expected", [
    ("+44 20 7946 0958", "+442079460958"),
    ("+49 30 123456", "+4930123456"),
    ("+33 1 23 45 67 89", "+33123456789"),
    ("+61-2-9876-5432", "+61298765432"),
])
def test_clean_phone_international(text, expected):
    assert clean_phone(text) == expected


@pytest.mark.parametrize("text", [
    "12345", "555-0199", "818 555 019", "2 818 555 0199", "11 818 555 0199", "818 555 01999",
    "018 555 0199",  # area code cannot start with 0/1
    "818 155 0199",  # exchange cannot start with 0/1
])
def test_clean_phone_us_wrong_length_or_shape(text, wording):
    with pytest.raises(Invalid) as info:
        clean_phone(text)
    assert "10 digits" in info.value.render(wording)
    assert "for example: 818 555 0199" in info.value.render(wording)


@pytest.mark.parametrize("text", ["abc", "818 555 019a", "call me", "818-555-0199 ext 12", ""])
def test_clean_phone_letters(text, wording):
    with pytest.raises(Invalid) as info:
        clean_phone(text)
    assert "for example: 818 555 0199" in info.value.render(wording)


@pytest.mark.parametrize("text", ["+123", "+1234567", "+1234567890123456"])
def test_clean_phone_international_wrong_length(text, wording):
    with pytest.raises(Invalid) as info:
        clean_phone(text)
    assert "international" in info.value.render(wording)


# --- e-mail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("jane@example.com", "jane@example.com"),
    ("Jane.Doe@Example.COM", "jane.doe@example.com"),
    ("  jane@example.com.  ", "jane@example.com"),
    ("jane.doe+spa@mail.example.co.uk", "jane.doe+spa@mail.example.co.uk"),
    ("a@b.co", "a@b.co"),
])
def test_clean_email_accepts(text, expected):
    assert clean_email(text) == expected


@pytest.mark.parametrize("text", [
    "jane@example", "jane@@example.com", "jane example.com", "@example.com", "jane@", "jane@.com",
    "jane@example.c", "", "a" * 250 + "@example.com",
])
def test_clean_email_refuses(text, wording):
    with pytest.raises(Invalid) as info:
        clean_email(text)
    assert "for example: name@example.com" in info.value.render(wording)


# --- phone or e-mail -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("you can reach me at Jane.Doe@Example.COM thanks", ContactDetails(email="jane.doe@example.com")),
    ("email me at jane.doe+spa@example.co.uk please", ContactDetails(email="jane.doe+spa@example.co.uk")),
    ("mail me: bob@mail.example.org, or call", ContactDetails(email="bob@mail.example.org")),
    # both given together: both kept (issue #10), so cancelling by either works
    ("818 555 0199 or jane@example.com", ContactDetails(phone="+18185550199", email="jane@example.com")),
    ("jane@example.com, phone 818-555-0199", ContactDetails(phone="+18185550199", email="jane@example.com")),
    ("jane@example.com, flat 12", ContactDetails(email="jane@example.com")),  # a stray number is no phone
    ("818 555 0199", ContactDetails(phone="+18185550199")),
    ("it's 818 555 0199", ContactDetails(phone="+18185550199")),
    ("my number is (818) 555-0199", ContactDetails(phone="+18185550199")),
    ("phone: +1 818 555 0199", ContactDetails(phone="+18185550199")),
    ("call me on +44 20 7946 0958.", ContactDetails(phone="+442079460958")),
])
def test_clean_contact_finds_phone_or_email(text, expected):
    assert clean_contact(text) == expected


def test_contact_describe():
    assert ContactDetails(phone="+18185550199").describe() == "+18185550199"
    assert ContactDetails(email="a@b.co").describe() == "a@b.co"
    assert ContactDetails().describe() == ""
    both = ContactDetails(phone="+18185550199", email="a@b.co")
    assert both.describe() == "+18185550199, a@b.co" and clean_contact(both.describe()) == both


@pytest.mark.parametrize("text", ["nothing", "", "tomorrow please", "my email is jane at example dot com"])
def test_clean_contact_without_phone_or_email(text, wording):
    with pytest.raises(Invalid) as info:
        clean_contact(text)
    message = info.value.render(wording)
    assert "phone number" in message and "e-mail" in message and "818 555 0199" in message


@pytest.mark.parametrize("text", ["call me at 555 0199", "my number is 12345"])
def test_clean_contact_short_number(text, wording):
    with pytest.raises(Invalid) as info:
        clean_contact(text)
    assert "10 digits" in info.value.render(wording)


@pytest.mark.parametrize("text", ["818 555 0199 thanks", "my cell is 818 555 0199!", "818 555 0199, after 5pm"])
def test_clean_contact_phone_followed_by_words(text):
    assert clean_contact(text) == ContactDetails(phone="+18185550199")


@pytest.mark.parametrize("text", ["next tuesday afternoon", "tomorrow at 3", "Friday morning"])
def test_times_are_not_names(text):
    with pytest.raises(Invalid):
        clean_name(text)


@pytest.mark.parametrize("text, name", [
    ("Hi, I'm Maria Lopez and my jaw aches from clenching", "Maria Lopez"),
    ("my name is tom, I sweat through my shirts", "Tom"),
    ("hello this is Dana Whitfield. My feet hurt", "Dana Whitfield"),
    ("Im Jess. I get migraines", "Jess"),
    ("my name's Priya and i clench at night", "Priya"),
])
def test_a_name_the_visitor_introduces_themselves_with(text, name):
    assert introduced_name(text) == name


@pytest.mark.parametrize("text", [
    "I'm breastfeeding, is botox ok?", "I'm so tired of migraines", "I'm Botox curious", "i'm 34 and have acne",
    "this is my third time asking", "I am Worried About my Neck", "how much is it?",
])
def test_no_name_where_none_was_given(text):
    assert introduced_name(text) is None


# --- the best time for a callback (repeated in the reply) -----------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("after 5pm", "after 5pm"),
    ("  weekday\n mornings ", "weekday mornings"),
    # Issue #12 fuzzing: the reply repeated the visitor's markup ("who will call ... (<script>...)").
    ("book <script>alert('x')</script>", "book alert('x')"),
    ('<img src=x onerror="alert(1)"> mornings', "mornings"),
    ("<b onmouseover=alert(1)>after 3</b>", "after 3"),
    ("between 2 < 4 pm", "between 2 4 pm"),
])
def test_clean_best_time_keeps_the_words_and_drops_markup(text, expected):
    assert clean_best_time(text) == expected


@pytest.mark.parametrize("text", ["", " ", "x", "<script></script>", "<img src=x onerror=alert(1)>", "y" * 201])
def test_clean_best_time_refuses(text, wording):
    with pytest.raises(Invalid) as info:
        clean_best_time(text)
    assert info.value.render(wording) == wording.text("invalid.best_time")
