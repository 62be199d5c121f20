"""Graph-style routes under any `/v{N}.0/`.

`POST /v{N}.0/{phone-number-id}/messages` — the hot path — is answered by `SendEndpoint` at the
ASGI level, before FastAPI's middleware stack and router (see `app.SimulatorApp`): no routing,
no Request/Response objects, no per-request logging. Everything else goes through the two
catch-all routes below, which dispatch on the kind of object the id names (phone number, WABA,
template, media, upload session) and on the edge."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile
from starlette.types import Receive, Scope, Send

from qms.simulator import manage
from qms.simulator.core import Simulator
from qms.simulator.errors import GraphError, dumps, invalid_param, nonexisting_field, unknown_path
from qms.simulator.errors import unsupported as unsupported_error

SEND_PATH = re.compile(r"^/v\d+\.0/([^/]+)/messages/?$")
VERSION = re.compile(r"^v\d+\.0$")
JSON_TYPE = b"application/json; charset=UTF-8"

router = APIRouter()


def _query_token(query_string: bytes) -> str | None:
    if b"access_token" not in query_string:
        return None
    values = parse_qs(query_string.decode("latin-1")).get("access_token")
    return values[0] if values else None


class SendEndpoint:
    """Answers message sends directly at the ASGI level (the simulator's hot path)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send, phone_id: str) -> None:
        await self._send(scope, receive, send, phone_id)

    async def _send(self, scope: Scope, receive: Receive, send: Send, phone_id: str) -> None:
        message = await receive()
        body: bytes = message.get("body", b"")
        if message.get("more_body"):
            chunks = [body]
            while message.get("more_body"):
                message = await receive()
                chunks.append(message.get("body", b""))
            body = b"".join(chunks)
        authorization: str | None = None
        for key, value in scope["headers"]:
            if key == b"authorization":
                authorization = value.decode("latin-1")
                break
        sim = self.sim
        query_token = None if authorization else _query_token(scope["query_string"])
        status, content, extra = sim.send(phone_id, authorization, query_token, body)
        if sim.config.latency_ms:
            await asyncio.sleep(sim.config.latency_ms / 1000 * sim.config.time_factor)
        headers = [(b"content-type", JSON_TYPE), (b"content-length", str(len(content)).encode())]
        if extra:
            headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _json(obj: Any, status: int = 200) -> Response:
    return Response(dumps(obj), status_code=status, media_type="application/json")


def graph_error_response(exc: GraphError) -> Response:
    return Response(
        exc.body(), status_code=exc.http_status, media_type="application/json", headers=exc.headers
    )


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _check_version(version: str, rest: str) -> None:
    if not VERSION.match(version):
        raise unknown_path(f"/{version}/{rest}")


def _auth(request: Request) -> tuple[str | None, str | None]:
    return request.headers.get("authorization"), request.query_params.get("access_token")


async def _params(request: Request) -> dict[str, Any]:
    """Graph parameters: the query string, then a JSON or form body on top."""
    params: dict[str, Any] = dict(request.query_params)
    params.pop("access_token", None)
    content_type = request.headers.get("content-type", "")
    if "form" in content_type:
        async with request.form() as form:
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    body = await request.body()
    if body.strip():
        try:
            data = json.loads(body)
        except ValueError:
            raise invalid_param(
                "Invalid parameter", details="The request body is not valid JSON"
            ) from None
        if not isinstance(data, dict):
            raise invalid_param("Invalid parameter", details="The request body must be an object")
        params.update(data)
    return params


def _linker(request: Request) -> manage.Link:
    def link(**cursor: str) -> str:
        url = request.url.remove_query_params(["after", "before"]).include_query_params(**cursor)
        return str(url)

    return link


@router.api_route("/{version}/{node}", methods=["GET", "POST", "DELETE"], include_in_schema=False)
async def graph_node(version: str, node: str, request: Request) -> Response:
    _check_version(version, node)
    sim = _sim(request)
    method = request.method
    authorization, query_token = _auth(request)
    if node.startswith("upload:"):
        token = sim.token_of(authorization, query_token)
        if method == "POST":
            data = await request.body()
            offset = request.headers.get("file_offset")
            return _json(manage.upload_chunk(sim, token, node, offset, data))
        if method == "GET":
            return _json(manage.upload_status(sim, token, node))
        raise unsupported_error(method, node)
    wabas = sim.wabas_of(authorization, query_token)
    store = sim.store
    fields = request.query_params.get("fields")
    phone = store.phones.get(node)
    if phone is not None and phone.waba_id in wabas and method == "GET":
        names = manage.fields_of(
            fields, manage.PHONE_FIELDS, manage.PHONE_DEFAULT, "WhatsAppBusinessPhoneNumber"
        )
        return _json(manage.phone_view(sim, phone, names))
    waba = store.wabas.get(node)
    if waba is not None and node in wabas and method == "GET":
        names = manage.fields_of(
            fields, manage.WABA_FIELDS, ("id", "name"), "WhatsAppBusinessAccount"
        )
        return _json(manage.waba_view(waba, names))
    template = store.templates.get(node)
    if template is not None and template.waba_id in wabas:
        if method == "GET":
            names = manage.fields_of(
                fields,
                manage.TEMPLATE_FIELDS,
                manage.TEMPLATE_DEFAULT,
                "WhatsAppMessageTemplate",
            )
            return _json(manage.template_view(template, names))
        if method == "POST":
            return _json(manage.edit_template(sim, template, await _params(request)))
    media = store.media.get(node)
    if media is not None and media["waba_id"] in wabas:
        if method == "GET":
            return _json(manage.media_view(media))
        if method == "DELETE":
            del store.media[node]
            return _json({"success": True})
    raise unsupported_error(method, node)


@router.api_route(
    "/{version}/{node}/{edge}", methods=["GET", "POST", "DELETE"], include_in_schema=False
)
async def graph_edge(version: str, node: str, edge: str, request: Request) -> Response:
    _check_version(version, f"{node}/{edge}")
    sim = _sim(request)
    method = request.method
    authorization, query_token = _auth(request)
    if edge == "uploads" and method == "POST":
        token = sim.token_of(authorization, query_token)
        return _json(manage.start_upload(sim, token, node, request.query_params))
    wabas = sim.wabas_of(authorization, query_token)
    store = sim.store
    waba = store.wabas.get(node) if node in wabas else None
    if waba is not None:
        if edge == "message_templates":
            if method == "GET":
                return _json(
                    manage.list_templates(sim, waba, request.query_params, _linker(request))
                )
            if method == "POST":
                return _json(manage.create_template(sim, waba, await _params(request)))
            return _json(manage.delete_templates(sim, waba, await _params(request)))
        if edge == "phone_numbers" and method == "GET":
            return _json(manage.list_phones(sim, waba, request.query_params, _linker(request)))
        if edge == "subscribed_apps":
            return _json(manage.subscribed_apps(sim, waba, method))
        if edge not in ("message_templates", "phone_numbers", "subscribed_apps"):
            raise nonexisting_field(edge, "WhatsAppBusinessAccount")
        raise unsupported_error(method, node)
    phone = store.phones.get(node)
    if phone is not None and phone.waba_id in wabas:
        if edge == "media" and method == "POST":
            async with request.form(max_part_size=1 << 20) as form:
                upload = form.get("file")
                data: bytes | None = None
                declared = form.get("type")
                mime = declared if isinstance(declared, str) else None
                if isinstance(upload, UploadFile):
                    data = await upload.read()
                    mime = mime or upload.content_type
                product = form.get("messaging_product")
                return _json(manage.store_media(sim, phone, product, data, mime))
        if edge not in ("media", "messages"):
            raise nonexisting_field(edge, "WhatsAppBusinessPhoneNumber")
        raise unsupported_error(method, node)
    template = store.templates.get(node)
    if template is not None and template.waba_id in wabas:
        if edge == "unpause" and method == "POST":
            return _json(manage.unpause_template(sim, template))
        raise unsupported_error(method, node)
    raise unsupported_error(method, node)
