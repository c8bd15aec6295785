"""Staff passwords: salted Argon2id hashes (bot.services.staff_accounts) and the policy
(bot.domain.passwords). Accounts, sign-in and lock-out over a database are tested in
tests/integration/test_staff_auth.py."""
from __future__ import annotations

import pytest

from bot.domain.passwords import MIN_PASSWORD_LENGTH, common_passwords, password_problem
from bot.services.staff_accounts import hash_password, verify_password

PASSWORD = "correct horse battery"


def test_hash_is_argon2_salted_and_verifies():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert PASSWORD not in first
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "x")
    assert not verify_password("not a hash", PASSWORD)


def test_the_common_password_list_is_about_ten_thousand_strong():
    common = common_passwords()
    assert 9_000 <= len(common) <= 11_000
    assert {"password", "123456", "qwerty123", "iloveyou"} <= common
    long_enough = [word for word in common if len(word) >= MIN_PASSWORD_LENGTH]
    assert len(long_enough) > 1000  # the list also catches passwords the length rule lets through


@pytest.mark.parametrize("password, email, problem", [
    ("short pass", "nurse@clinic.example", "too short"),
    ("x" * (MIN_PASSWORD_LENGTH - 1), "", "too short"),
    ("x" * 2000, "", "too long"),
    ("Password1234", "nurse@clinic.example", "too common"),
    ("password2025!", "nurse@clinic.example", "too common"),
    ("qwertyuiop123", "nurse@clinic.example", "too common"),
    ("1q2w3e4r5t6y", "", "too common"),
    ("Sunshine2026!", "", "too common"),
    ("i am the nurse of the year", "Nurse@clinic.example", "e-mail address's name"),
    ("priya.raman rocks 9", "priya.raman@clinic.example", "e-mail address's name"),
])
def test_policy_refuses(password, email, problem):
    assert problem in (password_problem(password, email) or "")


@pytest.mark.parametrize("password, email", [
    (PASSWORD, "nurse@clinic.example"),
    ("x" * MIN_PASSWORD_LENGTH, "nurse@clinic.example"),
    ("tulips and a red bicycle", "jo@clinic.example"),  # a two-letter name is not checked
])
def test_policy_accepts(password, email):
    assert password_problem(password, email) is None
