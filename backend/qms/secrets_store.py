"""Resolve the app's secrets: explicit settings first, else a file generated once (dev/test).

The file lives in the data folder and is never regenerated: encrypted columns and keyed hashes
written with these keys must stay readable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from qms.config import SECRET_SETTINGS, Settings


@dataclass(frozen=True)
class Secrets:
    jwt_key: str
    keyring: dict[str, bytes]  # key id -> 32-byte AES key; insertion order: first is active
    hmac_key: bytes
    meta_app_secret: str
    meta_verify_token: str

    @property
    def active_kid(self) -> str:
        return next(iter(self.keyring))


def parse_keyring(spec: str) -> dict[str, bytes]:
    keyring: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, _, b64 = part.strip().partition(":")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if not kid or len(key) != 32:
            raise ValueError("QMS_ENCRYPTION_KEYS entries must be 'kid:<base64 of 32 bytes>'")
        keyring[kid] = key
    return keyring


def new_key_b64() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _new_secrets() -> dict[str, str]:
    return {
        "jwt_secret": secrets.token_urlsafe(48),
        "encryption_keys": f"k1:{new_key_b64()}",
        "hmac_key": new_key_b64(),
        "meta_app_secret": secrets.token_hex(16),
        "meta_verify_token": secrets.token_urlsafe(24),
    }


def _generated(settings: Settings) -> dict[str, str]:
    """Existing values are never replaced; secrets added by later versions are appended."""
    path = settings.data_dir / "secrets.json"
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = {k: v for k, v in _new_secrets().items() if k not in data}
    if missing:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        data = {**data, **missing}
        _write(path, data)
    return data


def _write(path: Path, data: dict[str, str]) -> None:
    """Atomically, readable by the owner only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def load_secrets(settings: Settings) -> Secrets:
    explicit = {name: getattr(settings, name) for name in SECRET_SETTINGS}
    values = {k: v.get_secret_value() for k, v in explicit.items() if v is not None}
    if len(values) < len(explicit):
        # Settings already refuses production without explicit secrets.
        values = {**_generated(settings), **values}
    hmac_b64 = values["hmac_key"]
    return Secrets(
        jwt_key=values["jwt_secret"],
        keyring=parse_keyring(values["encryption_keys"]),
        hmac_key=base64.urlsafe_b64decode(hmac_b64 + "=" * (-len(hmac_b64) % 4)),
        meta_app_secret=values["meta_app_secret"],
        meta_verify_token=values["meta_verify_token"],
    )


def add_generated_key(settings: Settings) -> str:
    """Development only: put a new key first in the generated keyring (old keys stay readable)."""
    if settings.encryption_keys is not None:
        raise ValueError("QMS_ENCRYPTION_KEYS is set: add the new key there instead")
    data = _generated(settings)
    kid = f"k{len(parse_keyring(data['encryption_keys'])) + 1}"
    data["encryption_keys"] = f"{kid}:{new_key_b64()},{data['encryption_keys']}"
    _write(settings.data_dir / "secrets.json", data)
    return kid
