"""whatsapp_connection

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 20:36:11.715591
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meta_webhook_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meta_webhook_events")),
    )
    op.create_index(
        "ix_meta_webhook_events_pending",
        "meta_webhook_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "meta_webhook_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta_webhook_keys")),
    )
    op.create_table(
        "whatsapp_message_statuses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=True),
        sa.Column("phone_number_id", sa.String(length=32), nullable=True),
        sa.Column("wamid", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("error_title", sa.Text(), nullable=True),
        sa.Column("callback_data", sa.String(length=512), nullable=True),
        sa.Column("pricing", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_message_statuses")),
    )
    op.create_index(
        op.f("ix_whatsapp_message_statuses_workspace_id"),
        "whatsapp_message_statuses",
        ["workspace_id"],
        unique=False,
    )
    op.create_index(
        "uq_whatsapp_message_statuses_wamid_status",
        "whatsapp_message_statuses",
        ["wamid", "status"],
        unique=True,
    )
    op.create_table(
        "whatsapp_connections",
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("waba_id", sa.String(length=32), nullable=False),
        sa.Column("access_token_encrypted", sa.Text(), nullable=False),
        sa.Column("token_hint", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column(
            "connected_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_whatsapp_connections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "mode", name=op.f("pk_whatsapp_connections")),
    )
    op.create_index(
        "uq_whatsapp_connections_waba_id", "whatsapp_connections", ["waba_id"], unique=True
    )
    op.create_table(
        "whatsapp_phone_numbers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("display_phone_number", sa.String(length=32), nullable=True),
        sa.Column("verified_name", sa.String(length=200), nullable=True),
        sa.Column("quality_rating", sa.String(length=16), nullable=True),
        sa.Column("throughput_level", sa.String(length=32), nullable=True),
        sa.Column("messaging_limit", sa.String(length=32), nullable=True),
        sa.Column(
            "refreshed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_whatsapp_phone_numbers_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_phone_numbers")),
        sa.UniqueConstraint(
            "phone_number_id", name=op.f("uq_whatsapp_phone_numbers_phone_number_id")
        ),
    )
    op.create_index(
        op.f("ix_whatsapp_phone_numbers_workspace_id"),
        "whatsapp_phone_numbers",
        ["workspace_id"],
        unique=False,
    )
    op.add_column(
        "api_keys", sa.Column("mode", sa.String(length=8), server_default="live", nullable=False)
    )
    op.add_column(
        "workspaces", sa.Column("test_mode", sa.Boolean(), server_default="false", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("workspaces", "test_mode")
    op.drop_column("api_keys", "mode")
    op.drop_index(
        op.f("ix_whatsapp_phone_numbers_workspace_id"), table_name="whatsapp_phone_numbers"
    )
    op.drop_table("whatsapp_phone_numbers")
    op.drop_index("uq_whatsapp_connections_waba_id", table_name="whatsapp_connections")
    op.drop_table("whatsapp_connections")
    op.drop_index(
        "uq_whatsapp_message_statuses_wamid_status", table_name="whatsapp_message_statuses"
    )
    op.drop_index(
        op.f("ix_whatsapp_message_statuses_workspace_id"), table_name="whatsapp_message_statuses"
    )
    op.drop_table("whatsapp_message_statuses")
    op.drop_table("meta_webhook_keys")
    op.drop_index(
        "ix_meta_webhook_events_pending",
        table_name="meta_webhook_events",
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.drop_table("meta_webhook_events")
