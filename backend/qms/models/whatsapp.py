from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from qms.db import Base, created_at_column, utcnow, uuid_pk


class WhatsAppConnection(Base):
    """A workspace's WhatsApp Business Account. `mode` live talks to Meta, test to the simulator;
    a workspace can hold one of each."""

    __tablename__ = "whatsapp_connections"
    __table_args__ = (
        # Webhooks are routed by WABA id: one active connection per WABA.
        Index("uq_whatsapp_connections_waba_id", "waba_id", unique=True),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    waba_id: Mapped[str] = mapped_column(String(32))
    # AES-GCM, associated data = workspace id: never stored or logged in clear.
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    token_hint: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), default=utcnow, onupdate=utcnow
    )


class WhatsAppPhoneNumber(Base):
    __tablename__ = "whatsapp_phone_numbers"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(8))
    phone_number_id: Mapped[str] = mapped_column(String(32), unique=True)
    display_phone_number: Mapped[str | None] = mapped_column(String(32))
    verified_name: Mapped[str | None] = mapped_column(String(200))
    quality_rating: Mapped[str | None] = mapped_column(String(16))
    throughput_level: Mapped[str | None] = mapped_column(String(32))
    messaging_limit: Mapped[str | None] = mapped_column(String(32))
    refreshed_at: Mapped[datetime] = created_at_column()


class MetaWebhookEvent(Base):
    """A raw webhook POST from Meta, stored before answering 200 (Meta keeps no history)."""

    __tablename__ = "meta_webhook_events"
    __table_args__ = (
        Index(
            "ix_meta_webhook_events_pending", "id", postgresql_where=text("processed_at IS NULL")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    received_at: Mapped[datetime] = created_at_column()
    body: Mapped[str] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class MetaWebhookKey(Base):
    """Natural keys of changes already applied (wamid+status, template id+event, inbound message
    id...): Meta resends the same change inside different batches."""

    __tablename__ = "meta_webhook_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class MessageStatusEvent(Base):
    """Delivery receipts from status webhooks, one row per (wamid, status)."""

    __tablename__ = "whatsapp_message_statuses"
    __table_args__ = (
        Index("uq_whatsapp_message_statuses_wamid_status", "wamid", "status", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(32))
    wamid: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    error_code: Mapped[int | None]
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_title: Mapped[str | None] = mapped_column(Text)
    callback_data: Mapped[str | None] = mapped_column(String(512))
    pricing: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
