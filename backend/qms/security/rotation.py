"""Re-encrypt every stored secret with the active key, without downtime.

Procedure: put a new key first in QMS_ENCRYPTION_KEYS (keep the old ones after it), restart;
the app now encrypts with the new key and still reads the old. Run `qms rotate-keys`, then drop
the old key. Rows are rewritten in batches with one set-based UPDATE each, and only where the
ciphertext is still the one read (a concurrent write wins)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from qms.security.crypto import Keyring


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    key: str  # primary-key column used to address rows
    column: str
    aad: Callable[[Any], str]  # associated data from the key value (what the writer used)


ENCRYPTED_COLUMNS = [
    EncryptedColumn(
        "whatsapp_connections",
        "workspace_id",
        "access_token_encrypted",
        lambda workspace_id: f"whatsapp-token:{workspace_id}",
    ),
    EncryptedColumn("users", "id", "totp_secret_encrypted", lambda user_id: f"totp:{user_id}"),
    EncryptedColumn("email_outbox", "id", "body_encrypted", lambda email_id: f"email:{email_id}"),
]

BATCH = 500


async def _rotate_batch(session: AsyncSession, keyring: Keyring, spec: EncryptedColumn) -> int:
    rows = (
        await session.execute(
            text(
                f"SELECT {spec.key} AS k, {spec.column} AS c FROM {spec.table} "  # noqa: S608
                f"WHERE {spec.column} IS NOT NULL AND split_part({spec.column}, '.', 2) <> :kid "
                f"LIMIT {BATCH} FOR UPDATE SKIP LOCKED"
            ),
            {"kid": keyring.active_kid},
        )
    ).all()
    if not rows:
        return 0
    keys, olds, news = [], [], []
    for key, old in rows:
        aad = spec.aad(key).encode()
        keys.append(key)
        olds.append(old)
        news.append(keyring.encrypt(keyring.decrypt(old, aad), aad))
    result = await session.execute(
        text(
            f"UPDATE {spec.table} AS t SET {spec.column} = u.new "  # noqa: S608
            "FROM unnest(CAST(:keys AS uuid[]), CAST(:olds AS text[]), CAST(:news AS text[])) "
            "AS u(k, old, new) "
            f"WHERE t.{spec.key} = u.k AND t.{spec.column} = u.old"
        ),
        {"keys": keys, "olds": olds, "news": news},
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def rotate_all(
    sessionmaker: async_sessionmaker[AsyncSession], keyring: Keyring
) -> dict[str, int]:
    """Re-encrypt everything not under the active key; returns rows rewritten per table."""
    counts: dict[str, int] = {}
    for spec in ENCRYPTED_COLUMNS:
        total = 0
        while True:
            async with sessionmaker() as session:
                done = await _rotate_batch(session, keyring, spec)
                await session.commit()
            total += done
            if done == 0:
                break
        counts[f"{spec.table}.{spec.column}"] = total
    return counts
