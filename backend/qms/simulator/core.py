"""The simulator's state machine: provisioning, auth, the message send hot path, template review
scheduling and the events the control API injects.

The send path (`Simulator.send`) is synchronous and allocation-light: dict lookups, a few type
checks, two token buckets, one `json.loads` and a response assembled as bytes. Everything slow
(status planning, webhooks) happens later in the emitter task."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from collections import deque
from typing import Any

from qms.simulator.config import SimulatorConfig
from qms.simulator.emitter import Emitter
from qms.simulator.errors import GraphError, auth_error, invalid_param, unsupported
from qms.simulator.review import (
    MEDIA_FORMATS,
    PLACEHOLDER_RE,
    Existing,
    normalise_components,
    review,
)
from qms.simulator.rules import RULES
from qms.simulator.state import (
    Message,
    PhoneNumber,
    Store,
    Template,
    Waba,
    new_id,
    new_token,
    new_wamid,
)

DEV_WABA_ID = "100000000000100"
DEV_PHONE_IDS = ("100000000000101", "100000000000102")
DEV_NUMBERS = ("15550100001", "15550100002")

PAIRS_PRUNE_AT = 100_000
SENDABLE = frozenset({"APPROVED", "FLAGGED"})
OTHER_TYPES = frozenset(
    {
        "image",
        "video",
        "audio",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive",
        "reaction",
    }
)
MESSAGE_TYPES = (
    "{AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, "
    "TEXT, VIDEO}"
)
# Template button type -> the `sub_type` of its send-time component.
BUTTON_SUBTYPES = {
    "QUICK_REPLY": "quick_reply",
    "URL": "url",
    "COPY_CODE": "copy_code",
    "OTP": "url",
    "FLOW": "flow",
    "CATALOG": "catalog",
    "MPM": "mpm",
    "SPM": "spm",
}
_TO_STRIP = str.maketrans("", "", "+-() ")
_decode = json.JSONDecoder().decode
_PLAIN = re.compile(r'^[^"\\]*$').match  # nothing to escape in a JSON string
_BAD_PARAM_TEXT = "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"

HELLO_WORLD = [
    {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
    {
        "type": "BODY",
        "text": "Welcome and congratulations!! This message demonstrates your ability to send a "
        "WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking "
        "the time to test with us.",
    },
    {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
]


def normalise_to(to: str, country_code: str) -> str | None:
    """The recipient's wa_id: digits only; without a leading `+` the business number's country
    code is prepended unless the number already starts with it (spec §2.1)."""
    if to[:1] == "+" and to.isascii():
        digits = to[1:]
        if digits.isdigit() and 8 <= len(digits) <= 15:
            return digits
    digits = to.translate(_TO_STRIP)
    if not digits.isascii() or not digits.isdigit():
        return None
    if not to.lstrip().startswith("+") and not digits.startswith(country_code):
        digits = country_code + digits
    if not 8 <= len(digits) <= 15:
        return None
    return digits


def _missing(details: str) -> GraphError:
    return GraphError(131008, details=details)


def _not_valid(details: str) -> GraphError:
    return GraphError(131009, details=details)


def _count_mismatch(where: str, got: int, expected: int) -> GraphError:
    return GraphError(
        132000,
        details=f"{where}: number of localizable_params ({got}) does not match the expected "
        f"number of params ({expected})",
    )


def _text_value(param: Any, where: str) -> str:
    if type(param) is not dict:
        raise _not_valid(f"{where}: each parameter must be an object")
    ptype = param.get("type")
    if ptype == "text":
        value = param.get("text")
        if type(value) is not str or not value:
            raise _missing(f"{where}: Parameter of type text is missing text value")
        if "\n" in value or "\t" in value or "     " in value:
            raise invalid_param("Invalid parameter", details=_BAD_PARAM_TEXT)
        return value
    if ptype == "currency":
        cur = param.get("currency")
        if (
            type(cur) is not dict
            or not isinstance(cur.get("fallback_value"), str)
            or not isinstance(cur.get("code"), str)
            or not isinstance(cur.get("amount_1000"), int)
        ):
            raise _missing(f"{where}: currency needs fallback_value, code and amount_1000")
        return str(cur["fallback_value"])
    if ptype == "date_time":
        dt = param.get("date_time")
        if type(dt) is not dict or not isinstance(dt.get("fallback_value"), str):
            raise _missing(f"{where}: date_time needs fallback_value")
        return str(dt["fallback_value"])
    raise GraphError(
        132012, details=f"{where}: Format mismatch, expected TEXT, received {str(ptype).upper()}"
    )


def _text_values(
    params: list[Any] | None, names: tuple[str, ...], named: bool, where: str
) -> dict[str, str]:
    got = len(params) if params else 0
    if got != len(names):
        raise _count_mismatch(where, got, len(names))
    if not params:
        return {}
    if named:
        values: dict[str, str] = {}
        for param in params:
            pname = param.get("parameter_name") if type(param) is dict else None
            if pname not in names or pname in values:
                raise _not_valid(
                    f"{where}: parameter_name '{pname}' does not match the template's parameters "
                    f"({', '.join(names)})"
                )
            values[str(pname)] = _text_value(param, where)
        return values
    return {name: _text_value(param, where) for name, param in zip(names, params, strict=True)}


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.initial_config = config
        self.config = config
        self.rng = random.Random(config.seed)
        self.store = Store()
        self.emitter = Emitter(self)
        self.reviews: dict[str, asyncio.TimerHandle] = {}
        self.timers: set[asyncio.TimerHandle] = set()
        self._numbers = itertools.count(200000)
        self._wabas = itertools.count(1)
        self._pairs_limit = PAIRS_PRUNE_AT
        self.seed_state()

    # Lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.emitter.start()

    async def stop(self) -> None:
        self._cancel_timers()
        await self.emitter.stop()

    def _cancel_timers(self) -> None:
        for handle in [*self.reviews.values(), *self.timers]:
            handle.cancel()
        self.reviews.clear()
        self.timers.clear()

    def reset(self, config: SimulatorConfig | None = None) -> None:
        if config is not None:
            self.config = config
        self._cancel_timers()
        self.rng = random.Random(self.config.seed)
        self.store = Store()
        self.emitter.reset()
        self.seed_state()

    def seed_state(self) -> None:
        if self.config.dev_waba:
            self.provision(
                phone_numbers=len(DEV_PHONE_IDS),
                access_token=self.config.dev_access_token,
                name="QMS Dev WABA",
                verified_name="QMS Demo",
                waba_id=DEV_WABA_ID,
                phone_ids=DEV_PHONE_IDS,
                numbers=DEV_NUMBERS,
            )

    def idle(self) -> bool:
        return self.emitter.pending == 0 and not self.reviews

    # Provisioning ------------------------------------------------------------------------------

    def provision(
        self,
        *,
        phone_numbers: int = 1,
        quality_rating: str = "GREEN",
        tier: str = "TIER_250",
        verified_name: str | None = None,
        country_code: str = "1",
        access_token: str | None = None,
        name: str | None = None,
        waba_id: str | None = None,
        phone_ids: tuple[str, ...] | None = None,
        numbers: tuple[str, ...] | None = None,
    ) -> tuple[Waba, str]:
        n = next(self._wabas)
        token = access_token or new_token()
        waba = Waba(waba_id or new_id(), name or f"Simulated WABA {n}")
        store = self.store
        store.wabas[waba.id] = waba
        for i in range(phone_numbers):
            pid = phone_ids[i] if phone_ids else new_id()
            number = numbers[i] if numbers else f"{country_code}555{next(self._numbers):07d}"
            store.phones[pid] = PhoneNumber(
                pid,
                waba.id,
                number,
                country_code,
                verified_name or f"Simulated Business {n}",
                quality_rating,
                tier,
            )
            waba.phone_ids.append(pid)
        store.tokens.setdefault(token, set()).add(waba.id)
        if self.config.seed_hello_world:
            self.add_template(
                waba, "hello_world", "en_US", "UTILITY", [dict(c) for c in HELLO_WORLD]
            )
        return waba, token

    def add_template(
        self,
        waba: Waba,
        name: str,
        language: str,
        category: str,
        components: list[Any],
        parameter_format: str = "POSITIONAL",
        status: str = "APPROVED",
    ) -> Template:
        template = Template(
            new_id(),
            waba.id,
            name,
            language,
            category.upper(),
            parameter_format.upper(),
            normalise_components(components),
            status=status,
        )
        self.store.templates[template.id] = template
        waba.templates[(name, language)] = template
        return template

    # Auth --------------------------------------------------------------------------------------

    def token_of(self, authorization: str | None, query_token: str | None = None) -> str:
        token: str | None = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() in ("bearer", "oauth"):
                token = value.strip()
        elif query_token:
            token = query_token
        if not token:
            raise auth_error(missing=True)
        if token not in self.store.tokens:
            raise auth_error(missing=False)
        return token

    def wabas_of(self, authorization: str | None, query_token: str | None = None) -> set[str]:
        if authorization is not None:
            wabas = self.store.by_header.get(authorization)
            if wabas is not None:
                return wabas
        wabas = self.store.tokens[self.token_of(authorization, query_token)]
        if authorization is not None:
            self.store.by_header[authorization] = wabas
        return wabas

    # Sending (the hot path) --------------------------------------------------------------------

    def send(
        self, phone_id: str, authorization: str | None, query_token: str | None, body: bytes
    ) -> tuple[int, bytes, dict[str, str] | None]:
        try:
            return 200, self._send(phone_id, authorization, query_token, body), None
        except GraphError as exc:
            return exc.http_status, exc.body(), exc.headers or None

    def _send(
        self, phone_id: str, authorization: str | None, query_token: str | None, body: bytes
    ) -> bytes:
        store = self.store
        cfg = self.config
        wabas = self.wabas_of(authorization, query_token)
        phone = store.phones.get(phone_id)
        if phone is None or phone.waba_id not in wabas:
            raise unsupported("post", phone_id)
        try:
            req = _decode(body.decode())
        except ValueError:
            raise invalid_param(
                "Invalid parameter", details="The request body is not valid JSON"
            ) from None
        if type(req) is not dict:
            raise invalid_param("Invalid parameter", details="The request body must be an object")
        product = req.get("messaging_product")
        if product != "whatsapp":
            if product is None:
                raise invalid_param("The parameter messaging_product is required.")
            raise invalid_param(
                f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".'
            )
        recipient_type = req.get("recipient_type", "individual")
        if recipient_type != "individual":
            if recipient_type == "group":
                raise _not_valid("Group messages are not supported by the simulator")
            raise invalid_param(
                "Param recipient_type must be one of {GROUP, INDIVIDUAL} - got "
                f'"{recipient_type}".'
            )
        to = req.get("to")
        if to is None or to == "":
            raise _missing("The parameter to is required.")
        if type(to) is not str:
            raise _not_valid("The parameter to must be a string.")
        wa_id = normalise_to(to, phone.country_code)
        if wa_id is None:
            raise _not_valid(f"The parameter to ({to}) is not a valid phone number.")
        mtype = req.get("type", "text")
        template: Template | None = None
        if mtype == "template":
            template = self._check_template(store.wabas[phone.waba_id], req)
            category = template.category.lower()
        elif mtype == "text":
            text = req.get("text")
            text_body = text.get("body") if type(text) is dict else None
            if type(text_body) is not str or not text_body:
                raise _missing("The parameter text['body'] is required.")
            if len(text_body) > 4096:
                raise invalid_param("Param text['body'] must be at most 4096 characters long.")
            category = "service"
        elif mtype in OTHER_TYPES:
            if type(req.get(mtype)) is not dict:
                raise _missing(f"The parameter {mtype} is required.")
            category = "service"
        else:
            raise invalid_param(f'Param type must be one of {MESSAGE_TYPES} - got "{mtype}".')
        opaque = req.get("biz_opaque_callback_data")
        if opaque is not None and (type(opaque) is not str or len(opaque) > 512):
            raise invalid_param(
                "Param biz_opaque_callback_data must be a string of at most 512 characters."
            )
        context = req.get("context")
        if context is not None and (
            type(context) is not dict or type(context.get("message_id")) is not str
        ):
            raise _not_valid("The parameter context['message_id'] must be a message id.")

        # Deterministic rules, limits, faults.
        rule = RULES.get(wa_id[-4:])
        if rule is not None and rule.sync:
            if not rule.once:
                assert rule.code is not None
                raise GraphError(rule.code)
            key = (phone_id, wa_id)
            if key not in store.failed_once:
                store.failed_once.add(key)
                raise GraphError(131000)
        now = time.monotonic()
        rate = phone.throughput_mps or cfg.throughput_per_number
        tokens = phone.tokens
        if tokens < 0:
            tokens = max(rate, 1.0)
        else:
            tokens = min(max(rate, 1.0), tokens + (now - phone.last) * rate)
        if tokens < 1.0:
            phone.tokens, phone.last = tokens, now
            raise GraphError(130429)
        pair: list[float] | None = None
        interval = cfg.pair_rate_interval_s
        if interval > 0:
            key = (phone_id, wa_id)
            pair = store.pairs.get(key)
            if pair is None and len(store.pairs) >= self._pairs_limit:
                self._prune_pairs(now)
            burst = float(cfg.pair_burst)
            if pair is None:
                pair = store.pairs[key] = [burst, now]
            else:
                pair[0] = min(burst, pair[0] + (now - pair[1]) / interval)
                pair[1] = now
            if pair[0] < 1.0:
                phone.tokens, phone.last = tokens, now
                raise GraphError(131056)
        if cfg.random_failure_rate and self.rng.random() < cfg.random_failure_rate:
            phone.tokens, phone.last = tokens, now
            raise GraphError(131000)
        phone.tokens, phone.last = tokens - 1.0, now
        if pair is not None:
            pair[0] -= 1.0

        # Accepted: what will happen next.
        window = store.windows.get((phone_id, wa_id))
        window_open = window is not None and now - window < cfg.service_window_s
        fail: int | None = None
        stop_at: str | None = None
        if rule is not None and not rule.sync:
            if rule.code is not None and (not rule.marketing_only or category == "marketing"):
                fail = rule.code
            stop_at = rule.stop_at
        if fail is None and category == "marketing":
            if (phone.waba_id, wa_id) in store.stopped:
                fail = 131050
            elif cfg.marketing_limit_per_user:
                fail = self._marketing_limit(wa_id, now)
        if fail is None and template is None and cfg.enforce_service_window and not window_open:
            fail = 131047
        if template is None:
            pricing = "free_customer_service"
        elif window_open and category == "utility":
            pricing = "free_customer_service"
        else:
            pricing = "regular"
        wamid = new_wamid(wa_id)
        msg = Message(
            wamid,
            phone_id,
            phone.waba_id,
            to,
            wa_id,
            mtype,
            req,
            category,
            pricing,
            now,
            time.time(),
            fail,
            stop_at,
        )
        if cfg.messages_kept:
            messages = store.messages
            messages[wamid] = msg
            if len(messages) > cfg.messages_kept:
                del messages[next(iter(messages))]
        if cfg.callbacks_enabled:
            self.emitter.accept(msg)
        status = ',"message_status":"accepted"' if template is not None else ""
        quoted = f'"{to}"' if to.isascii() and to.isprintable() and _PLAIN(to) else json.dumps(to)
        return (
            '{"messaging_product":"whatsapp","contacts":[{"input":'
            f'{quoted},"wa_id":"{wa_id}"}}],"messages":[{{"id":"{wamid}"{status}}}]}}'
        ).encode()

    def _prune_pairs(self, now: float) -> None:
        """Forget pair buckets that have refilled completely (they hold no information)."""
        cfg = self.config
        burst, interval = float(cfg.pair_burst), cfg.pair_rate_interval_s
        pairs = self.store.pairs
        for key in [
            k for k, (tokens, last) in pairs.items() if tokens + (now - last) / interval >= burst
        ]:
            del pairs[key]
        self._pairs_limit = max(PAIRS_PRUNE_AT, 2 * len(pairs))

    def _marketing_limit(self, wa_id: str, now: float) -> int | None:
        cfg = self.config
        sent = self.store.marketing.get(wa_id)
        if sent is None:
            sent = self.store.marketing[wa_id] = deque()
        while sent and now - sent[0] > cfg.marketing_limit_window_s:
            sent.popleft()
        if len(sent) >= cfg.marketing_limit_per_user:
            return 131049
        sent.append(now)
        return None

    def _check_template(self, waba: Waba, req: dict[str, Any]) -> Template:
        tpl = req.get("template")
        if type(tpl) is not dict:
            raise _missing("The parameter template is required.")
        name = tpl.get("name")
        if type(name) is not str or not name:
            raise _missing("The parameter template['name'] is required.")
        language = tpl.get("language")
        code = language.get("code") if type(language) is dict else None
        if type(code) is not str or not code:
            raise _missing("The parameter template['language']['code'] is required.")
        assert type(language) is dict
        policy = language.get("policy")
        if policy is not None and policy != "deterministic":
            raise _not_valid("template['language']['policy'] must be deterministic")
        template = waba.templates.get((name, code))
        if template is None or template.status not in SENDABLE:
            if template is not None and template.status == "PAUSED":
                raise GraphError(132015)
            if template is not None and template.status == "DISABLED":
                raise GraphError(132016)
            raise GraphError(132001, details=f"template name ({name}) does not exist in {code}")
        spec = template.spec
        header: list[Any] | None = None
        body: list[Any] | None = None
        buttons: dict[int, tuple[str, list[Any]]] = {}
        components = tpl.get("components")
        if components is not None:
            if type(components) is not list:
                raise _not_valid("template['components'] must be an array")
            for comp in components:
                if type(comp) is not dict:
                    raise _not_valid("template['components'] must contain objects")
                ctype = str(comp.get("type", "")).lower()
                params = comp.get("parameters", [])
                if type(params) is not list:
                    raise _not_valid(f"{ctype}: parameters must be an array")
                if ctype == "body":
                    body = params
                elif ctype == "header":
                    header = params
                elif ctype == "button":
                    buttons.update(self._button(comp, params, spec.buttons))
                else:
                    raise invalid_param(
                        "Invalid parameter", details=f"Invalid component type '{ctype}'"
                    )
        fmt = spec.header_format
        if fmt in MEDIA_FORMATS:
            expected = "video" if fmt == "GIF" else str(fmt).lower()
            received = (
                str(header[0].get("type", "UNKNOWN")) if header and type(header[0]) is dict else ""
            )
            if not header or len(header) != 1 or received != expected:
                raise GraphError(
                    132012,
                    details=f"header: Format mismatch, expected {fmt}, "
                    f"received {(received or 'UNKNOWN').upper()}",
                )
            media = header[0].get(expected)
            if type(media) is not dict or not (media.get("link") or media.get("id")):
                raise _missing(f"header: Parameter of type {expected} is missing link or id")
        elif fmt == "LOCATION":
            location = header[0].get("location") if header and type(header[0]) is dict else None
            if type(location) is not dict or not {"latitude", "longitude"} <= location.keys():
                raise GraphError(
                    132012, details="header: Format mismatch, expected LOCATION, received UNKNOWN"
                )
        else:
            _text_values(header, spec.header_params, spec.named, "header")
        values = _text_values(body, spec.body_params, spec.named, "body")
        if values:
            hydrated = PLACEHOLDER_RE.sub(lambda m: values[m.group(1).strip()], spec.body_text)
            if len(hydrated) > 1024:
                raise GraphError(132005)
        for index, button in spec.buttons.items():
            if button.params and index not in buttons:
                raise _count_mismatch("buttons", 0, button.params)
        return template

    @staticmethod
    def _button(
        comp: dict[str, Any], params: list[Any], specs: dict[int, Any]
    ) -> dict[int, tuple[str, list[Any]]]:
        sub_type = str(comp.get("sub_type", "")).lower()
        try:
            index = int(comp.get("index", ""))
        except (TypeError, ValueError):
            raise _missing("button: the parameter index is required") from None
        spec = specs.get(index)
        if spec is None or BUTTON_SUBTYPES.get(spec.type) != sub_type:
            raise _not_valid(
                f"Button at index {index} of type {sub_type.replace('_', ' ').title()} does not "
                "exist"
            )
        if sub_type == "quick_reply":
            if len(params) > 1:
                raise _count_mismatch("buttons", len(params), 1)
            for param in params:
                if type(param) is not dict or type(param.get("payload")) is not str:
                    raise _missing("button: Parameter of type payload is missing payload value")
        elif spec.params:
            if len(params) != spec.params:
                raise _count_mismatch("buttons", len(params), spec.params)
            param = params[0]
            kind = "coupon_code" if sub_type == "copy_code" else "text"
            if type(param) is not dict or type(param.get(kind)) is not str or not param[kind]:
                raise _missing(f"button: Parameter of type {kind} is missing {kind} value")
        return {index: (sub_type, params)}

    # Templates ---------------------------------------------------------------------------------

    def existing_for_review(self, template: Template) -> list[Existing]:
        waba = self.store.wabas.get(template.waba_id)
        if waba is None:
            return []
        return [
            Existing(
                t.name,
                t.category,
                str(t.part("BODY").get("text") or ""),
                str(t.part("FOOTER").get("text") or ""),
            )
            for t in waba.templates.values()
            if t.id != template.id and t.status not in ("REJECTED", "DELETED")
        ]

    def schedule_review(self, template: Template) -> None:
        loop = asyncio.get_running_loop()
        old = self.reviews.pop(template.id, None)
        if old is not None:
            old.cancel()
        delay = self.config.review_delay_s * self.config.time_factor
        self.reviews[template.id] = loop.call_later(delay, self._review, template.id)

    def fast_forward_reviews(self) -> None:
        for template_id, handle in list(self.reviews.items()):
            handle.cancel()
            self._review(template_id)

    def _review(self, template_id: str) -> None:
        self.reviews.pop(template_id, None)
        template = self.store.templates.get(template_id)
        if template is None or template.status != "PENDING":
            return
        verdict = review(
            {
                "name": template.name,
                "category": template.category,
                "language": template.language,
                "parameter_format": template.parameter_format,
                "components": template.components,
            },
            self.existing_for_review(template),
            lambda handle: handle in self.store.handles,
        )
        if verdict.approved:
            self.set_template_status(template, "APPROVED")
        else:
            self.set_template_status(
                template, "REJECTED", verdict.reason, rejection_info=verdict.rejection_info
            )

    def set_template_status(
        self,
        template: Template,
        event: str,
        reason: str | None = None,
        *,
        rejection_info: dict[str, str] | None = None,
        other_info: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Apply a status event and announce it with `message_template_status_update`."""
        value: dict[str, Any] = {
            "event": event,
            "message_template_id": int(template.id),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "reason": reason if reason is not None else "NONE",
            "message_template_category": template.category,
        }
        status = event
        if event in ("REINSTATED", "UNARCHIVED", "UNPAUSED"):
            status = "APPROVED"
        if event == "PAUSED":
            template.pause_count += 1
            if template.pause_count >= 3:
                status = event = value["event"] = "DISABLED"
            else:
                title = "FIRST_PAUSE" if template.pause_count == 1 else "SECOND_PAUSE"
                hours = 3 if template.pause_count == 1 else 6
                value["other_info"] = other_info or {
                    "title": title,
                    "description": f"Your WhatsApp message template has been paused for {hours} "
                    "hours until {until} due to low quality.".replace(
                        "{until}", time.strftime("%b %d, %Y %H:%M", time.gmtime())
                    ),
                }
                self._auto_unpause(template, hours * 3600.0)
        if event == "DISABLED":
            value["disable_info"] = {"disable_date": int(time.time())}
        if event == "REJECTED":
            value["reason"] = reason or "INVALID_FORMAT"
            if rejection_info is not None:
                value["rejection_info"] = rejection_info
            template.rejected_reason = value["reason"]
        elif event == "APPROVED":
            template.rejected_reason = "NONE"
            if other_info:
                value["other_info"] = other_info
        template.status = status
        self.emitter.event(template.waba_id, "message_template_status_update", value, timed=True)
        return value

    def _auto_unpause(self, template: Template, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def unpause() -> None:
            if handle is not None:
                self.timers.discard(handle)
            if template.status == "PAUSED":
                self.set_template_status(
                    template,
                    "APPROVED",
                    other_info={"title": "UNPAUSE", "description": "The template was unpaused."},
                )

        handle = loop.call_later(seconds * self.config.time_factor, unpause)
        self.timers.add(handle)

    # Injected events ---------------------------------------------------------------------------

    def _metadata(self, phone: PhoneNumber) -> dict[str, str]:
        return {"display_phone_number": phone.number, "phone_number_id": phone.id}

    def inbound(
        self,
        phone: PhoneNumber,
        wa_from: str,
        *,
        name: str | None = None,
        text: str | None = None,
        button_payload: str | None = None,
        button_text: str | None = None,
        reply_id: str | None = None,
        reply_title: str | None = None,
        context_id: str | None = None,
    ) -> str:
        wamid = new_wamid(wa_from)
        message: dict[str, Any] = {}
        if context_id:
            message["context"] = {"from": phone.number, "id": context_id}
        message |= {"from": wa_from, "id": wamid, "timestamp": str(int(time.time()))}
        if text is not None:
            message |= {"type": "text", "text": {"body": text}}
        elif button_payload is not None:
            message |= {
                "type": "button",
                "button": {"payload": button_payload, "text": button_text or button_payload},
            }
        else:
            message |= {
                "type": "interactive",
                "interactive": {
                    "type": "button_reply",
                    "button_reply": {"id": reply_id, "title": reply_title or reply_id},
                },
            }
        self.store.windows[(phone.id, wa_from)] = time.monotonic()
        value = {
            "messaging_product": "whatsapp",
            "metadata": self._metadata(phone),
            "contacts": [
                {"profile": {"name": name or f"Sim User {wa_from[-4:]}"}, "wa_id": wa_from}
            ],
            "messages": [message],
        }
        self.emitter.event(phone.waba_id, "messages", value, timed=False)
        return wamid

    def user_preference(self, phone: PhoneNumber, wa_id: str, value: str) -> dict[str, Any]:
        key = (phone.waba_id, wa_id)
        if value == "stop":
            self.store.stopped.add(key)
            detail = "User requested to stop marketing messages"
        else:
            self.store.stopped.discard(key)
            detail = "User requested to resume marketing messages"
        change = {
            "messaging_product": "whatsapp",
            "metadata": self._metadata(phone),
            "contacts": [{"wa_id": wa_id}],
            "user_preferences": [
                {
                    "wa_id": wa_id,
                    "detail": detail,
                    "category": "marketing_messages",
                    "value": value,
                    "timestamp": int(time.time()),
                }
            ],
        }
        self.emitter.event(phone.waba_id, "user_preferences", change, timed=False)
        return change

    def quality_update(
        self,
        phone: PhoneNumber,
        *,
        quality_rating: str | None,
        tier: str | None,
        event: str | None,
    ) -> dict[str, Any]:
        from qms.simulator.state import TIERS

        old_tier = phone.tier
        if quality_rating is not None:
            phone.quality_rating = quality_rating
        if tier is not None:
            phone.tier = tier
        if event is None:
            if tier is not None and tier != old_tier:
                event = "UPGRADE" if TIERS.index(tier) > TIERS.index(old_tier) else "DOWNGRADE"
            elif quality_rating in ("YELLOW", "RED"):
                event = "FLAGGED"
            elif quality_rating == "GREEN":
                event = "UNFLAGGED"
            else:
                event = "ONBOARDING"
        if event == "THROUGHPUT_UPGRADE":
            phone.throughput_mps = 1000.0
        value: dict[str, Any] = {
            "display_phone_number": phone.number,
            "event": event,
            "current_limit": phone.tier,
        }
        if phone.tier != old_tier:
            value["old_limit"] = old_tier
        value["max_daily_conversations_per_business"] = phone.tier
        self.emitter.event(phone.waba_id, "phone_number_quality_update", value, timed=True)
        return value

    def template_quality(self, template: Template, score: str) -> dict[str, Any]:
        value = {
            "previous_quality_score": template.quality_score,
            "new_quality_score": score,
            "message_template_id": int(template.id),
            "message_template_name": template.name,
            "message_template_language": template.language,
        }
        template.quality_score = score
        template.quality_date = int(time.time())
        self.emitter.event(template.waba_id, "message_template_quality_update", value, timed=True)
        return value
