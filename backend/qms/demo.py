"""Demo data for `make run`: a workspace in test mode, connected to the simulator's dev WABA, so a
newcomer sees the product working at once. Seeded once, idempotently; never in production."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import select

from qms.auth import service as auth_service
from qms.auth.dependencies import Principal
from qms.auth.schemas import SignupRequest
from qms.auth.scopes import scopes_for_role
from qms.config import Settings
from qms.db import unit_of_work, utcnow
from qms.errors import AppError
from qms.legal.service import POLICY_VERSION
from qms.models import Membership, Role, WhatsAppConnection, Workspace
from qms.resources import build_state, close_state
from qms.simulator.config import SimulatorConfig
from qms.simulator.core import DEV_PHONE_IDS, DEV_WABA_ID
from qms.whatsapp import service as whatsapp
from qms.whatsapp.errors import CloudApiError
from qms.whatsapp.schemas import ConnectionIn

log = structlog.get_logger(__name__)

DEMO_EMAIL = "demo@qms.sd"
DEMO_PASSWORD = "demo-password-2026"  # development only: printed by `make run`
DEMO_BUSINESS = "Demo Trading Co"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


async def seed_demo(settings: Settings) -> DemoLogin:
    if settings.is_production:
        raise RuntimeError("the demo workspace is never seeded in production")
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    state = build_state(settings, redis)
    try:
        async with unit_of_work(state.sessionmaker, redis) as session:
            user = await auth_service.find_user_by_email(session, DEMO_EMAIL)
            if user is None:
                user = await auth_service.signup(
                    session,
                    state,
                    SignupRequest(
                        email=DEMO_EMAIL,
                        password=DEMO_PASSWORD,
                        full_name="Demo Owner",
                        business_name=DEMO_BUSINESS,
                        age_confirmed=True,
                        privacy_policy_version=POLICY_VERSION,
                    ),
                )
                user.email_verified_at = utcnow()
            membership = await session.scalar(
                select(Membership).where(Membership.user_id == user.id)
            )
            assert membership is not None
            workspace = await session.get_one(Workspace, membership.workspace_id)
            workspace.test_mode = True
            connected = await session.get(WhatsAppConnection, (workspace.id, "test"))
            if connected is None:
                principal = Principal(
                    user_id=user.id,
                    workspace_id=workspace.id,
                    role=Role.owner,
                    scopes=scopes_for_role(Role.owner),
                    test_mode=True,
                )
                try:
                    await whatsapp.connect(
                        session,
                        state,
                        principal,
                        ConnectionIn(
                            waba_id=DEV_WABA_ID,
                            access_token=SimulatorConfig().dev_access_token,
                            phone_number_ids=list(DEV_PHONE_IDS),
                        ),
                    )
                except (CloudApiError, AppError) as exc:  # the demo stays optional
                    log.warning("demo_connection_failed", error=str(exc))
    finally:
        await close_state(state)
        await redis.aclose()
    return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD)
