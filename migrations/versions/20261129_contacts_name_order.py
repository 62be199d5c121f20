"""contacts_name_order: the name order includes contacts without a name (sorted as an empty name)

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
    op.drop_index("ix_contacts_workspace_id_name_id", table_name="contacts")
    op.create_index(
        "ix_contacts_workspace_id_name_id",
        "contacts",
        ["workspace_id", sa.text("coalesce(name, '')"), "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_workspace_id_name_id", table_name="contacts")
    op.create_index(
        "ix_contacts_workspace_id_name_id", "contacts", ["workspace_id", "name", "id"], unique=False
    )
