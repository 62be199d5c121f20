from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from qms.db import Base, created_at_column, utcnow, uuid7, uuid_pk

# The empty tag list, inlined as the partial tags index's condition (`tags <> '{}'`) spells it:
# a bound parameter would not let the planner prove a query implies that condition.
TAGGED_NONE = literal_column("'{}'::text[]", ARRAY(Text))


class Contact(Base):
    """A person a workspace may message. Current consent per purpose is denormalised from the
    consent ledger (the latest effective event) for fast filtering."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("uq_contacts_workspace_id_phone", "workspace_id", "phone", unique=True),
        # keyset pagination: newest first, and by name
        Index("ix_contacts_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        # By name, nameless contacts first (as an empty name): keyset needs a value on every row.
        Index("ix_contacts_workspace_id_name_id", "workspace_id", text("coalesce(name, '')"), "id"),
        # Most contacts have no tags: only tagged ones are indexed (the tag filter says so too).
        Index(
            "ix_contacts_tags",
            "tags",
            postgresql_using="gin",
            postgresql_where=text("tags <> '{}'::text[]"),
        ),
        Index(
            "ix_contacts_search",
            text("(coalesce(name, '') || ' ' || coalesce(phone, '')) gin_trgm_ops"),
            postgresql_using="gin",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk(uuid7)
    # The workspace reference is checked by statement-level triggers (migration 0007) rather than
    # a foreign key, whose per-row lookup was a third of an import's cost per contact.
    workspace_id: Mapped[uuid.UUID]
    # E.164; NULL once erased (the keyed hash stays for the suppression list and the ledger).
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    marketing_consent: Mapped[str] = mapped_column(
        String(16), default="none", server_default="none"
    )
    utility_consent: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    # Meta's user_preferences stop: a platform flag, separate from our own consent.
    platform_marketing_stop: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), default=utcnow, onupdate=utcnow
    )
    erased_at: Mapped[datetime | None]


class ContactField(Base):
    """A typed custom field defined by the workspace."""

    __tablename__ = "contact_fields"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))  # text | number | date | boolean
    created_at: Mapped[datetime] = created_at_column()


class ContactList(Base):
    __tablename__ = "contact_lists"
    # Lists are picked by name (filters, bulk actions): two of one name could not be told apart.
    __table_args__ = (
        Index(
            "uq_contact_lists_workspace_id_name", "workspace_id", text("lower(name)"), unique=True
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class ListMember(Base):
    __tablename__ = "contact_list_members"

    list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_lists.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = created_at_column()


class Segment(Base):
    """A saved filter, evaluated at send time."""

    __tablename__ = "segments"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()


class ConsentEvent(Base):
    """Append-only (database trigger). Each contact's events form a chain: `digest` is an HMAC
    (key outside the database) over a canonical record that holds personal data only as keyed
    digests, so erasure can blank `ip`/`user_agent` without breaking the chain."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("uq_consent_events_contact_id_seq", "contact_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[uuid.UUID]
    # No foreign key: its per-row check would double the cost of an import's million events.
    # The ledger appends only for contacts it has just locked or inserted, and contacts are
    # never deleted (erasure blanks them, and the events stay).
    contact_id: Mapped[uuid.UUID]
    seq: Mapped[int]
    purpose: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str | None] = mapped_column(Text)
    # Whether it changed the contact's consent (a third-party opt-in never lifts a suppression).
    effective: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    phone_digest: Mapped[str] = mapped_column(String(64))
    ip_digest: Mapped[str | None] = mapped_column(String(64))
    user_agent_digest: Mapped[str | None] = mapped_column(String(64))
    actor_user_id: Mapped[uuid.UUID | None]
    actor_api_key_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
    prev_digest: Mapped[str | None] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class Suppression(Base):
    """A number that must not be messaged for a purpose, kept as a keyed hash so it survives the
    contact's erasure and blocks a later re-import."""

    __tablename__ = "suppressions"
    __table_args__ = (
        Index(
            "uq_suppressions_active",
            "workspace_id",
            "purpose",
            "phone_hash",
            unique=True,
            postgresql_where=text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    phone_hash: Mapped[str] = mapped_column(String(64))
    # Last digits only, so people can recognise an entry after the contact is erased.
    phone_hint: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    lifted_at: Mapped[datetime | None]
    lifted_by_event_id: Mapped[int | None]


class OptInRequest(Base):
    """A form opt-in for a suppressed number: waits until an inbound START from that number
    confirms it (typing someone's number into a form proves nothing)."""

    __tablename__ = "optin_requests"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class ConsentKeyword(Base):
    __tablename__ = "consent_keywords"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True)  # normalised
    kind: Mapped[str] = mapped_column(String(8))  # opt_out | opt_in
