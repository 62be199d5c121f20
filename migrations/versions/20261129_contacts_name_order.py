"""contacts_name_order: the name order includes contacts without a name (sorted as an empty name);
list names unique per workspace

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new order's index is built beside the old one without locking the contacts table
    # (a million-row workspace takes seconds to index, and the contacts page must keep
    # answering); CONCURRENTLY runs outside a transaction. A build an earlier attempt left
    # invalid is dropped first.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_contacts_workspace_id_name_order")
        op.execute(
            "CREATE INDEX CONCURRENTLY ix_contacts_workspace_id_name_order"
            " ON contacts (workspace_id, coalesce(name, ''), id)"
        )
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_contacts_workspace_id_name_id")
        op.execute(
            "ALTER INDEX ix_contacts_workspace_id_name_order"
            " RENAME TO ix_contacts_workspace_id_name_id"
        )
    # Lists that already share a name keep it with the start of their id after it, which no
    # other list's name can already hold: "Ramadan (1a2b3c4d)".
    op.execute(
        """
        UPDATE contact_lists l SET name = left(l.name, 188) || ' (' || left(l.id::text, 8) || ')'
        FROM (
            SELECT id, row_number() OVER (
                PARTITION BY workspace_id, lower(name) ORDER BY created_at, id
            ) AS n
            FROM contact_lists
        ) d
        WHERE d.id = l.id AND d.n > 1
        """
    )
    op.create_index(
        "uq_contact_lists_workspace_id_name",
        "contact_lists",
        ["workspace_id", sa.text("lower(name)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_contact_lists_workspace_id_name", table_name="contact_lists")
    op.drop_index("ix_contacts_workspace_id_name_id", table_name="contacts")
    op.create_index(
        "ix_contacts_workspace_id_name_id", "contacts", ["workspace_id", "name", "id"], unique=False
    )
