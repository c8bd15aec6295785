"""Encryption at rest: health and contact columns become encrypted text; references, phones and
e-mails get keyed-hash columns to be found by; existing rows (Rasa's tracker events included) are
encrypted in place

Revision ID: 0004
Revises: 0003

The keys come from the caller (`upgrade(url, cipher)`) or, failing that, from the settings
(DATA_KEYS, LOOKUP_KEY); they are needed only when there are rows to convert.
"""
import sqlalchemy as sa
from alembic import context, op

from bot.adapters.encryption import DataCipher, Lookup
from bot.settings import load_settings

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The columns as this revision found them: (table, column, type before, nullable).
ENCRYPTED = (
    ("contacts", "name", sa.String(200), False),
    ("contacts", "phone", sa.String(40), True),
    ("contacts", "email", sa.String(254), True),
    ("appointments", "reference", sa.String(16), False),
    ("screening_answers", "answer", sa.JSON(), False),
    ("screening_answers", "flags", sa.JSON(), False),
    ("callback_requests", "name", sa.String(200), True),
    ("callback_requests", "phone", sa.String(40), True),
    ("callback_requests", "best_time", sa.String(200), True),
    ("alerts", "message", sa.Text(), False),
    ("alerts", "callback_phone", sa.String(40), True),
    ("staff_notes", "text", sa.Text(), False),
)
# Rasa's tracker store (not ours, may be missing): the serialised events, and two columns that
# repeat what they hold (the intent and action names), no longer kept.
EVENTS = "events"
EVENTS_CLEARED = ("intent_name", "action_name")
HASHES = (("contacts", "phone", "phone_hash", Lookup.PHONE), ("contacts", "email", "email_hash", Lookup.EMAIL),
          ("appointments", "reference", "reference_hash", Lookup.REFERENCE))
HASH = sa.String(64)


def _cipher() -> DataCipher:
    given = context.config.attributes.get("data_cipher")
    return given or DataCipher.from_settings(load_settings())


def _tables() -> dict:
    tables: dict = {}
    for table, column, _type, _nullable in ENCRYPTED:
        tables.setdefault(table, []).append(column)
    return tables


def _convert_rows(bind, table: str, columns, convert) -> None:
    """Apply `convert` to every non-null value of `columns`, row by row (keys asked for lazily)."""
    cols = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in columns))
    for row in bind.execute(sa.select(cols)).mappings().all():
        values = {c: convert(row[c]) for c in columns if row[c] is not None}
        if values:
            bind.execute(cols.update().where(cols.c.id == row["id"]).values(**values))


class _LazyCipher:
    def __init__(self):
        self._cipher = None

    def __call__(self) -> DataCipher:
        self._cipher = self._cipher or _cipher()
        return self._cipher


def _retype(table: str, columns, to_text: bool) -> None:
    found = {(t, c): (old, nullable) for t, c, old, nullable in ENCRYPTED if t == table}
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table(table) as batch:
        for column in columns:
            old, nullable = found[(table, column)]
            new, current = (sa.Text(), old) if to_text else (old, sa.Text())
            using = {}
            if dialect == "postgresql" and isinstance(old, sa.JSON):  # json <-> text needs a cast
                using = {"postgresql_using": f"{column}::{'text' if to_text else 'json'}"}
            batch.alter_column(column, type_=new, existing_type=current, existing_nullable=nullable, **using)


def _reference_unique(keep: bool) -> None:
    """Drop (or restore) the unique constraint on the plain reference (0001 left it unnamed)."""
    if op.get_bind().dialect.name == "postgresql":
        if keep:
            op.create_unique_constraint("appointments_reference_key", "appointments", ["reference"])
        else:
            op.drop_constraint("appointments_reference_key", "appointments", type_="unique")
        return
    convention = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with op.batch_alter_table("appointments", naming_convention=convention, recreate="always") as batch:
        if keep:
            batch.create_unique_constraint("uq_appointments_reference", ["reference"])
        else:
            batch.drop_constraint("uq_appointments_reference", type_="unique")


def upgrade() -> None:
    bind = op.get_bind()
    cipher = _LazyCipher()
    _reference_unique(keep=False)
    for table, columns in _tables().items():
        _retype(table, columns, to_text=True)
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("phone_hash", HASH))
        batch.add_column(sa.Column("email_hash", HASH))
        batch.create_index("ix_contacts_phone_hash", ["phone_hash"])
        batch.create_index("ix_contacts_email_hash", ["email_hash"])
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("reference_hash", HASH))
    for table, column, hash_column, kind in HASHES:
        cols = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text), sa.column(hash_column, HASH))
        for row in bind.execute(sa.select(cols.c.id, cols.c[column])).all():
            if row[1] is not None:
                bind.execute(cols.update().where(cols.c.id == row[0])
                             .values({hash_column: cipher().lookup_hash(kind, row[1])}))
    with op.batch_alter_table("appointments") as batch:
        batch.alter_column("reference_hash", existing_type=HASH, nullable=False)
        batch.create_unique_constraint("uq_appointments_reference_hash", ["reference_hash"])
    for table, columns in _tables().items():
        _convert_rows(bind, table, columns, lambda value: cipher().encrypt(value))
    if sa.inspect(bind).has_table(EVENTS):
        _convert_rows(bind, EVENTS, ["data"], lambda value: cipher().encrypt(value))
        events = sa.table(EVENTS, *(sa.column(c, sa.String) for c in EVENTS_CLEARED))
        bind.execute(events.update().values({c: None for c in EVENTS_CLEARED}))


def downgrade() -> None:
    """Decrypt everything back to plain text (the keys are needed when there are rows)."""
    bind = op.get_bind()
    cipher = _LazyCipher()
    if sa.inspect(bind).has_table(EVENTS):
        _convert_rows(bind, EVENTS, ["data"], lambda value: cipher().decrypt(value))
    for table, columns in _tables().items():
        _convert_rows(bind, table, columns, lambda value: cipher().decrypt(value))
    with op.batch_alter_table("appointments") as batch:
        batch.drop_constraint("uq_appointments_reference_hash", type_="unique")
        batch.drop_column("reference_hash")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_email_hash")
        batch.drop_index("ix_contacts_phone_hash")
        batch.drop_column("email_hash")
        batch.drop_column("phone_hash")
    for table, columns in _tables().items():
        _retype(table, columns, to_text=False)
    _reference_unique(keep=True)
