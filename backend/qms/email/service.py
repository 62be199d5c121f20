"""Transactional email through an outbox: the row is written in the caller's transaction and a
job delivers it after commit (SMTP when configured; in development the dev outbox shows it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from qms.config import Settings
from qms.db import enqueue_after_commit
from qms.models import OutboxEmail
from qms.security.crypto import Keyring

log = structlog.get_logger(__name__)


def _aad(email_id: uuid.UUID) -> str:
    return f"email:{email_id}"


async def queue_email(
    session: AsyncSession, keyring: Keyring, *, to: str, subject: str, body: str
) -> OutboxEmail:
    email_id = uuid.uuid4()
    email = OutboxEmail(
        id=email_id,
        to_address=to,
        subject=subject,
        body_encrypted=keyring.encrypt_text(body, _aad(email_id)),
    )
    session.add(email)
    enqueue_after_commit(session, "deliver_email", str(email_id))
    return email


def read_body(keyring: Keyring, email: OutboxEmail) -> str | None:
    if email.body_encrypted is None:
        return None
    return keyring.decrypt_text(email.body_encrypted, _aad(email.id))


async def deliver(
    session: AsyncSession, keyring: Keyring, settings: Settings, email_id: uuid.UUID
) -> bool:
    """Send one mail. False means it failed and should be retried; the failure (attempts, last
    error) is recorded in the caller's transaction, which commits either way."""
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.id == email_id).with_for_update(skip_locked=True)
    )
    if email is None or email.sent_at is not None or email.body_encrypted is None:
        return True
    if settings.smtp_host is None:
        if settings.is_production:
            log.warning("email_not_sent_no_smtp", email_id=str(email.id))
        return True  # development: the dev outbox page shows it
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(read_body(keyring, email) or "")
    email.attempts += 1
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        email.last_error = type(exc).__name__
        log.warning(
            "email_send_failed",
            email_id=str(email.id),
            error=email.last_error,
            attempts=email.attempts,
        )
        return False
    email.sent_at = datetime.now(UTC)
    email.body_encrypted = None  # the one-time link is no longer kept once delivered
    return True


async def unsent_email_ids(session: AsyncSession, max_attempts: int = 10) -> list[uuid.UUID]:
    """Mails still waiting after their retries ran out (e.g. a long SMTP outage)."""
    rows = await session.scalars(
        select(OutboxEmail.id)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.body_encrypted.is_not(None),
            OutboxEmail.attempts < max_attempts,
            OutboxEmail.created_at > func.now() - text("interval '3 days'"),
        )
        .limit(1000)
    )
    return list(rows)
