"""The control API under `/_sim/` (no Graph auth): provision WABAs, inject inbound messages,
user preferences, quality changes and template status events, inspect what was sent and which
webhooks went out, change the configuration at runtime, reset, and wait for webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Literal, get_args

from fastapi import APIRouter, HTTPException, Request
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from qms.simulator import manage
from qms.simulator.config import SimulatorConfig
from qms.simulator.core import Simulator
from qms.simulator.review import CATEGORIES
from qms.simulator.state import QUALITY_RATINGS, TIERS, Message, PhoneNumber

router = APIRouter(prefix="/_sim", tags=["simulator control"])

Quality = Literal["GREEN", "YELLOW", "RED", "UNKNOWN"]
Tier = Literal["TIER_50", "TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]
assert set(get_args(Quality)) == set(QUALITY_RATINGS)
assert set(get_args(Tier)) == set(TIERS)

TEMPLATE_EVENTS = (
    "APPROVED",
    "REJECTED",
    "PENDING",
    "PAUSED",
    "DISABLED",
    "FLAGGED",
    "IN_APPEAL",
    "REINSTATED",
    "PENDING_DELETION",
    "DELETED",
    "ARCHIVED",
    "UNARCHIVED",
    "LIMIT_EXCEEDED",
    "LOCKED",
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WabaIn(_Body):
    phone_numbers: int = Field(default=1, ge=1, le=20)
    quality_rating: Quality = Field(
        default="GREEN", validation_alias=AliasChoices("quality_rating", "quality")
    )
    tier: Tier = "TIER_250"
    verified_name: str | None = None
    name: str | None = None
    country_code: str = Field(default="1", pattern=r"^[1-9][0-9]{0,2}$")
    access_token: str | None = Field(
        default=None, description="Reuse an existing token (one token reaching several WABAs)."
    )


class InboundIn(_Body):
    phone_number_id: str
    from_: str = Field(alias="from", pattern=r"^[1-9][0-9]{6,14}$")
    name: str | None = None
    text: str | None = None
    button_payload: str | None = None
    button_text: str | None = None
    button_reply_id: str | None = None
    button_reply_title: str | None = None
    context_id: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> InboundIn:
        kinds = [self.text, self.button_payload, self.button_reply_id]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError("give exactly one of text, button_payload, button_reply_id")
        return self


class PreferenceIn(_Body):
    phone_number_id: str
    wa_id: str = Field(pattern=r"^[1-9][0-9]{6,14}$")
    value: Literal["stop", "resume"]


class QualityIn(_Body):
    phone_number_id: str
    quality_rating: Quality | None = None
    tier: Tier | None = None
    max_daily_conversations_per_business: Tier | None = None
    event: str | None = None


class TemplateIn(_Body):
    waba_id: str
    name: str
    language: str = "en_US"
    category: str = "MARKETING"
    parameter_format: Literal["POSITIONAL", "NAMED", "positional", "named"] = "POSITIONAL"
    components: list[dict[str, Any]]
    status: Literal["APPROVED", "PENDING", "PAUSED", "DISABLED", "REJECTED"] = "APPROVED"


class TemplateStatusIn(_Body):
    event: str | None = None
    reason: str | None = None
    rejection_info: dict[str, str] | None = None
    quality_score: Quality | None = None

    @model_validator(mode="after")
    def _something(self) -> TemplateStatusIn:
        if self.event is None and self.quality_score is None:
            raise ValueError("give event and/or quality_score")
        if self.event is not None and self.event not in TEMPLATE_EVENTS:
            raise ValueError(f"event must be one of {', '.join(TEMPLATE_EVENTS)}")
        return self


class ResetIn(_Body):
    config: bool = Field(default=False, description="Also restore the startup configuration.")


class FlushIn(_Body):
    timeout_s: float = Field(default=10.0, ge=0, le=600)
    fast_forward: bool = Field(
        default=False, description="Make every pending status, retry and review due now."
    )


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _phone(sim: Simulator, phone_id: str) -> PhoneNumber:
    phone = sim.store.phones.get(phone_id)
    if phone is None:
        raise HTTPException(404, f"no phone number {phone_id}")
    return phone


def _phone_out(sim: Simulator, phone: PhoneNumber) -> dict[str, Any]:
    view = manage.phone_view(sim, phone, sorted(manage.PHONE_FIELDS))
    return {**view, "number": phone.number, "waba_id": phone.waba_id}


def _message_out(msg: Message) -> dict[str, Any]:
    return {
        "wamid": msg.wamid,
        "phone_number_id": msg.phone_number_id,
        "waba_id": msg.waba_id,
        "to": msg.to,
        "wa_id": msg.wa_id,
        "type": msg.type,
        "category": msg.category,
        "request": msg.request,
        "status": msg.status,
        "planned_failure": msg.fail_code,
        "errors": msg.errors,
        "statuses": [{"status": s, "timestamp": t} for s, t in msg.history],
        "created_at": msg.created_at,
    }


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/wabas")
async def create_waba(body: WabaIn, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    if body.access_token is not None and body.access_token not in sim.store.tokens:
        raise HTTPException(404, "unknown access_token")
    waba, token = sim.provision(
        phone_numbers=body.phone_numbers,
        quality_rating=body.quality_rating,
        tier=body.tier,
        verified_name=body.verified_name,
        name=body.name,
        country_code=body.country_code,
        access_token=body.access_token,
    )
    return {
        "waba_id": waba.id,
        "access_token": token,
        "app_id": sim.config.app_id,
        "phone_numbers": [_phone_out(sim, sim.store.phones[pid]) for pid in waba.phone_ids],
    }


@router.get("/wabas")
async def list_wabas(request: Request) -> dict[str, Any]:
    sim = _sim(request)
    tokens: dict[str, list[str]] = {}
    for token, wabas in sim.store.tokens.items():
        for waba_id in wabas:
            tokens.setdefault(waba_id, []).append(token)
    return {
        "items": [
            {
                "waba_id": waba.id,
                "name": waba.name,
                "access_tokens": tokens.get(waba.id, []),
                "subscribed": waba.subscribed,
                "phone_numbers": [_phone_out(sim, sim.store.phones[p]) for p in waba.phone_ids],
                "templates": [
                    manage.template_view(t, ["id", "name", "language", "status", "category"])
                    for t in waba.templates.values()
                ],
            }
            for waba in sim.store.wabas.values()
        ]
    }


@router.post("/inbound")
async def inbound(body: InboundIn, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    phone = _phone(sim, body.phone_number_id)
    wamid = sim.inbound(
        phone,
        body.from_,
        name=body.name,
        text=body.text,
        button_payload=body.button_payload,
        button_text=body.button_text,
        reply_id=body.button_reply_id,
        reply_title=body.button_reply_title,
        context_id=body.context_id,
    )
    return {"wamid": wamid}


@router.post("/user-preferences")
async def user_preferences(body: PreferenceIn, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    return sim.user_preference(_phone(sim, body.phone_number_id), body.wa_id, body.value)


@router.post("/quality")
async def quality(body: QualityIn, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    return sim.quality_update(
        _phone(sim, body.phone_number_id),
        quality_rating=body.quality_rating,
        tier=body.tier or body.max_daily_conversations_per_business,
        event=body.event,
    )


@router.post("/templates")
async def create_template(body: TemplateIn, request: Request) -> dict[str, Any]:
    """Create a template directly (no Graph auth), APPROVED by default, skipping review."""
    sim = _sim(request)
    waba = sim.store.wabas.get(body.waba_id)
    if waba is None:
        raise HTTPException(404, f"no WABA {body.waba_id}")
    if body.category.upper() not in CATEGORIES:
        raise HTTPException(422, f"category must be one of {', '.join(CATEGORIES)}")
    if (body.name, body.language) in waba.templates:
        raise HTTPException(409, "a template with this name and language exists")
    template = sim.add_template(
        waba,
        body.name,
        body.language,
        body.category,
        body.components,
        body.parameter_format,
        status=body.status,
    )
    if body.status == "PENDING":
        sim.schedule_review(template)
    return manage.template_view(template, sorted(manage.TEMPLATE_FIELDS))


@router.post("/templates/{template_id}/status")
async def template_status(
    template_id: str, body: TemplateStatusIn, request: Request
) -> dict[str, Any]:
    sim = _sim(request)
    template = sim.store.templates.get(template_id)
    if template is None:
        raise HTTPException(404, f"no template {template_id}")
    out: dict[str, Any] = {}
    if body.quality_score is not None:
        out["quality_update"] = sim.template_quality(template, body.quality_score)
    if body.event is not None:
        out["status_update"] = sim.set_template_status(
            template, body.event, body.reason, rejection_info=body.rejection_info
        )
    out["template"] = manage.template_view(template, sorted(manage.TEMPLATE_FIELDS))
    return out


@router.get("/messages")
async def messages(
    request: Request,
    phone_number_id: str | None = None,
    to: str | None = None,
    wamid: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    sim = _sim(request)
    digits = "".join(c for c in to if c.isdigit()) if to else None
    items: list[dict[str, Any]] = []
    for msg in reversed(sim.store.messages.values()):
        if phone_number_id and msg.phone_number_id != phone_number_id:
            continue
        if digits and digits not in (msg.wa_id, "".join(c for c in msg.to if c.isdigit())):
            continue
        if wamid and msg.wamid != wamid:
            continue
        items.append(_message_out(msg))
        if len(items) >= limit:
            break
    items.reverse()
    return {"items": items}


@router.get("/webhooks")
async def webhooks(request: Request, field: str | None = None, limit: int = 1000) -> dict[str, Any]:
    sim = _sim(request)
    log = [e for e in sim.emitter.log if field is None or field in e["fields"]]
    items = [
        {**{k: v for k, v in e.items() if k != "body"}, "payload": json.loads(e["body"])}
        for e in (log[-limit:] if limit > 0 else [])
    ]
    return {"items": items, "stats": sim.emitter.stats, "pending": sim.emitter.pending}


@router.post("/reset")
async def reset(request: Request, body: ResetIn | None = None) -> dict[str, Any]:
    sim = _sim(request)
    sim.reset(sim.initial_config if body is not None and body.config else None)
    return {"reset": True}


@router.get("/config")
async def get_config(request: Request) -> dict[str, Any]:
    return _sim(request).config.model_dump()


@router.patch("/config")
async def patch_config(changes: dict[str, Any], request: Request) -> dict[str, Any]:
    sim = _sim(request)
    merged = sim.config.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    try:
        sim.config = SimulatorConfig.model_validate(merged)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        raise HTTPException(422, errors) from None
    return sim.config.model_dump()


@router.post("/flush")
async def flush(request: Request, body: FlushIn | None = None) -> dict[str, Any]:
    """Wait until no webhook (or template review) is pending, up to `timeout_s`."""
    sim = _sim(request)
    body = body or FlushIn()
    started = time.monotonic()
    deadline = started + body.timeout_s
    while True:
        if body.fast_forward:
            sim.fast_forward_reviews()
            sim.emitter.fast_forward()
        if sim.idle() or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.002)
    return {
        "idle": sim.idle(),
        "pending": sim.emitter.pending,
        "pending_reviews": len(sim.reviews),
        "waited_s": round(time.monotonic() - started, 4),
        **sim.emitter.stats,
    }
