from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from qms.db import Base, created_at_column, uuid_pk


class ContactImport(Base):
    """A CSV/XLSX contacts import: the uploaded file's description, the mapping and consent it
    was started with, live counters, and where a (re)started job picks up."""

    __tablename__ = "contact_imports"
    __table_args__ = (
        Index("ix_contact_imports_workspace_id_created_at", "workspace_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    created_by_user_id: Mapped[uuid.UUID | None]
    created_by_api_key_id: Mapped[uuid.UUID | None]
    # uploaded | queued | running | completed | failed
    status: Mapped[str] = mapped_column(String(16), default="uploaded", server_default="uploaded")
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    encoding: Mapped[str | None] = mapped_column(String(16))  # utf-8 | utf-16 | windows-1256
    delimiter: Mapped[str | None] = mapped_column(String(1))
    headers: Mapped[list[str]] = mapped_column(JSONB)
    preview: Mapped[list[list[str]]] = mapped_column(JSONB)
    total_rows: Mapped[int | None]
    processed_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    created: Mapped[int] = mapped_column(default=0, server_default="0")
    updated: Mapped[int] = mapped_column(default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    duplicates_in_file: Mapped[int] = mapped_column(default=0, server_default="0")
    errors: Mapped[int] = mapped_column(default=0, server_default="0")
    on_duplicate: Mapped[str | None] = mapped_column(String(8))
    consent_mode: Mapped[str | None] = mapped_column(String(8))
    mapping: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    started_by_user_id: Mapped[uuid.UUID | None]
    started_by_api_key_id: Mapped[uuid.UUID | None]
    # Where the job is: "staging" (reading the file into contact_import_rows, committed per
    # chunk up to staged_through_line), then "merging" (line-range batches into contacts; the
    # committed batch numbers are in merged_batches).
    phase: Mapped[str] = mapped_column(String(16), default="staging", server_default="staging")
    staged_through_line: Mapped[int] = mapped_column(default=0, server_default="0")
    staged_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    # the file's last line with data (known once staged): merge batches cover line ranges
    last_line: Mapped[int] = mapped_column(default=0, server_default="0")
    merged_batches: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default="{}"
    )
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class ContactImportError(Base):
    """One rejected row of an import (the downloadable error report)."""

    __tablename__ = "contact_import_errors"
    __table_args__ = (PrimaryKeyConstraint("import_id", "line"),)

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_imports.id", ondelete="CASCADE")
    )
    line: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)


class ContactImportRow(Base):
    """Staging for a running import: the file's valid rows, normalised, so duplicates within the
    whole file are resolved before anything touches `contacts`. Transient (deleted when the job
    ends) and UNLOGGED: no WAL for a million rows; a database crash empties it, which the job
    notices (staged_rows no longer matches) and stages again. No foreign key, on purpose: the
    per-row check would cost more than the load."""

    __tablename__ = "contact_import_rows"
    __table_args__ = (
        PrimaryKeyConstraint("import_id", "line"),
        {"prefixes": ["UNLOGGED"]},
    )

    import_id: Mapped[uuid.UUID]
    line: Mapped[int]
    phone: Mapped[str] = mapped_column(String(20))
    phone_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    # as given in the file; the inferred ones fill in for new contacts
    country: Mapped[str | None] = mapped_column(String(2))
    inferred_country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB)
    consent: Mapped[str | None] = mapped_column(String(16))  # opted_in | opted_out
    # Computed with the row (in the import's process pool), used if the number is new: the
    # contact's id and its first consent event's time and chain digests (effective, and not
    # effective for an opt-in that meets an active suppression).
    contact_id: Mapped[uuid.UUID]
    event_at: Mapped[datetime | None]
    event_digest: Mapped[str | None] = mapped_column(String(64))
    event_digest_ineffective: Mapped[str | None] = mapped_column(String(64))
    # a later line of the file has the same number (the last occurrence wins)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
