from __future__ import annotations

import hashlib
import hmac
import random

from qms.security.keyed import hmac_sha256, hmac_sha256_hex


def test_equals_the_standard_library_for_every_key_and_message_length() -> None:
    """Keys shorter than, equal to and longer than the block (hashed first, RFC 2104), messages
    from empty to several blocks."""
    rng = random.Random(5)
    for key_length in (0, 1, 16, 32, 63, 64, 65, 200):
        key = rng.randbytes(key_length)
        for message_length in (0, 1, 55, 56, 64, 100, 1000):
            message = rng.randbytes(message_length)
            expected = hmac.new(key, message, hashlib.sha256)
            assert hmac_sha256(key, message) == expected.digest()
            assert hmac_sha256_hex(key, message) == expected.hexdigest()


def test_states_are_not_shared_between_messages() -> None:
    key = b"k" * 32
    first = hmac_sha256_hex(key, b"a")
    hmac_sha256_hex(key, b"b" * 500)
    assert hmac_sha256_hex(key, b"a") == first
