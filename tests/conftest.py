"""Fixtures every tier may use: the clinic profile and the wording catalog, loaded from clinic/.

Pure Python only: nothing here touches a database, spaCy, Rasa or the network, so the unit tests
(tests/unit) start nothing. The database fixtures are in tests/fixtures.py, re-exported by
tests/integration/conftest.py and tests/e2e/conftest.py; the running assistant (`stack`) is in
tests/e2e/conftest.py.

Each test is marked with its tier (unit, integration or e2e: the folder it lives in), so that
`pytest -m "not e2e"` works as well as `pytest tests/unit`.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.profile import load_profile
from bot.domain.wording import Wording, profile_facts
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def profile():
    return load_profile(PROJECT_ROOT / "clinic" / "profile.yml")


@pytest.fixture(scope="session")
def wording(profile):
    """The English wording catalog, as the App loads it."""
    return Wording.load(PROJECT_ROOT / "clinic" / "messages.en.yml", profile_facts(profile))


TIERS = ("unit", "integration", "e2e")
TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if TESTS_DIR in item.path.parents:
            tier = item.path.relative_to(TESTS_DIR).parts[0]
            if tier in TIERS:
                item.add_marker(tier)
