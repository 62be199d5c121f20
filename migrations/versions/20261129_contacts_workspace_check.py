"""contacts_workspace_check: contacts' workspace reference checked once per statement instead of
once per row; the ledger's unused workspace index dropped

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the foreign key contacts.workspace_id -> workspaces.id ON DELETE CASCADE guaranteed, at
# statement granularity: a foreign key runs one lookup per inserted row, a third of the cost of
# inserting a contact in a million-row import. The inserted rows' workspaces are looked up (and,
# like a foreign key does, locked against deletion until the transaction ends) once per
# statement; a contact never moves to another workspace; deleting a workspace deletes its
# contacts (after the row is gone, so contacts committed by a transaction it waited for go too).
STATEMENTS = (
    """
CREATE FUNCTION contacts_workspace_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    PERFORM 1 FROM workspaces w
    WHERE w.id IN (SELECT DISTINCT n.workspace_id FROM new_contacts n)
    FOR KEY SHARE OF w;
    SELECT n.workspace_id INTO missing
    FROM (SELECT DISTINCT workspace_id FROM new_contacts) n
    WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = n.workspace_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'contacts.workspace_id % is not a workspace', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION contacts_workspace_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.workspace_id IS DISTINCT FROM OLD.workspace_id THEN
        RAISE EXCEPTION 'a contact stays in its workspace' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$
""",
    """
CREATE FUNCTION workspaces_delete_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contacts WHERE workspace_id = OLD.id;
    RETURN NULL;
END $$
""",
    "CREATE TRIGGER contacts_workspace_exists AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS new_contacts"
    " FOR EACH STATEMENT EXECUTE FUNCTION contacts_workspace_exists()",
    "CREATE TRIGGER contacts_workspace_fixed BEFORE UPDATE OF workspace_id ON contacts"
    " FOR EACH ROW EXECUTE FUNCTION contacts_workspace_fixed()",
    "CREATE TRIGGER workspaces_delete_contacts AFTER DELETE ON workspaces"
    " FOR EACH ROW EXECUTE FUNCTION workspaces_delete_contacts()",
)


def upgrade() -> None:
    op.drop_constraint("fk_contacts_workspace_id_workspaces", "contacts", type_="foreignkey")
    for statement in STATEMENTS:
        op.execute(statement)
    # Nothing reads the ledger by workspace (it is read per contact); each event paid for it.
    op.drop_index("ix_consent_events_workspace_id", table_name="consent_events")


def downgrade() -> None:
    op.create_index("ix_consent_events_workspace_id", "consent_events", ["workspace_id"])
    op.execute("DROP TRIGGER workspaces_delete_contacts ON workspaces")
    op.execute("DROP TRIGGER contacts_workspace_fixed ON contacts")
    op.execute("DROP TRIGGER contacts_workspace_exists ON contacts")
    op.execute("DROP FUNCTION workspaces_delete_contacts()")
    op.execute("DROP FUNCTION contacts_workspace_fixed()")
    op.execute("DROP FUNCTION contacts_workspace_exists()")
    op.create_foreign_key(
        "fk_contacts_workspace_id_workspaces",
        "contacts",
        "workspaces",
        ["workspace_id"],
        ["id"],
        ondelete="CASCADE",
    )
