"""alerts.callback_phone: the number the visitor left during an emergency, for staff to call

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import bot.adapters.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("callback_phone", sa.String(40)))
        batch.add_column(sa.Column("updated_at", bot.adapters.db.UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("callback_phone")
