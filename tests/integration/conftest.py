"""Integration tests: the database (SQLite and PostgreSQL), SMTP, Rasa components, the spaCy
pipeline, Starlette TestClient apps and the actions against a database. Nothing here needs the
trained model or the running assistant (those are tests/e2e)."""
import pytest

from bot.services.staff_accounts import unknown_email_failures
from tests.fixtures import app, database_url, db, engine  # noqa: F401  (the database fixtures)


@pytest.fixture(autouse=True)
def _fresh_unknown_email_counts():
    """Sign-in failures for unknown addresses are counted per process: each test starts at none."""
    unknown_email_failures.clear()
    yield
    unknown_email_failures.clear()
