"""The send-path benchmark runs end to end (tiny n: this checks the harness, not the figures)."""

from __future__ import annotations

from qms.simulator.bench import bench, report


async def test_bench_smoke() -> None:
    result = await bench(n=200, concurrency=10)
    assert result["sim"]["ok"] == 200 and result["sim_callbacks"]["ok"] == 200
    assert result["bare"]["per_s"] > 0 and result["ratio"] > 0
    text = report(result)
    assert "bare ASGI endpoint" in text and "vs bare" in text
