"""Fixed-window attempt counters in Redis (per account and per IP)."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from qms.errors import RateLimited


def _key(kind: str, subject: str) -> str:
    # Subjects are emails and IPs: store a digest, not the personal data itself.
    return f"qms:throttle:{kind}:{hashlib.sha256(subject.lower().encode()).hexdigest()[:32]}"


async def hit(redis: Redis, kind: str, subject: str, limit: int, window: int) -> None:
    """Count one attempt; raise 429 with Retry-After once `limit` is exceeded in the window."""
    key = _key(kind, subject)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    pipe.ttl(key)
    count, _, ttl = await pipe.execute()
    if int(count) > limit:
        raise RateLimited(max(int(ttl), 1))


async def clear(redis: Redis, kind: str, subject: str) -> None:
    await redis.delete(_key(kind, subject))
