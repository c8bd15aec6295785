"""outbox: patient and clinic mail kept until sent; intakes.assigned_to_id (the front desk's owner)

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import bot.adapters.db

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        # recipient, subject, body and attachments are stored encrypted: ciphertext is long text.
        sa.Column("recipient", sa.Text()),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("next_attempt_at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("intake_id", sa.Integer(), sa.ForeignKey("intakes.id", ondelete="SET NULL")),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id", ondelete="SET NULL")),
        sa.Column("dedupe_key", sa.String(120), unique=True),
        sa.Column("created_at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", bot.adapters.db.UTCDateTime()),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    with op.batch_alter_table("intakes") as batch:
        batch.add_column(sa.Column("assigned_to_id", sa.Integer()))
        batch.create_foreign_key("fk_intakes_assigned_to", "staff_users", ["assigned_to_id"], ["id"],
                                 ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("intakes") as batch:
        batch.drop_constraint("fk_intakes_assigned_to", type_="foreignkey")
        batch.drop_column("assigned_to_id")
    op.drop_index("ix_outbox_status_next", table_name="outbox")
    op.drop_table("outbox")
