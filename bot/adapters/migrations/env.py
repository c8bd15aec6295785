"""Alembic environment: the URL comes from bot.settings unless the caller passes a connection."""
from logging.config import fileConfig

from alembic import context

from bot.adapters.db import make_engine
from bot.adapters.models import Base
from bot.settings import load_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Rasa's tracker store keeps its own `events` table in the same database; Alembic leaves it alone.
OWN_TABLES = set(Base.metadata.tables)


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and reflected and name not in OWN_TABLES)


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # A batch migration copies a table and drops the old one: with foreign keys on, the drop
            # would set null or delete the rows that point at it. Off before the transaction begins.
            conn.connection.cursor().execute("PRAGMA foreign_keys=OFF")
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
