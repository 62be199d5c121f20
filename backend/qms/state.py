"""What the app holds for its lifetime, built in the lifespan and shared by requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import cast

import aiohttp
import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from qms.config import Settings
from qms.db import Reader, ReaderPool, create_reader_pool
from qms.secrets_store import Secrets
from qms.security.crypto import Keyring
from qms.whatsapp.client import CloudApiClient


@dataclass
class AppState:
    settings: Settings
    secrets: Secrets
    keyring: Keyring
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    http: httpx.AsyncClient
    sender: aiohttp.ClientSession
    _read_only: async_sessionmaker[AsyncSession] | None = field(default=None, repr=False)
    _reader_pool: ReaderPool | None = field(default=None, repr=False)
    _reader_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def sessions_share_a_connection(self) -> bool:
        """Whether sessions are bound to one connection (the tests' outer transaction) rather
        than the engine: they then see each other's work but cannot run side by side."""
        return not isinstance(self.sessionmaker.kw.get("bind"), AsyncEngine)

    def read_only_sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """Sessions without a transaction (autocommit: no BEGIN and COMMIT round trips) for
        handlers that only read. Where sessions share one outer transaction (the tests' bind to
        a connection), the ordinary ones, which see it."""
        if self.sessions_share_a_connection:
            return self.sessionmaker
        if self._read_only is None:
            self._read_only = async_sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
            )
        return self._read_only

    async def reader(self) -> Reader:
        """Where precompiled reads run (`db.Precompiled`): a pool of plain asyncpg connections,
        made on first use. Where sessions share one connection (the tests' outer transaction),
        that connection, which sees it."""
        if self.sessions_share_a_connection:
            shared: AsyncConnection = self.sessionmaker.kw["bind"]
            return cast(Reader, (await shared.get_raw_connection()).driver_connection)
        if self._reader_pool is None:
            async with self._reader_lock:
                if self._reader_pool is None:
                    self._reader_pool = await create_reader_pool(self.settings.database_url)
        return self._reader_pool

    async def close(self) -> None:
        if self._reader_pool is not None:
            await self._reader_pool.close()
            self._reader_pool = None

    def cloud_api(self, test_mode: bool) -> CloudApiClient:
        """Meta for live workspaces, the simulator for test mode: only the base URL differs."""
        base = self.settings.simulator_url if test_mode else self.settings.whatsapp_base_url
        return CloudApiClient(self.http, self.sender, base, self.settings.whatsapp_api_version)
