"""The data cipher and its keys, without a database: DATA_KEYS parsed newest first, clear errors for
missing or malformed keys, old keys still decrypting, lookup hashes normalised and kept apart by
kind; and what a declined consent withholds from a tracker event."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.adapters.encryption import DataCipher, Lookup
from bot.adapters.tracker_events import withheld
from bot.settings import load_settings

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_data_keys_come_from_the_environment_newest_first(monkeypatch):
    monkeypatch.setenv("DATA_KEYS", f" {NEW} , {OLD},")
    monkeypatch.setenv("LOOKUP_KEY", "lk")
    monkeypatch.setenv("RETENTION_DAYS", "90")
    settings = load_settings()
    assert settings.data_keys == (NEW, OLD) and settings.lookup_key == "lk" and settings.retention_days == 90


@pytest.mark.parametrize("keys, lookup, message", [
    ((), "lk", "DATA_KEYS is not set"),
    ((OLD,), None, "LOOKUP_KEY is not set"),
    (("not-a-key",), "lk", "32 url-safe base64-encoded bytes"),
])
def test_missing_or_malformed_keys_are_named(keys, lookup, message):
    with pytest.raises(ValueError, match=message):
        DataCipher(keys, lookup)


def test_each_encryption_differs_and_only_the_keys_read_it():
    cipher = DataCipher((OLD,), "lk")
    first, second = cipher.encrypt("Imogen"), cipher.encrypt("Imogen")
    assert first != second and "Imogen" not in first
    assert cipher.decrypt(first) == "Imogen"
    with pytest.raises(ValueError, match="does not decrypt"):
        DataCipher((NEW,), "lk").decrypt(first)


def test_an_old_key_still_decrypts_and_rotate_moves_to_the_newest():
    old_token = DataCipher((OLD,), "lk").encrypt("breastfeeding")
    both = DataCipher((NEW, OLD), "lk")
    assert both.decrypt(old_token) == "breastfeeding"
    assert DataCipher((NEW,), "lk").decrypt(both.rotate(old_token)) == "breastfeeding"


def test_lookup_hashes_are_normalised_keyed_and_kept_apart_by_kind():
    cipher = DataCipher((OLD,), "lk")
    assert cipher.lookup_hash(Lookup.REFERENCE, " qx7k2m ") == cipher.lookup_hash(Lookup.REFERENCE, "QX7K2M")
    assert cipher.lookup_hash(Lookup.EMAIL, "A@Example.org") == cipher.lookup_hash(Lookup.EMAIL, "a@example.org")
    assert cipher.lookup_hash(Lookup.PHONE, "ABC") != cipher.lookup_hash(Lookup.REFERENCE, "ABC")
    assert cipher.lookup_hash(Lookup.PHONE, "+1818") != DataCipher((OLD,), "other").lookup_hash(Lookup.PHONE, "+1818")
    assert len(cipher.lookup_hash(Lookup.PHONE, "+1818")) == 64


def test_a_declined_consent_withholds_the_words_and_health_answers_only():
    user = {"event": "user", "text": "I'm pregnant", "metadata": {"ip": "x"},
            "parse_data": {"text": "I'm pregnant", "intent": {"name": "inform"},
                           "entities": [{"entity": "concern", "value": "pregnant", "role": None, "start": 4}]}}
    kept = withheld(user)
    assert kept["text"] is None and kept["metadata"] == {} and "pregnant" not in str(kept)
    assert kept["parse_data"] == {"intent": {"name": "inform"}, "entities": [{"entity": "concern", "role": None}]}
    assert withheld({"event": "slot", "name": "screening_answers", "value": {"a": "yes"}})["value"] is None
    assert withheld({"event": "slot", "name": "concern", "value": "sweating"}) is None
    assert withheld({"event": "bot", "text": "Hello"}) is None
