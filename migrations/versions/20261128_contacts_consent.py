"""contacts_consent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:56:06.482068
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The consent ledger is append-only like the audit log; the one permitted change is erasure
# blanking the personal fields (IP, user agent) of one contact's events, recognised by the call
# stack. The chain stays verifiable: it covers keyed digests of those fields, not the fields.
CONSENT_APPEND_ONLY = [
    """
CREATE FUNCTION consent_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE stack text;
BEGIN
    GET DIAGNOSTICS stack = PG_CONTEXT;
    IF TG_OP = 'UPDATE'
       AND stack LIKE '%function consent_blank_personal_data(uuid) line%'
       AND NEW.ip IS NULL AND NEW.user_agent IS NULL
       AND (NEW.id, NEW.workspace_id, NEW.contact_id, NEW.seq, NEW.purpose, NEW.status,
            NEW.source, NEW.source_ref, NEW.evidence, NEW.effective, NEW.phone_digest,
            NEW.ip_digest, NEW.user_agent_digest, NEW.actor_user_id, NEW.actor_api_key_id,
            NEW.occurred_at, NEW.prev_digest, NEW.digest)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.workspace_id, OLD.contact_id, OLD.seq, OLD.purpose, OLD.status,
            OLD.source, OLD.source_ref, OLD.evidence, OLD.effective, OLD.phone_digest,
            OLD.ip_digest, OLD.user_agent_digest, OLD.actor_user_id, OLD.actor_api_key_id,
            OLD.occurred_at, OLD.prev_digest, OLD.digest) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
""",
    """
CREATE TRIGGER consent_events_append_only
    BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_guard()
""",
    """
CREATE TRIGGER consent_events_no_truncate
    BEFORE TRUNCATE ON consent_events
    FOR EACH STATEMENT EXECUTE FUNCTION consent_events_guard()
""",
    """
CREATE FUNCTION consent_blank_personal_data(p_contact_id uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    UPDATE consent_events SET ip = NULL, user_agent = NULL
     WHERE contact_id = p_contact_id AND (ip IS NOT NULL OR user_agent IS NOT NULL);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$
""",
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "consent_keywords",
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_consent_keywords_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "keyword", name=op.f("pk_consent_keywords")),
    )
    op.create_table(
        "contact_fields",
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_fields_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "key", name=op.f("pk_contact_fields")),
    )
    op.create_table(
        "contact_lists",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_lists_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_lists")),
    )
    op.create_index(
        op.f("ix_contact_lists_workspace_id"), "contact_lists", ["workspace_id"], unique=False
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "fields", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("marketing_consent", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("utility_consent", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("platform_marketing_stop", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
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
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contacts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_phone_hash"), "contacts", ["phone_hash"], unique=False)
    op.execute(
        "CREATE INDEX ix_contacts_search ON contacts USING gin "
        "((coalesce(name, '') || ' ' || coalesce(phone, '')) gin_trgm_ops)"
    )
    op.create_index("ix_contacts_tags", "contacts", ["tags"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_contacts_workspace_id_created_at_id",
        "contacts",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_contacts_workspace_id_name_id", "contacts", ["workspace_id", "name", "id"], unique=False
    )
    op.create_index(
        "uq_contacts_workspace_id_phone", "contacts", ["workspace_id", "phone"], unique=True
    )
    op.create_table(
        "segments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_segments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
    )
    op.create_index(op.f("ix_segments_workspace_id"), "segments", ["workspace_id"], unique=False)
    op.create_table(
        "suppressions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_hint", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_suppressions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    op.create_index(
        "uq_suppressions_active",
        "suppressions",
        ["workspace_id", "purpose", "phone_hash"],
        unique=True,
        postgresql_where=sa.text("lifted_at IS NULL"),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("ip_digest", sa.String(length=64), nullable=True),
        sa.Column("user_agent_digest", sa.String(length=64), nullable=True),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column("actor_api_key_id", sa.UUID(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_digest", sa.String(length=64), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_consent_events_contact_id_contacts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        op.f("ix_consent_events_workspace_id"), "consent_events", ["workspace_id"], unique=False
    )
    op.create_index(
        "uq_consent_events_contact_id_seq", "consent_events", ["contact_id", "seq"], unique=True
    )
    op.create_table(
        "contact_list_members",
        sa.Column("list_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_list_members_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["contact_lists.id"],
            name=op.f("fk_contact_list_members_list_id_contact_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "contact_id", name=op.f("pk_contact_list_members")),
    )
    op.create_index(
        op.f("ix_contact_list_members_contact_id"),
        "contact_list_members",
        ["contact_id"],
        unique=False,
    )
    op.create_table(
        "optin_requests",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_optin_requests_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_optin_requests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optin_requests")),
    )
    op.create_index(
        op.f("ix_optin_requests_phone_hash"), "optin_requests", ["phone_hash"], unique=False
    )
    for statement in CONSENT_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_optin_requests_phone_hash"), table_name="optin_requests")
    op.drop_table("optin_requests")
    op.drop_index(op.f("ix_contact_list_members_contact_id"), table_name="contact_list_members")
    op.drop_table("contact_list_members")
    op.drop_index("uq_consent_events_contact_id_seq", table_name="consent_events")
    op.drop_index(op.f("ix_consent_events_workspace_id"), table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index(
        "uq_suppressions_active",
        table_name="suppressions",
        postgresql_where=sa.text("lifted_at IS NULL"),
    )
    op.drop_table("suppressions")
    op.drop_index(op.f("ix_segments_workspace_id"), table_name="segments")
    op.drop_table("segments")
    op.drop_index("uq_contacts_workspace_id_phone", table_name="contacts")
    op.drop_index("ix_contacts_workspace_id_name_id", table_name="contacts")
    op.drop_index("ix_contacts_workspace_id_created_at_id", table_name="contacts")
    op.drop_index("ix_contacts_tags", table_name="contacts", postgresql_using="gin")
    op.drop_index("ix_contacts_search", table_name="contacts", postgresql_using="gin")
    op.drop_index(op.f("ix_contacts_phone_hash"), table_name="contacts")
    op.drop_table("contacts")
    op.drop_index(op.f("ix_contact_lists_workspace_id"), table_name="contact_lists")
    op.drop_table("contact_lists")
    op.drop_table("contact_fields")
    op.drop_table("consent_keywords")
    op.execute("DROP FUNCTION IF EXISTS consent_events_guard()")
    op.execute("DROP FUNCTION IF EXISTS consent_blank_personal_data(uuid)")
