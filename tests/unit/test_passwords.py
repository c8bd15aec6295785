"""Staff passwords are stored as salted Argon2id hashes (bot.services.staff_accounts). Accounts,
sign-in and lock-out over a database are tested in tests/integration/test_staff_auth.py."""
from __future__ import annotations

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
