from __future__ import annotations

import time

import httpx
import pyotp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from qms.secrets_store import new_key_b64, parse_keyring
from qms.security.crypto import Keyring
from qms.security.rotation import rotate_all
from qms.state import AppState
from tests.conftest import PASSWORD, signup


async def test_rotation_re_encrypts_and_keeps_secrets_usable(
    client: httpx.AsyncClient, app_state: AppState, conn: AsyncConnection
) -> None:
    account = await signup(client)
    secret = (await client.post("/api/v1/me/totp/setup", headers=account.headers)).json()["secret"]
    totp = pyotp.TOTP(secret)
    r = await client.post(
        "/api/v1/me/totp/enable", json={"code": totp.now()}, headers=account.headers
    )
    assert r.status_code == 200
    old_ring = app_state.keyring
    old_kid = old_ring.active_kid
    new_ring = Keyring(
        {"k-new": parse_keyring(f"k-new:{new_key_b64()}")["k-new"], **app_state.secrets.keyring}
    )
    app_state.keyring = new_ring
    try:
        counts = await rotate_all(app_state.sessionmaker, new_ring)
        assert counts["users.totp_secret_encrypted"] == 1
        assert counts["email_outbox.body_encrypted"] >= 1
        kids = (
            (
                await conn.execute(
                    text(
                        "select split_part(totp_secret_encrypted, '.', 2) from users "
                        "where totp_secret_encrypted is not null"
                    )
                )
            )
            .scalars()
            .all()
        )
        assert kids == ["k-new"] and old_kid != "k-new"
        # a second run finds nothing left
        assert set((await rotate_all(app_state.sessionmaker, new_ring)).values()) == {0}
        # the re-encrypted secret still works: two-factor login succeeds
        r = await client.post(
            "/api/v1/auth/login",
            json={
                "email": account.email,
                "password": PASSWORD,
                "totp_code": totp.at(time.time() + 30),
            },
        )
        assert r.status_code == 200, r.text
    finally:
        app_state.keyring = old_ring
