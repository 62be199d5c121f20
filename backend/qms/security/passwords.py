"""Password hashing with argon2id (passlib via the maintained `libpass` fork)."""

from __future__ import annotations

from passlib.context import CryptContext

_context = CryptContext(schemes=["argon2"], argon2__type="ID", deprecated="auto")

# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _context.hash("qms-dummy-password-for-timing")


def hash_password(password: str) -> str:
    result: str = _context.hash(password)
    return result


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _context.verify(password, _DUMMY_HASH)
        return False
    ok: bool = _context.verify(password, password_hash)
    return ok
