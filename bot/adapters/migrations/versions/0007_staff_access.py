"""staff access (#11.3): roles, disabled accounts, TOTP, server-side sessions, recovery codes, and
the audit log rebuilt as a hash chain (seq, prev_hash, row_hash, ip, outcome; intake_id no longer a
foreign key, so erasing an intake leaves its entries as written)

Revision ID: 0007
Revises: 0006
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import bot.adapters.db
from bot.domain.audit_chain import GENESIS, ChainedEntry, entry_hash

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = timezone.utc  # noqa: UP017 (Python 3.10)


def _create_audit_table() -> sa.Table:
    return op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id")),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("intake_id", sa.Integer()),
        sa.Column("detail", sa.Text()),
        sa.Column("ip", sa.String(64)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
    )


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="staff"))
        batch.add_column(sa.Column("disabled_at", bot.adapters.db.UTCDateTime()))
        batch.add_column(sa.Column("totp_secret", sa.Text()))  # encrypted (EncryptedText)
        batch.add_column(sa.Column("totp_enabled_at", bot.adapters.db.UTCDateTime()))
        batch.add_column(sa.Column("totp_last_step", sa.Integer()))
    op.execute("UPDATE staff_users SET role = 'admin' WHERE is_admin")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("is_admin")

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("verified_at", bot.adapters.db.UTCDateTime()),
        sa.Column("reauthenticated_at", bot.adapters.db.UTCDateTime()),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(255)),
        sa.Column("revoked_at", bot.adapters.db.UTCDateTime()),
    )
    op.create_index("ix_staff_sessions_staff_user_id", "staff_sessions", ["staff_user_id"])
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", bot.adapters.db.UTCDateTime()),
        sa.UniqueConstraint("staff_user_id", "code_hash"),
    )

    # The audit log: read the old entries, rebuild the table, write them back chained in id order.
    bind = op.get_bind()
    old = sa.Table("audit_log", sa.MetaData(), autoload_with=bind)
    rows = bind.execute(sa.select(old).order_by(old.c.id)).mappings().all()
    op.drop_table("audit_log")
    new = _create_audit_table()
    prev = GENESIS
    chained = []
    for seq, row in enumerate(rows, start=1):
        at = row["at"]
        if isinstance(at, str):  # SQLite reflected without the type decorator
            at = datetime.fromisoformat(at)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        entry = ChainedEntry(seq, at, row["staff_user_id"], row["action"], row["intake_id"],
                             row["detail"], None, "ok")
        row_hash = entry_hash(prev, entry)
        chained.append({"id": row["id"], "seq": seq, "staff_user_id": row["staff_user_id"],
                        "action": row["action"], "intake_id": row["intake_id"], "detail": row["detail"],
                        "ip": None, "outcome": "ok", "at": at, "prev_hash": prev, "row_hash": row_hash})
        prev = row_hash
    if chained:
        bind.execute(new.insert(), chained)
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
                                 "(SELECT max(id) FROM audit_log))"))


def downgrade() -> None:
    op.drop_table("staff_recovery_codes")
    op.drop_index("ix_staff_sessions_staff_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("audit_log") as batch:
        for column in ("seq", "ip", "outcome", "prev_hash", "row_hash"):
            batch.drop_column(column)
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE staff_users SET is_admin = (role = 'admin')")
    with op.batch_alter_table("staff_users") as batch:
        for column in ("role", "disabled_at", "totp_secret", "totp_enabled_at", "totp_last_step"):
            batch.drop_column(column)
