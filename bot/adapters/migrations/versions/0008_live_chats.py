"""live_chats and live_messages: conversations taken over by staff (issue #13, live takeover)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import bot.adapters.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = "status IN ('waiting', 'taken')"


def upgrade() -> None:
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("intake_id", sa.Integer(), sa.ForeignKey("intakes.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", bot.adapters.db.UTCDateTime(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
        sa.Column("taken_at", bot.adapters.db.UTCDateTime()),
        sa.Column("ended_at", bot.adapters.db.UTCDateTime()),
    )
    op.create_index("ix_live_chats_conversation_id", "live_chats", ["conversation_id"])
    op.create_index("uq_live_chats_open_conversation", "live_chats", ["conversation_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_table(
        "live_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.Integer(), sa.ForeignKey("live_chats.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
        sa.Column("author_name", sa.String(120)),
        sa.Column("text", sa.Text(), nullable=False),  # encrypted (EncryptedText)
        sa.Column("at", bot.adapters.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_live_messages_chat_id", "live_messages", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_live_messages_chat_id", table_name="live_messages")
    op.drop_table("live_messages")
    op.drop_index("uq_live_chats_open_conversation", table_name="live_chats")
    op.drop_index("ix_live_chats_conversation_id", table_name="live_chats")
    op.drop_table("live_chats")
