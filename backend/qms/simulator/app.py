"""The simulator's own FastAPI app:
`uvicorn qms.simulator.app:create_app --factory --port 9090`.

Graph-style routes (`/v{N}.0/...`) behave like Meta's Cloud API; `/_sim/...` is the control API
for tests and the demo. State lives in memory; the webhook emitter runs as a background task
for the app's lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from qms.simulator.config import SimulatorConfig
from qms.simulator.control import router as control_router
from qms.simulator.core import Simulator
from qms.simulator.errors import GraphError
from qms.simulator.graph import SEND_PATH, SendEndpoint, graph_error_response
from qms.simulator.graph import router as graph_router


class SimulatorApp(FastAPI):
    """FastAPI, except that message sends skip the middleware stack and the router entirely
    (they cost about half as much CPU this way)."""

    send_endpoint: SendEndpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = SEND_PATH.match(scope["path"])
            if match is not None:
                await self.send_endpoint(scope, receive, send, match.group(1))
                return
        await super().__call__(scope, receive, send)


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    config = config or SimulatorConfig()
    sim = Simulator(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not config.access_log:
            logging.getLogger("uvicorn.access").disabled = True
        await sim.start()
        try:
            yield
        finally:
            await sim.stop()

    app = SimulatorApp(
        title="QMS WhatsApp Cloud API simulator",
        version="1.0.0",
        description="Graph-style Cloud API routes under /v{N}.0/ and a control API under /_sim/.",
        lifespan=lifespan,
        docs_url="/_sim/docs",
        redoc_url=None,
        openapi_url="/_sim/openapi.json",
    )
    app.state.sim = sim

    async def on_graph_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, GraphError)
        return graph_error_response(exc)

    app.add_exception_handler(GraphError, on_graph_error)
    app.include_router(control_router)
    app.include_router(graph_router)
    app.send_endpoint = SendEndpoint(sim)
    return app
