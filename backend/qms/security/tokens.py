"""JWT access tokens (HS256 only, algorithm pinned on decode) and opaque one-time tokens."""

from __future__ import annotations

import functools
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt

from qms.errors import Unauthenticated
from qms.security.keyed import hmac_sha256_hex

ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(key: str, claims: AccessClaims, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "wid": str(claims.workspace_id),
        "sid": str(claims.session_id),
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    token: str = jwt.encode(payload, key, algorithm=ALGORITHM)
    return token


def decode_access_token(key: str, token: str) -> AccessClaims:
    claims, expires_at = _verified(key, token)
    if expires_at <= time.time():
        raise Unauthenticated("Invalid or expired token.")
    return claims


# A token is presented by every request of its 15 minutes: its signature and claims are checked
# once, its expiry on every use (invalid tokens raise, and exceptions are not cached).
@functools.lru_cache(maxsize=4096)
def _verified(key: str, token: str) -> tuple[AccessClaims, float]:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("Unsupported token algorithm.")
        payload = jwt.decode(token, key, algorithms=[ALGORITHM])
        if payload.get("typ") != "access":
            raise Unauthenticated("Not an access token.")
        claims = AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            workspace_id=uuid.UUID(payload["wid"]),
            session_id=uuid.UUID(payload["sid"]),
        )
        return claims, float(payload["exp"])
    except (JWTError, KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated("Invalid or expired token.") from exc


def new_opaque_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str, key: bytes) -> str:
    """Keyed digest for storing tokens at rest: a database leak alone cannot replay them."""
    return hmac_sha256_hex(key, token.encode())
