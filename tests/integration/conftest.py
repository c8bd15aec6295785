"""Integration tests: the database (SQLite and PostgreSQL), SMTP, Rasa components, the spaCy
pipeline, Starlette TestClient apps and the actions against a database. Nothing here needs the
trained model or the running assistant (those are tests/e2e)."""
from tests.fixtures import app, database_url, db, engine  # noqa: F401  (the database fixtures)
