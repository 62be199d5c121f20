"""AES-GCM encryption of secrets at rest, with a keyring of key ids.

Format: `v1.<kid>.<nonce b64>.<ciphertext b64>`. The caller passes associated data (e.g. the
owning workspace id), so a ciphertext copied to another row fails to decrypt.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from qms.errors import AppError


class DecryptionError(AppError):
    status = 500
    code = "crypto.decryption_failed"
    title = "Stored secret cannot be decrypted"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keyring:
    def __init__(self, keys: dict[str, bytes]) -> None:
        if not keys:
            raise ValueError("empty keyring")
        self._keys = keys
        self.active_kid = next(iter(keys))

    def encrypt(self, plaintext: bytes, aad: bytes) -> str:
        nonce = os.urandom(12)
        ct = AESGCM(self._keys[self.active_kid]).encrypt(nonce, plaintext, aad)
        return f"v1.{self.active_kid}.{_b64e(nonce)}.{_b64e(ct)}"

    def decrypt(self, token: str, aad: bytes) -> bytes:
        try:
            version, kid, nonce, ct = token.split(".")
            if version != "v1":
                raise ValueError(version)
            return AESGCM(self._keys[kid]).decrypt(_b64d(nonce), _b64d(ct), aad)
        except (ValueError, KeyError, InvalidTag) as exc:
            raise DecryptionError("A stored secret could not be decrypted.") from exc

    def key_id(self, token: str) -> str:
        return token.split(".")[1]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id(token) != self.active_kid

    def encrypt_text(self, plaintext: str, aad: str) -> str:
        return self.encrypt(plaintext.encode(), aad.encode())

    def decrypt_text(self, token: str, aad: str) -> str:
        return self.decrypt(token, aad.encode()).decode()
