"""The one Cloud API client. Configured by base URL + version only: the simulator differs from
Meta by its base URL. Management calls use the shared httpx client; message sends use the shared
aiohttp session (far less CPU per request at high concurrency — the campaign engine's
throughput rides on it)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import httpx
from pydantic import BaseModel, ConfigDict

from qms.whatsapp.errors import CloudApiError, TransientError, from_error_object

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v25.0"
PHONE_FIELDS = (
    "id,display_phone_number,verified_name,quality_rating,throughput,"
    "whatsapp_business_manager_messaging_limit"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SendResult(_Model):
    wamid: str
    message_status: str | None = None
    wa_id: str | None = None


class PhoneNumberInfo(_Model):
    id: str
    display_phone_number: str | None = None
    verified_name: str | None = None
    quality_rating: str | None = None
    throughput_level: str | None = None
    messaging_limit: str | None = None

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> PhoneNumberInfo:
        throughput = data.get("throughput")
        return cls(
            id=str(data.get("id")),
            display_phone_number=data.get("display_phone_number"),
            verified_name=data.get("verified_name"),
            quality_rating=data.get("quality_rating"),
            throughput_level=throughput.get("level") if isinstance(throughput, dict) else None,
            messaging_limit=data.get("whatsapp_business_manager_messaging_limit"),
        )


def new_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(15.0, connect=5.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


def new_send_session() -> aiohttp.ClientSession:
    """Sized for campaign concurrency: hundreds of sends in flight over kept-alive connections."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=512, limit_per_host=512, keepalive_timeout=30),
        timeout=aiohttp.ClientTimeout(total=20, connect=5),
        json_serialize=lambda obj: json.dumps(obj, separators=(",", ":")),
    )


def _raise_for(status: int, body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        raise from_error_object(body["error"], status)
    if status >= 400:
        raise from_error_object({"message": f"HTTP {status}"}, status)


class CloudApiClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        sender: aiohttp.ClientSession,
        base_url: str = DEFAULT_BASE_URL,
        version: str = DEFAULT_VERSION,
    ) -> None:
        self.http = http
        self.sender = sender
        self.base_url = base_url.rstrip("/")
        self.version = version

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    # Sending (aiohttp: the hot path)

    async def send_message(
        self, phone_number_id: str, token: str, payload: dict[str, Any]
    ) -> SendResult:
        try:
            async with self.sender.post(
                self.url(f"{phone_number_id}/messages"),
                json=payload,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError) as exc:
                    raise TransientError(
                        None, f"unreadable response (HTTP {status})", http_status=status
                    ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(None, f"network error: {type(exc).__name__}") from exc
        _raise_for(status, body)
        message = (body.get("messages") or [{}])[0]
        contact = (body.get("contacts") or [{}])[0]
        if not message.get("id"):
            raise TransientError(None, "response without a message id", http_status=status)
        return SendResult(
            wamid=message["id"],
            message_status=message.get("message_status"),
            wa_id=contact.get("wa_id"),
        )

    # Management (httpx)

    async def _request(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self.http.request(
                method,
                self.url(path),
                params=params,
                json=json_body,
                content=content,
                headers={"Authorization": f"Bearer {token}", **(headers or {})},
            )
        except httpx.HTTPError as exc:
            raise TransientError(None, f"network error: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise TransientError(
                None,
                f"unreadable response (HTTP {response.status_code})",
                http_status=response.status_code,
            ) from exc
        _raise_for(response.status_code, body)
        if not isinstance(body, dict):
            raise CloudApiError(None, "unexpected response shape", http_status=response.status_code)
        return body

    async def get_phone_number(self, phone_number_id: str, token: str) -> PhoneNumberInfo:
        body = await self._request("GET", phone_number_id, token, params={"fields": PHONE_FIELDS})
        return PhoneNumberInfo.from_graph(body)

    async def list_phone_numbers(self, waba_id: str, token: str) -> list[PhoneNumberInfo]:
        numbers: list[PhoneNumberInfo] = []
        params: dict[str, Any] = {"fields": PHONE_FIELDS, "limit": 100}
        while True:
            body = await self._request("GET", f"{waba_id}/phone_numbers", token, params=params)
            numbers += [PhoneNumberInfo.from_graph(d) for d in body.get("data") or []]
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (body.get("paging") or {}).get("next"):
                return numbers
            params = {**params, "after": after}

    async def subscribe_app(self, waba_id: str, token: str) -> None:
        await self._request("POST", f"{waba_id}/subscribed_apps", token)

    async def list_templates(
        self,
        waba_id: str,
        token: str,
        *,
        after: str | None = None,
        limit: int = 100,
        fields: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        if fields:
            params["fields"] = fields
        body = await self._request("GET", f"{waba_id}/message_templates", token, params=params)
        paging = body.get("paging") or {}
        next_after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return list(body.get("data") or []), next_after

    async def create_template(
        self, waba_id: str, token: str, template: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._request(
            "POST", f"{waba_id}/message_templates", token, json_body=template
        )

    async def get_template(
        self,
        template_id: str,
        token: str,
        fields: str = "id,name,language,status,category,components,quality_score,rejected_reason",
    ) -> dict[str, Any]:
        return await self._request("GET", template_id, token, params={"fields": fields})

    async def edit_template(self, template_id: str, token: str, changes: dict[str, Any]) -> None:
        await self._request("POST", template_id, token, json_body=changes)

    async def delete_template(
        self, waba_id: str, token: str, name: str, hsm_id: str | None = None
    ) -> None:
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        await self._request("DELETE", f"{waba_id}/message_templates", token, params=params)

    async def upload_header_example(
        self, app_id: str, token: str, file_name: str, mime_type: str, data: bytes
    ) -> str:
        """Meta's resumable upload: open a session, send the bytes, get a `header_handle`."""
        session = await self._request(
            "POST",
            f"{app_id}/uploads",
            token,
            params={"file_name": file_name, "file_length": len(data), "file_type": mime_type},
        )
        result = await self._request(
            "POST", str(session["id"]), token, content=data, headers={"file_offset": "0"}
        )
        return str(result["h"])
