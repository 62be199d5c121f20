"""The built SPA: its files as they are, its screens (deep links) as index.html, and a missing
file as a 404 problem, never the SPA's HTML in its place."""

from __future__ import annotations

from pathlib import Path

import httpx

from qms.main import create_app
from tests.conftest import make_settings


async def test_files_screens_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>QMS</title>")
    (tmp_path / "assets" / "app-1.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    app = create_app(make_settings(spa_dist=tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for screen in ("/", "/contacts", "/contacts/imports/new", "/optin/acme-trading-1a2b3c"):
            r = await client.get(screen)
            assert r.status_code == 200 and r.text.startswith("<!doctype html>"), screen
        assert (await client.get("/assets/app-1.js")).text == "console.log(1)"
        assert (await client.get("/favicon.svg")).text == "<svg/>"
        for missing in ("/openapi.json", "/assets/app-0.js", "/contacts/export.csv", "/%00"):
            r = await client.get(missing)
            assert r.status_code == 404, missing
            assert r.headers["content-type"] == "application/problem+json", missing
