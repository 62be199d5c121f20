"""contacts_bulk_load: cheaper index maintenance on contacts and the ledger, staging carries new
contacts' ids and first consent events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Its per-row check doubled the cost of an import's events; contacts are never deleted.
    op.drop_constraint(
        "fk_consent_events_contact_id_contacts", "consent_events", type_="foreignkey"
    )
    # Nothing looks contacts up by the keyed hash (suppressions are matched from the contact).
    op.drop_index("ix_contacts_phone_hash", table_name="contacts")
    op.drop_index("ix_contacts_tags", table_name="contacts", postgresql_using="gin")
    op.create_index(
        "ix_contacts_tags",
        "contacts",
        ["tags"],
        unique=False,
        postgresql_using="gin",
        postgresql_where=sa.text("tags <> '{}'::text[]"),
    )
    # Staging is transient: a running import whose rows are gone stages its file again (the job
    # notices, as after a database crash), so the new NOT NULL column starts from an empty table.
    op.execute("DELETE FROM contact_import_rows")
    op.add_column("contact_import_rows", sa.Column("contact_id", sa.UUID(), nullable=False))
    op.add_column(
        "contact_import_rows",
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "contact_import_rows", sa.Column("event_digest", sa.String(length=64), nullable=True)
    )
    op.add_column(
        "contact_import_rows",
        sa.Column("event_digest_ineffective", sa.String(length=64), nullable=True),
    )


def downgrade() -> None:
    op.create_foreign_key(
        "fk_consent_events_contact_id_contacts",
        "consent_events",
        "contacts",
        ["contact_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.drop_column("contact_import_rows", "event_digest_ineffective")
    op.drop_column("contact_import_rows", "event_digest")
    op.drop_column("contact_import_rows", "event_at")
    op.drop_column("contact_import_rows", "contact_id")
    op.drop_index("ix_contacts_tags", table_name="contacts", postgresql_using="gin")
    op.create_index("ix_contacts_tags", "contacts", ["tags"], unique=False, postgresql_using="gin")
    op.create_index("ix_contacts_phone_hash", "contacts", ["phone_hash"], unique=False)
