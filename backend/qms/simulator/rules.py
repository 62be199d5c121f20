"""Deterministic behaviour by the recipient's last four digits, for tests (docs/simulator.md).

Synchronous rules answer the send with an error; asynchronous ones accept it (200) and then
send a `failed` status webhook; the `stop_at` rules accept and deliver but stop early."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    code: int | None = None
    sync: bool = False
    marketing_only: bool = False  # async failure only for MARKETING templates
    once: bool = False  # only the first send to this recipient fails
    stop_at: str | None = None  # "sent" | "delivered"
    description: str = ""


RULES: dict[str, Rule] = {
    "0429": Rule(130429, sync=True, description="sync 400 130429 (throughput rate limit)"),
    "1056": Rule(131056, sync=True, description="sync 400 131056 (pair rate limit)"),
    "1048": Rule(131048, sync=True, description="sync 400 131048 (spam rate limit)"),
    "1000": Rule(131000, sync=True, description="sync 500 131000 (something went wrong)"),
    "1016": Rule(131016, sync=True, description="sync 500 131016 (service unavailable)"),
    "1001": Rule(
        131000,
        sync=True,
        once=True,
        description="first send to the recipient: sync 500 131000; later sends succeed",
    ),
    "1026": Rule(131026, description="accepted, then failed 131026 (undeliverable)"),
    "1047": Rule(131047, description="accepted, then failed 131047 (re-engagement)"),
    "1049": Rule(
        131049,
        marketing_only=True,
        description="marketing template: accepted, then failed 131049 (per-user limit)",
    ),
    "1050": Rule(
        131050,
        marketing_only=True,
        description="marketing template: accepted, then failed 131050 (stopped marketing)",
    ),
    "0472": Rule(
        130472,
        marketing_only=True,
        description="marketing template: accepted, then failed 130472 (experiment)",
    ),
    "2001": Rule(stop_at="delivered", description="sent, delivered, never read"),
    "2002": Rule(stop_at="sent", description="sent, never delivered"),
}
