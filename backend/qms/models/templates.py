from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from qms.db import Base, created_at_column, utcnow, uuid_pk


class MessageTemplate(Base):
    """A WhatsApp message template in one language. Language variants share `name`; `mode`
    (live | test) follows the WhatsApp connection the template belongs to. `components` is Meta's
    component JSON exactly as written or as the Cloud API returned it (imported templates
    round-trip, including parts the builder does not edit)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        Index(
            "uq_message_templates_workspace_id_mode_name_language",
            "workspace_id",
            "mode",
            "name",
            "language",
            unique=True,
        ),
        Index(
            "uq_message_templates_workspace_id_mode_meta_template_id",
            "workspace_id",
            "mode",
            "meta_template_id",
            unique=True,
            postgresql_where=text("meta_template_id IS NOT NULL"),
        ),
        # keyset pagination by recency
        Index(
            "ix_message_templates_workspace_id_mode_updated_at_id",
            "workspace_id",
            "mode",
            "updated_at",
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    parameter_format: Mapped[str] = mapped_column(
        String(16), default="positional", server_default="positional"
    )
    components: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")
    # QMS-only: which contact attribute fills which variable (see qms.templates.render).
    parameter_mapping: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    # DRAFT until submitted, then the status Meta reports.
    status: Mapped[str] = mapped_column(String(24), default="DRAFT", server_default="DRAFT")
    # When Meta reported the status held (webhook entry time or read time): older news is ignored.
    status_at: Mapped[datetime | None]
    # The last status event's extra information (event, other_info, disable_info).
    status_info: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    rejection_info: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    quality_score: Mapped[str | None] = mapped_column(String(16))
    quality_updated_at: Mapped[datetime | None]
    previous_category: Mapped[str | None] = mapped_column(String(16))
    meta_template_id: Mapped[str | None] = mapped_column(String(32))
    # The current version number (0: never submitted).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    submitted_at: Mapped[datetime | None]
    synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), default=utcnow, onupdate=utcnow
    )


class MessageTemplateVersion(Base):
    """What was submitted to Meta, each time: the first submission, every edit (Meta's edit
    endpoint), and content imported or refreshed from the WABA. Never rewritten, except the
    status of the current version, which follows the template's."""

    __tablename__ = "message_template_versions"
    __table_args__ = (
        Index(
            "uq_message_template_versions_template_id_version",
            "template_id",
            "version",
            unique=True,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("message_templates.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # submit | edit | import | sync
    category: Mapped[str] = mapped_column(String(16))
    parameter_format: Mapped[str] = mapped_column(String(16))
    components: Mapped[list[Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(24))
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    # The template's status when this edit was submitted: Meta's edit limits count edits of
    # APPROVED templates only.
    previous_status: Mapped[str | None] = mapped_column(String(24))
    submitted_by: Mapped[uuid.UUID | None]
    submitted_at: Mapped[datetime] = created_at_column()
