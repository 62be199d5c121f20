from __future__ import annotations

import httpx

from qms.main import create_app
from tests.conftest import make_settings


async def _preflight(origins: list[str], origin: str) -> httpx.Response:
    app = create_app(make_settings(cors_origins=origins))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.options(
            "/api/v1/auth/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )


async def test_cors_allows_only_configured_origins() -> None:
    allowed = await _preflight(["https://app.qms.sd"], "https://app.qms.sd")
    assert allowed.headers.get("access-control-allow-origin") == "https://app.qms.sd"
    denied = await _preflight(["https://app.qms.sd"], "https://evil.example")
    assert "access-control-allow-origin" not in denied.headers
    none = await _preflight([], "https://app.qms.sd")
    assert "access-control-allow-origin" not in none.headers
