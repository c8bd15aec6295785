"""Writes bot/domain/common_passwords.txt: about 10,000 of the passwords people pick most, which
staff accounts refuse (bot.domain.passwords). No download is needed (or possible here): the list
is built from the words and patterns that dominate every published breach corpus (RockYou,
HaveIBeenPwned's top lists): keyboard walks, digit runs, common words and names with the usual
digits, years and symbols appended, and clinic-themed words. Re-run after changing the patterns:

    .venv/bin/python tools/generate_common_passwords.py
"""
from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bot" / "domain" / "common_passwords.txt"
TARGET = 10_000

WALKS = [
    "123456", "1234567", "12345678", "123456789", "1234567890", "12345678910", "123123123",
    "111111", "1111111111", "000000", "0000000000", "987654321", "9876543210", "123321",
    "654321", "666666", "121212", "112233", "123654", "qwerty", "qwertyuiop", "qwerty123",
    "qwertyuiop123", "asdfgh", "asdfghjkl", "zxcvbnm", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t",
    "1q2w3e4r5t6y", "qazwsx", "qazwsxedc", "zaq12wsx", "zaq1zaq1", "!qaz2wsx", "1qazxsw2",
    "abc123", "abcdef", "abcdefg", "abcdefgh", "abcd1234", "a1b2c3", "a1b2c3d4", "aaaaaa",
    "passw0rd", "p@ssw0rd", "p@ssword", "pa$$word", "qwe123", "asd123", "zxc123",
]
WORDS = [
    "password", "iloveyou", "princess", "rockyou", "sunshine", "monkey", "dragon", "football",
    "baseball", "soccer", "hockey", "basketball", "letmein", "welcome", "master", "shadow",
    "superman", "batman", "michael", "jennifer", "jessica", "ashley", "charlie", "daniel",
    "thomas", "jordan", "hunter", "buster", "tigger", "pepper", "ginger", "summer", "winter",
    "autumn", "spring", "freedom", "whatever", "trustno1", "starwars", "computer", "internet",
    "secret", "access", "login", "admin", "administrator", "changeme", "default", "guest",
    "flower", "cookie", "chocolate", "butterfly", "purple", "orange", "yellow", "silver",
    "golden", "diamond", "angel", "lovely", "loveme", "family", "friends", "forever",
    "blessed", "jesus", "heaven", "money", "killer", "mustang", "ferrari", "harley", "matrix",
    "liverpool", "chelsea", "arsenal", "barcelona", "madrid", "london", "paris", "newyork",
    "america", "canada", "samsung", "apple", "google", "microsoft", "nintendo", "pokemon",
    "naruto", "minecraft", "fortnite", "qwerty", "hello", "helloworld", "test", "testing",
    "sample", "temp", "temporary", "office", "company", "business", "manager", "support",
    "service", "security", "system", "server", "network", "database", "clinic", "doctor",
    "nurse", "medical", "health", "healthcare", "hospital", "patient", "reception",
    "frontdesk", "botox", "beauty", "aesthetic", "aesthetics", "skincare", "dermatology",
    "wellness", "spa", "medspa", "appointment", "booking", "calendar", "staff", "teamwork",
    "monday", "tuesday", "friday", "january", "february", "march", "april", "june", "july",
    "august", "september", "october", "november", "december", "baby", "babygirl", "sweetheart",
    "mylove", "lovelove", "iloveu", "soccer", "tennis", "golf", "fishing", "cowboy", "maggie",
    "bailey", "buddy", "max", "molly", "sophie", "oliver", "lucky", "rainbow", "unicorn",
    "banana", "cheese", "pizza", "coffee", "whiskey", "guitar", "music", "dancer", "player",
    "gamer", "ninja", "pirate", "wizard", "phoenix", "tiger", "eagle", "falcon", "panther",
    "andrew", "joshua", "matthew", "robert", "william", "richard", "joseph", "anthony",
    "nicole", "amanda", "melissa", "michelle", "elizabeth", "stephanie", "samantha", "sarah",
]
SUFFIXES = [
    "", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
    "!", "!!", "1!", "123!", "@123", "#1", "01", "11", "007", "69", "99", "2000", "2010",
    "2015", "2016", "2017", "2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025",
    "2026", "2027", "1990", "1985", "!2024", "!2025", "!2026", "@2024", "@2025", "@2026",
    "2024!", "2025!", "2026!",
]


def variants(word: str):
    for suffix in SUFFIXES:
        yield word + suffix
        yield word.capitalize() + suffix
    yield word + word
    yield word[::-1]
    leet = word.replace("a", "@").replace("o", "0").replace("e", "3").replace("i", "1").replace("s", "$")
    yield leet
    yield leet + "1"
    yield leet + "123"


def generate() -> list[str]:
    seen: dict[str, None] = {}
    for walk in WALKS:
        for item in (walk, walk + walk, walk + "!", walk.capitalize()):
            seen.setdefault(item.lower(), None)
    for word in WORDS:
        for item in variants(word):
            seen.setdefault(item.lower(), None)
            if len(seen) >= TARGET:
                return list(seen)
    pairs = [(a, b) for a in WORDS[:60] for b in ("123", "1234", "2024", "2025", "2026", "!")]
    for a, b in pairs:
        for item in (a + "password" + b, "my" + a + b, a + "love" + b, "i love " + a):
            seen.setdefault(item.lower(), None)
            if len(seen) >= TARGET:
                break
    return list(seen)[:TARGET]


if __name__ == "__main__":
    passwords = generate()
    OUT.write_text("# Generated by tools/generate_common_passwords.py: refused as staff passwords.\n"
                   + "\n".join(passwords) + "\n", encoding="utf-8")
    print(f"wrote {len(passwords)} passwords to {OUT}")
