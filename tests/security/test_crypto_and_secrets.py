from __future__ import annotations

from pathlib import Path

import pytest

from qms.config import Settings
from qms.secrets_store import load_secrets, new_key_b64, parse_keyring
from qms.security.crypto import DecryptionError, Keyring
from qms.security.passwords import hash_password, verify_password


def test_aes_gcm_binds_ciphertext_to_its_owner() -> None:
    ring = Keyring(parse_keyring(f"k1:{new_key_b64()}"))
    token = ring.encrypt_text("EAAG-secret", "workspace-a")
    assert "EAAG" not in token and token.startswith("v1.k1.")
    assert ring.decrypt_text(token, "workspace-a") == "EAAG-secret"
    with pytest.raises(DecryptionError):
        ring.decrypt_text(token, "workspace-b")


def test_keyring_rotation_keeps_old_ciphertexts_readable() -> None:
    old_key, new_key = new_key_b64(), new_key_b64()
    old_ring = Keyring(parse_keyring(f"k1:{old_key}"))
    token = old_ring.encrypt_text("secret", "aad")
    rotated = Keyring(parse_keyring(f"k2:{new_key},k1:{old_key}"))
    assert rotated.decrypt_text(token, "aad") == "secret"
    assert rotated.needs_rotation(token)
    assert rotated.key_id(rotated.encrypt_text("secret", "aad")) == "k2"


def test_bad_keyring_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="kid"):
        parse_keyring("k1:dG9vc2hvcnQ")


def test_dev_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(
        env="development",
        data_dir=tmp_path,
        jwt_secret=None,
        encryption_keys=None,
        hmac_key=None,
        meta_app_secret=None,
        meta_verify_token=None,
    )
    first = load_secrets(settings)
    second = load_secrets(settings)
    assert first == second
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_explicit_secrets_win(tmp_path: Path) -> None:
    settings = Settings(
        env="production",
        data_dir=tmp_path,
        jwt_secret="j" * 40,
        encryption_keys=f"main:{new_key_b64()}",
        meta_app_secret="s" * 32,
        meta_verify_token="v" * 20,
        hmac_key=new_key_b64(),
    )
    secrets = load_secrets(settings)
    assert secrets.jwt_key == "j" * 40 and secrets.active_kid == "main"
    assert not (tmp_path / "secrets.json").exists()


def test_passwords_use_argon2id() -> None:
    digest = hash_password("a long password")
    assert digest.startswith("$argon2id$")
    assert verify_password("a long password", digest)
    assert not verify_password("another password", digest)
    assert not verify_password("anything", None)
