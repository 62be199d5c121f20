"""Connecting a workspace's WhatsApp Business Account: validate against the Cloud API, subscribe
the app to the WABA's webhooks, keep the token encrypted (workspace id as associated data)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from qms.audit import service as audit
from qms.auth.dependencies import Principal
from qms.errors import AppError, Conflict, NotFound, Unprocessable
from qms.models import WhatsAppConnection, WhatsAppPhoneNumber
from qms.state import AppState
from qms.whatsapp.client import CloudApiClient, PhoneNumberInfo
from qms.whatsapp.errors import AuthError, CloudApiError
from qms.whatsapp.schemas import ConnectionIn

log = structlog.get_logger(__name__)


class NotConnected(AppError):
    status = 404
    code = "whatsapp.not_connected"
    title = "WhatsApp is not connected"


class CloudApiUnavailable(AppError):
    status = 502
    code = "whatsapp.cloud_api_error"
    title = "The WhatsApp Cloud API failed"


def mode_of(principal: Principal) -> str:
    return "test" if principal.test_mode else "live"


def _token_aad(workspace_id: uuid.UUID) -> str:
    return f"whatsapp-token:{workspace_id}"


def access_token(state: AppState, connection: WhatsAppConnection) -> str:
    return state.keyring.decrypt_text(
        connection.access_token_encrypted, _token_aad(connection.workspace_id)
    )


def encrypt_token(state: AppState, workspace_id: uuid.UUID, token: str) -> str:
    return state.keyring.encrypt_text(token, _token_aad(workspace_id))


async def get_connection(
    session: AsyncSession, workspace_id: uuid.UUID, mode: str
) -> WhatsAppConnection:
    connection = await session.get(WhatsAppConnection, (workspace_id, mode))
    if connection is None:
        raise NotConnected("Connect a WhatsApp Business Account first.")
    return connection


async def list_numbers(
    session: AsyncSession, workspace_id: uuid.UUID, mode: str
) -> list[WhatsAppPhoneNumber]:
    rows = await session.scalars(
        select(WhatsAppPhoneNumber)
        .where(WhatsAppPhoneNumber.workspace_id == workspace_id, WhatsAppPhoneNumber.mode == mode)
        .order_by(WhatsAppPhoneNumber.display_phone_number)
    )
    return list(rows)


async def _provision_simulated_waba(state: AppState) -> tuple[str, str, list[str]]:
    try:
        response = await state.http.post(
            f"{state.settings.simulator_url}/_sim/wabas", json={"phone_numbers": 2}
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise CloudApiUnavailable(
            "The WhatsApp simulator is not reachable; is it running?",
            code="whatsapp.simulator_unavailable",
        ) from exc
    return (
        str(data["waba_id"]),
        str(data["access_token"]),
        [str(n["id"]) for n in data["phone_numbers"]],
    )


async def _validate(
    client: CloudApiClient, waba_id: str, token: str, wanted: list[str]
) -> list[PhoneNumberInfo]:
    try:
        numbers = await client.list_phone_numbers(waba_id, token)
    except AuthError as exc:
        raise Unprocessable(
            f"The Cloud API rejected the access token: {exc.message}",
            code="whatsapp.token_rejected",
            extra={"meta_code": exc.code},
        ) from exc
    except CloudApiError as exc:
        if exc.code == 100:
            raise Unprocessable(
                "The access token cannot reach this WhatsApp Business Account.",
                code="whatsapp.waba_not_found",
            ) from exc
        raise CloudApiUnavailable(f"Validating the connection failed: {exc.message}") from exc
    known = {n.id: n for n in numbers}
    missing = [pid for pid in wanted if pid not in known]
    if missing:
        raise Unprocessable(
            f"Not phone numbers of this WABA: {', '.join(missing)}.",
            code="whatsapp.phone_number_not_in_waba",
            extra={"phone_number_ids": missing},
        )
    return [known[pid] for pid in wanted]


async def _save_numbers(
    session: AsyncSession, workspace_id: uuid.UUID, mode: str, numbers: list[PhoneNumberInfo]
) -> None:
    ids = [n.id for n in numbers]
    await session.execute(
        delete(WhatsAppPhoneNumber).where(
            WhatsAppPhoneNumber.workspace_id == workspace_id,
            WhatsAppPhoneNumber.mode == mode,
            WhatsAppPhoneNumber.phone_number_id.not_in(ids),
        )
    )
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "mode": mode,
            "phone_number_id": n.id,
            "display_phone_number": n.display_phone_number,
            "verified_name": n.verified_name,
            "quality_rating": n.quality_rating,
            "throughput_level": n.throughput_level,
            "messaging_limit": n.messaging_limit,
            "refreshed_at": now,
        }
        for n in numbers
    ]
    statement = insert(WhatsAppPhoneNumber).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["phone_number_id"],
            set_={
                c: statement.excluded[c]
                for c in (
                    "display_phone_number",
                    "verified_name",
                    "quality_rating",
                    "throughput_level",
                    "messaging_limit",
                    "refreshed_at",
                )
            },
            where=WhatsAppPhoneNumber.workspace_id == workspace_id,
        )
    )


async def connect(
    session: AsyncSession, state: AppState, principal: Principal, data: ConnectionIn
) -> WhatsAppConnection:
    mode = mode_of(principal)
    if data.waba_id and data.access_token and data.phone_number_ids:
        waba_id, token, wanted = data.waba_id, data.access_token, data.phone_number_ids
    elif mode == "test" and not (data.waba_id or data.access_token or data.phone_number_ids):
        waba_id, token, wanted = await _provision_simulated_waba(state)
    else:
        raise Unprocessable(
            "waba_id, access_token and phone_number_ids are all required.",
            code="whatsapp.connection_incomplete",
        )
    taken = await session.scalar(
        select(WhatsAppConnection.workspace_id).where(
            WhatsAppConnection.waba_id == waba_id,
            (WhatsAppConnection.workspace_id != principal.workspace_id)
            | (WhatsAppConnection.mode != mode),
        )
    )
    if taken is not None:
        raise Conflict(
            "This WhatsApp Business Account is connected to another workspace.",
            code="whatsapp.waba_in_use",
        )
    client = state.cloud_api(mode == "test")
    numbers = await _validate(client, waba_id, token, wanted)
    try:
        await client.subscribe_app(waba_id, token)
    except CloudApiError as exc:
        raise CloudApiUnavailable(
            f"Subscribing to the WABA's webhooks failed: {exc.message}"
        ) from exc

    connection = await session.get(WhatsAppConnection, (principal.workspace_id, mode))
    if connection is None:
        connection = WhatsAppConnection(workspace_id=principal.workspace_id, mode=mode)
        session.add(connection)
    connection.waba_id = waba_id
    connection.access_token_encrypted = encrypt_token(state, principal.workspace_id, token)
    connection.token_hint = token[-4:]
    connection.status = "active"
    connection.status_reason = None
    connection.connected_at = datetime.now(UTC)
    await session.flush()
    await _save_numbers(session, principal.workspace_id, mode, numbers)
    await audit.record(
        session,
        "whatsapp.connected",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="waba",
        target_id=waba_id,
        details={"mode": mode, "phone_number_ids": wanted},
    )
    log.info(
        "whatsapp_connected",
        workspace_id=str(principal.workspace_id),
        mode=mode,
        numbers=len(wanted),
    )
    return connection


async def disconnect(session: AsyncSession, principal: Principal) -> None:
    mode = mode_of(principal)
    connection = await get_connection(session, principal.workspace_id, mode)
    await session.execute(
        delete(WhatsAppPhoneNumber).where(
            WhatsAppPhoneNumber.workspace_id == principal.workspace_id,
            WhatsAppPhoneNumber.mode == mode,
        )
    )
    await session.delete(connection)
    await audit.record(
        session,
        "whatsapp.disconnected",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="waba",
        target_id=connection.waba_id,
        details={"mode": mode},
    )


async def mark_connection_failed(connection: WhatsAppConnection, error: CloudApiError) -> None:
    """An auth failure disables the connection until an admin reconnects it."""
    connection.status = "disabled"
    connection.status_reason = f"Cloud API error {error.code}: {error.message}"[:500]
    log.warning(
        "whatsapp_connection_disabled", workspace_id=str(connection.workspace_id), code=error.code
    )


async def refresh_numbers(
    session: AsyncSession, state: AppState, connection: WhatsAppConnection
) -> None:
    """Pull quality, throughput and tier for the connection's numbers from the Cloud API."""
    numbers = await list_numbers(session, connection.workspace_id, connection.mode)
    client = state.cloud_api(connection.mode == "test")
    token = access_token(state, connection)
    fresh: list[PhoneNumberInfo] = []
    for number in numbers:
        try:
            fresh.append(await client.get_phone_number(number.phone_number_id, token))
        except AuthError as exc:
            await mark_connection_failed(connection, exc)
            return
        except CloudApiError as exc:
            log.warning("phone_number_refresh_failed", code=exc.code)
            return
    if fresh:
        await _save_numbers(session, connection.workspace_id, connection.mode, fresh)


async def find_connection_by_waba(session: AsyncSession, waba_id: str) -> WhatsAppConnection | None:
    result: WhatsAppConnection | None = await session.scalar(
        select(WhatsAppConnection).where(WhatsAppConnection.waba_id == waba_id)
    )
    return result


async def phone_number(session: AsyncSession, phone_number_id: str) -> WhatsAppPhoneNumber:
    number = await session.scalar(
        select(WhatsAppPhoneNumber).where(WhatsAppPhoneNumber.phone_number_id == phone_number_id)
    )
    if number is None:
        raise NotFound("No such phone number.")
    return number
