"""In-memory state: WABAs, phone numbers, templates, sent messages, limiter buckets.

Ids are numeric strings minted from a counter that starts at the current time in microseconds,
so they are unique within a run and across restarts and resets (QMS routes webhooks by
`phone_number_id`; a recycled id would mix tenants). wamids are `wamid.` + base64, shaped like
Meta's, made unique by the same kind of counter."""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from qms.simulator.review import SendSpec, send_spec

_id_counter = itertools.count(time.time_ns() // 1000)
_wamid_counter = itertools.count(time.time_ns())
_WAMID_MULT = 0x9E3779B97F4A7C15F  # odd: a bijection modulo 2**72, so wamids stay unique
_WAMID_MASK = (1 << 72) - 1


def new_id() -> str:
    return str(next(_id_counter))


def new_wamid(wa_id: str) -> str:
    """`wamid.` + base64 of a Meta-like record: the recipient's number and a unique hex tag."""
    tag = f"{(next(_wamid_counter) * _WAMID_MULT) & _WAMID_MASK:018X}"
    number = wa_id.encode()
    raw = b"\x1c\x18" + bytes((len(number),)) + number + b"\x15\x02\x00\x11\x18\x12"
    return "wamid." + base64.b64encode(raw + tag.encode() + b"\x00").decode()


def new_token() -> str:
    return "EAA" + secrets.token_urlsafe(36).replace("-", "").replace("_", "")


TIERS = ("TIER_50", "TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED")
QUALITY_RATINGS = ("GREEN", "YELLOW", "RED", "UNKNOWN")


@dataclass(slots=True)
class PhoneNumber:
    id: str
    waba_id: str
    number: str  # digits with country code, as in webhook metadata
    country_code: str
    verified_name: str
    quality_rating: str = "GREEN"
    tier: str = "TIER_250"
    throughput_mps: float | None = None  # None: the configured default
    # Throughput token bucket.
    tokens: float = -1.0
    last: float = 0.0

    @property
    def display(self) -> str:
        """`+1 555-010-0001` as the Graph API shows it."""
        national = self.number[len(self.country_code) :]
        if len(national) == 10:
            national = f"{national[:3]}-{national[3:6]}-{national[6:]}"
        return f"+{self.country_code} {national}"


@dataclass(slots=True)
class Template:
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    status: str = "PENDING"
    rejected_reason: str = "NONE"
    quality_score: str = "UNKNOWN"
    quality_date: int = field(default_factory=lambda: int(time.time()))
    previous_category: str | None = None
    created: float = field(default_factory=time.time)
    edits: list[float] = field(default_factory=list)
    pause_count: int = 0
    spec: SendSpec = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_spec()

    def refresh_spec(self) -> None:
        self.spec = send_spec(self.components, self.parameter_format, self.category)

    def part(self, kind: str) -> dict[str, Any]:
        for comp in self.components:
            if comp.get("type") == kind:
                return comp
        return {}


@dataclass(slots=True)
class Waba:
    id: str
    name: str
    phone_ids: list[str] = field(default_factory=list)
    templates: dict[tuple[str, str], Template] = field(default_factory=dict)
    subscribed: bool = False
    namespace: str = field(default_factory=lambda: secrets.token_hex(16))
    # (name, language) -> when an approved template of that name was deleted
    deleted: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass(slots=True)
class Message:
    wamid: str
    phone_number_id: str
    waba_id: str
    to: str
    wa_id: str
    type: str
    request: dict[str, Any]
    category: str  # pricing category: marketing | utility | authentication | service
    pricing_type: str  # regular | free_customer_service
    created: float  # loop time
    created_at: float  # wall clock
    fail_code: int | None = None
    stop_at: str | None = None  # "sent" | "delivered": never goes further (test rules)
    status: str = "accepted"
    errors: list[dict[str, Any]] | None = None
    history: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class UploadSession:
    id: str
    token: str
    file_name: str
    file_length: int
    file_type: str
    offset: int = 0
    handle: str | None = None


@dataclass
class Store:
    tokens: dict[str, set[str]] = field(default_factory=dict)
    # Authorization header value -> the token's WABAs (the send path's auth cache)
    by_header: dict[str, set[str]] = field(default_factory=dict)
    wabas: dict[str, Waba] = field(default_factory=dict)
    phones: dict[str, PhoneNumber] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    # (phone_number_id, wa_id) -> [tokens, last refill]
    pairs: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    # wa_id -> loop times of accepted marketing templates (all businesses)
    marketing: dict[str, deque[float]] = field(default_factory=dict)
    # (waba_id, wa_id) that sent a user_preferences stop
    stopped: set[tuple[str, str]] = field(default_factory=set)
    # (phone_number_id, wa_id) -> loop time of the user's last inbound message
    windows: dict[tuple[str, str], float] = field(default_factory=dict)
    # (phone_number_id, wa_id) already failed once by the "fail first send" rule
    failed_once: set[tuple[str, str]] = field(default_factory=set)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, UploadSession] = field(default_factory=dict)
    handles: set[str] = field(default_factory=set)
