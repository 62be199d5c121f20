"""Building and closing the long-lived resources shared by the API and the worker."""

from __future__ import annotations

from arq.connections import ArqRedis

from qms.config import Settings
from qms.db import create_engine, create_sessionmaker
from qms.secrets_store import load_secrets
from qms.security.crypto import Keyring
from qms.state import AppState
from qms.whatsapp.client import new_http_client, new_send_session


def build_state(settings: Settings, redis: ArqRedis) -> AppState:
    secrets = load_secrets(settings)
    engine = create_engine(settings.database_url)
    return AppState(
        settings=settings,
        secrets=secrets,
        keyring=Keyring(secrets.keyring),
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        redis=redis,
        http=new_http_client(),
        sender=new_send_session(),
    )


async def close_state(state: AppState) -> None:
    await state.close()
    await state.sender.close()
    await state.http.aclose()
    await state.engine.dispose()
