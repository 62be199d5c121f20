"""The FastAPI application: `create_app()` wires settings, lifespan resources, middleware,
error handlers, the API routers and the built SPA."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from arq import create_pool
from arq.connections import RedisSettings
from fastapi import Depends, FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qms.accounts.router import router as me_router
from qms.api_keys.router import router as api_keys_router
from qms.audit.router import router as audit_router
from qms.auth.dependencies import public
from qms.auth.router import router as auth_router
from qms.config import Settings, get_settings
from qms.consent.optin import router as optin_router
from qms.consent.router import router as consent_router
from qms.contacts.audiences import router as audiences_router
from qms.contacts.router import router as contacts_router
from qms.context import RequestMeta, request_meta
from qms.email.router import router as dev_router
from qms.errors import PROBLEM_RESPONSE, PROBLEM_SCHEMA, NotFound, install_error_handlers, problem
from qms.health.router import router as health_router
from qms.imports.router import router as imports_router
from qms.legal.router import router as legal_router
from qms.logging import configure_logging
from qms.resources import build_state, close_state
from qms.templates.router import router as templates_router
from qms.webhooks.registry import load_handlers
from qms.webhooks.router import router as meta_webhooks_router
from qms.whatsapp.router import router as whatsapp_router
from qms.workspaces.router import router as workspaces_router

log = structlog.get_logger("qms.http")

API_PREFIX = "/api/v1"


# Every API route can answer these problems (documented once, on each route).
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request", **PROBLEM_RESPONSE},
    401: {"description": "Not authenticated", **PROBLEM_RESPONSE},
    403: {"description": "Forbidden", **PROBLEM_RESPONSE},
    404: {"description": "Not found", **PROBLEM_RESPONSE},
    409: {"description": "Conflict", **PROBLEM_RESPONSE},
    422: {"description": "Invalid request", **PROBLEM_RESPONSE},
    429: {"description": "Too many requests", **PROBLEM_RESPONSE},
}
API_ROUTERS = (
    # First the busiest reads (routes are matched in order); imports before contacts:
    # /contacts/imports is not a /contacts/{contact_id}.
    imports_router,
    contacts_router,
    auth_router,
    me_router,
    workspaces_router,
    api_keys_router,
    audit_router,
    whatsapp_router,
    consent_router,
    audiences_router,
    templates_router,
    legal_router,
    dev_router,
)


def _include_api(app: FastAPI) -> None:
    """Each domain's router straight onto the app under /api/v1: one level of included
    routers, because FastAPI matches a request against every route of every level it passes
    (and again when it hands over), which nesting multiplies."""
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=API_RESPONSES)


def _lifespan(settings: Settings) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        app.state.qms = build_state(settings, redis)
        try:
            yield
        finally:
            await close_state(app.state.qms)
            await redis.aclose()

    return lifespan


class RequestContext:
    """Request id, client IP and user agent into context variables (audit log, structlog), the
    id echoed as X-Request-ID, one log line per request. Plain ASGI: no extra task or body
    buffering per request, unlike a BaseHTTPMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = user_agent = None
        for name, value in scope["headers"]:  # raw (lower-case) names: no Headers object
            if name == b"x-request-id" and request_id is None:
                request_id = value.decode("latin-1")[:64]
            elif name == b"user-agent" and user_agent is None:
                user_agent = value.decode("latin-1")
        request_id = request_id or os.urandom(16).hex()
        client = scope.get("client")
        token = request_meta.set(
            RequestMeta(
                request_id=request_id, ip=client[0] if client else None, user_agent=user_agent
            )
        )
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            if "\x00" in scope["path"]:
                # No resource is named with a NUL (PostgreSQL cannot store one, file names
                # cannot hold one): answered here, before it reaches a query or the file system.
                not_found = problem(404, "not_found", "Not found", "No such resource.")
                await not_found(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            request_meta.reset(token)


def _mount_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA: real files as-is, any other non-API path gets index.html so deep
    links (/settings/team) work."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.exists():
        return
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False, dependencies=[Depends(public)])
    async def spa(path: str) -> Response:
        if path.startswith(("api/", "webhooks/")):
            raise NotFound()
        candidate = (dist / path).resolve()
        if path and candidate.is_relative_to(dist) and candidate.is_file():
            return FileResponse(candidate)
        if "." in path.rpartition("/")[2]:
            # A missing file (an old build's chunk, /openapi.json), not a screen of the SPA:
            # HTML in its place would only confuse the browser or the client asking for it.
            raise NotFound(f"No file /{path}.")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="QMS API",
        version="1.0.0",
        description="WhatsApp Business marketing platform. Errors are RFC 9457 problem+json "
        "with a stable `code`.",
        lifespan=_lifespan(settings),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        generate_unique_id_function=_operation_id,
    )
    install_error_handlers(app)
    load_handlers()
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "Idempotency-Key"],
        )
    app.add_middleware(RequestContext)
    app.include_router(health_router)
    app.include_router(meta_webhooks_router)
    app.include_router(optin_router)
    _include_api(app)
    _mount_spa(app, settings.spa_dist)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            schema["components"]["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "JWT access token or API key (qms_live_…)",
                }
            }
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
