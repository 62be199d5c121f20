"""contact_imports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:17:36.352558
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_imports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        sa.Column("created_by_api_key_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="uploaded", nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_type", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("delimiter", sa.String(length=1), nullable=True),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("preview", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("processed_rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("duplicates_in_file", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("on_duplicate", sa.String(length=8), nullable=True),
        sa.Column("consent_mode", sa.String(length=8), nullable=True),
        sa.Column("mapping", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("consent", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("started_by_user_id", sa.UUID(), nullable=True),
        sa.Column("started_by_api_key_id", sa.UUID(), nullable=True),
        sa.Column("phase", sa.String(length=16), server_default="staging", nullable=False),
        sa.Column("staged_through_line", sa.Integer(), server_default="0", nullable=False),
        sa.Column("staged_rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_line", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "merged_batches", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_imports_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_imports")),
    )
    op.create_index(
        "ix_contact_imports_workspace_id_created_at",
        "contact_imports",
        ["workspace_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "contact_import_errors",
        sa.Column("import_id", sa.UUID(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["contact_imports.id"],
            name=op.f("fk_contact_import_errors_import_id_contact_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "line", name=op.f("pk_contact_import_errors")),
    )
    # Staging for running imports: UNLOGGED (no WAL for a million transient rows; emptied by a
    # database crash, which the job detects and stages again) and without a foreign key.
    op.create_table(
        "contact_import_rows",
        sa.Column("import_id", sa.UUID(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("inferred_country", sa.String(length=2), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=True),
        sa.Column("superseded", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("import_id", "line", name=op.f("pk_contact_import_rows")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("contact_import_rows")
    op.drop_table("contact_import_errors")
    op.drop_index("ix_contact_imports_workspace_id_created_at", table_name="contact_imports")
    op.drop_table("contact_imports")
