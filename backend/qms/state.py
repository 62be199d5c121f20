"""What the app holds for its lifetime, built in the lifespan and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from qms.config import Settings
from qms.secrets_store import Secrets
from qms.security.crypto import Keyring


@dataclass
class AppState:
    settings: Settings
    secrets: Secrets
    keyring: Keyring
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    http: httpx.AsyncClient
