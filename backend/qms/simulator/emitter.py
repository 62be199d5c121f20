"""The webhook emitter: an asyncio task that turns accepted messages into status webhooks
(sent → delivered → read, or failed), batches them, signs each POST like Meta
(`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`) and retries anything
but a 200 with backoff.

The send handler only appends to `incoming` (no await, no I/O); statuses are planned here.
Statuses wait in one heap and go out in batches of up to `max_batch` (everything due within
`batch_linger_s`), grouped into one entry per WABA and one change per phone number; other
events (inbound messages, template updates, quality, user preferences) and retries wait in a
second heap and go out alone."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import hmac
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from qms.simulator.errors import async_error, dumps
from qms.simulator.state import Message

if TYPE_CHECKING:
    from qms.simulator.core import Simulator

log = logging.getLogger("qms.simulator")

RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(slots=True)
class StatusItem:
    msg: Message
    status: str
    pricing: bool
    duplicate: bool = False


@dataclass(slots=True)
class EventItem:
    waba_id: str
    field: str
    value: dict[str, Any]
    timed: bool  # fields without `metadata` carry `entry[].time`


@dataclass(slots=True)
class Delivery:
    id: int
    body: bytes
    fields: list[str]
    first_at: float
    generation: int
    attempt: int = 1


Other = EventItem | Delivery


class Emitter:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.incoming: list[Message] = []
        self.statuses: list[tuple[float, int, StatusItem]] = []
        self.others: list[tuple[float, int, Other]] = []
        self.in_flight = 0
        self.generation = 0
        self.log: deque[dict[str, Any]] = deque(maxlen=sim.config.webhook_log_size)
        self.stats = {"posts": 0, "delivered": 0, "failed_attempts": 0, "dropped": 0}
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._sem: asyncio.Semaphore | None = None

    # Lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        cfg = self.sim.config
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max(cfg.webhook_concurrency, 1)),
            timeout=aiohttp.ClientTimeout(total=cfg.webhook_timeout_s),
        )
        self._sem = asyncio.Semaphore(cfg.webhook_concurrency)
        self._runner = asyncio.create_task(self._run(), name="qms-sim-webhooks")

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._runner] if self._runner else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self._runner = None

    def reset(self) -> None:
        """Forget everything pending; in-flight deliveries finish unseen (older generation)."""
        self.generation += 1
        self.incoming.clear()
        self.statuses.clear()
        self.others.clear()
        self.log = deque(maxlen=self.sim.config.webhook_log_size)
        self.stats = dict.fromkeys(self.stats, 0)

    @property
    def pending(self) -> int:
        return len(self.incoming) + len(self.statuses) + len(self.others) + self.in_flight

    def fast_forward(self) -> None:
        """Make pending statuses and events due now (tests: skip the configured delays)."""
        now = time.monotonic()
        self.statuses = [(min(due, now), seq, item) for due, seq, item in self.statuses]
        # Retries keep their backoff: a receiver that keeps failing is not hammered.
        self.others = [
            (now if isinstance(item, EventItem) else due, seq, item)
            for due, seq, item in self.others
        ]
        heapq.heapify(self.statuses)
        heapq.heapify(self.others)
        self._wake.set()

    # Producers (no I/O, no await) ----------------------------------------------------------------

    def accept(self, msg: Message) -> None:
        """Called by the send handler for every accepted message."""
        self.incoming.append(msg)
        self._wake.set()

    def event(self, waba_id: str, field: str, value: dict[str, Any], *, timed: bool) -> None:
        if not self.sim.config.callbacks_enabled:
            return
        now = time.monotonic()
        heapq.heappush(self.others, (now, next(self._seq), EventItem(waba_id, field, value, timed)))
        self._wake.set()

    # The loop ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop every later webhook
                log.exception("webhook emitter step failed")
                await asyncio.sleep(0.01)

    async def _step(self) -> None:
        """The loop (restarted by `_run` if it raises): plan new messages, post what is due,
        sleep until the next due time or until a producer wakes it."""
        while True:
            if self.incoming:
                self._plan_incoming()
            now = time.monotonic()
            if self.others and self.others[0][0] <= now:
                _, _, item = heapq.heappop(self.others)
                if isinstance(item, EventItem):
                    self._post_event(item, now)
                else:
                    self._start(item)
                await asyncio.sleep(0)
                continue
            if self.statuses and self.statuses[0][0] <= now:
                self._post_statuses(now)
                await asyncio.sleep(0)
                continue
            dues = [h[0][0] for h in (self.statuses, self.others) if h]
            timeout = max(min(dues) - now, 0.0) if dues else None
            self._wake.clear()
            if self.incoming:
                continue
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _plan_incoming(self) -> None:
        cfg = self.sim.config
        rng = self.sim.rng
        delays = cfg.status_delays_s
        tf = cfg.time_factor
        push = heapq.heappush
        heap = self.statuses
        seq = self._seq
        batch, self.incoming = self.incoming, []
        for msg in batch:
            sent_at = msg.created + delays.sent * tf * rng.uniform(0.5, 1.5)
            if msg.fail_code is not None:
                plan = [(sent_at, StatusItem(msg, "failed", False))]
            else:
                plan = [(sent_at, StatusItem(msg, "sent", True))]
                if msg.stop_at != "sent":
                    delivered_at = sent_at + delays.delivered * tf * rng.uniform(0.5, 1.5)
                    if msg.stop_at is None and rng.random() < cfg.read_rate:
                        if rng.random() < cfg.skip_delivered_rate:
                            # Read at once: Meta sends no `delivered` (spec §4.3).
                            plan.append((delivered_at, StatusItem(msg, "read", True)))
                        else:
                            read_at = delivered_at + delays.read * tf * rng.uniform(0.5, 1.5)
                            plan.append((delivered_at, StatusItem(msg, "delivered", True)))
                            plan.append((read_at, StatusItem(msg, "read", False)))
                    else:
                        plan.append((delivered_at, StatusItem(msg, "delivered", True)))
                if cfg.reorder and len(plan) > 1 and rng.random() < cfg.reorder_rate:
                    (t0, first), (t1, second) = plan[0], plan[1]
                    plan[0], plan[1] = (t1, first), (t0, second)
            for due, item in plan:
                push(heap, (due, next(seq), item))
                if cfg.duplicate_rate and rng.random() < cfg.duplicate_rate:
                    again = due + delays.delivered * tf * rng.uniform(0.2, 1.0)
                    dup = StatusItem(item.msg, item.status, item.pricing, duplicate=True)
                    push(heap, (again, next(seq), dup))

    def _post_statuses(self, now: float) -> None:
        cfg = self.sim.config
        horizon = now + cfg.batch_linger_s * cfg.time_factor
        heap = self.statuses
        items: list[StatusItem] = []
        while heap and heap[0][0] <= horizon and len(items) < cfg.max_batch:
            items.append(heapq.heappop(heap)[2])
        store = self.sim.store
        wall = str(int(time.time()))
        entries: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for item in items:
            msg = item.msg
            waba = store.wabas.get(msg.waba_id)
            if cfg.require_subscription and (waba is None or not waba.subscribed):
                continue
            status: dict[str, Any] = {
                "id": msg.wamid,
                "status": item.status,
                "timestamp": wall,
                "recipient_id": msg.wa_id,
            }
            opaque = msg.request.get("biz_opaque_callback_data")
            if isinstance(opaque, str):
                status["biz_opaque_callback_data"] = opaque
            if item.pricing:
                status["pricing"] = {
                    "billable": msg.pricing_type == "regular",
                    "pricing_model": "PMP",
                    "type": msg.pricing_type,
                    "category": msg.category,
                }
            if item.status == "failed":
                assert msg.fail_code is not None
                msg.errors = [async_error(msg.fail_code)]
                status["errors"] = msg.errors
            if not item.duplicate:
                msg.history.append((item.status, int(wall)))
                if RANK[item.status] > RANK[msg.status]:
                    msg.status = item.status
            entries.setdefault(msg.waba_id, {}).setdefault(msg.phone_number_id, []).append(status)
        if not entries:
            return
        entry_list: list[dict[str, Any]] = []
        for waba_id, phones in entries.items():
            changes: list[dict[str, Any]] = []
            for phone_id, statuses in phones.items():
                if cfg.reorder:
                    self.sim.rng.shuffle(statuses)
                phone = store.phones.get(phone_id)
                value = {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": phone.number if phone else "",
                        "phone_number_id": phone_id,
                    },
                    "statuses": statuses,
                }
                changes.append({"value": value, "field": "messages"})
            entry_list.append({"id": waba_id, "changes": changes})
        payload = {"object": "whatsapp_business_account", "entry": entry_list}
        self._post(payload, ["messages"], now)

    def _post_event(self, item: EventItem, now: float) -> None:
        cfg = self.sim.config
        waba = self.sim.store.wabas.get(item.waba_id)
        if cfg.require_subscription and (waba is None or not waba.subscribed):
            return
        entry: dict[str, Any] = {"id": item.waba_id}
        if item.timed:
            entry["time"] = int(time.time())
        entry["changes"] = [{"value": item.value, "field": item.field}]
        self._post({"object": "whatsapp_business_account", "entry": [entry]}, [item.field], now)

    # Delivery ----------------------------------------------------------------------------------

    def _post(self, payload: dict[str, Any], fields: list[str], now: float) -> None:
        delivery = Delivery(next(self._ids), dumps(payload), fields, now, self.generation)
        self.stats["posts"] += 1
        self._start(delivery)

    def _start(self, delivery: Delivery) -> None:
        self.in_flight += 1
        task = asyncio.create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, d: Delivery) -> None:
        cfg = self.sim.config
        status: int | None = None
        error: str | None = None
        signature = (
            "sha256=" + hmac.new(cfg.app_secret.encode(), d.body, hashlib.sha256).hexdigest()
        )
        try:
            assert self._session is not None and self._sem is not None
            async with (
                self._sem,
                self._session.post(
                    cfg.webhook_url,
                    data=d.body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": signature,
                        "User-Agent": "facebookexternalua",
                    },
                ) as response,
            ):
                status = response.status
                await response.read()
        except Exception as exc:  # any failure to deliver is retried, as Meta does
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.in_flight -= 1
        if d.generation != self.generation:
            return
        self.log.append(
            {
                "delivery_id": d.id,
                "attempt": d.attempt,
                "status_code": status,
                "error": error,
                "at": time.time(),
                "fields": d.fields,
                "signature": signature,
                "body": d.body,  # bytes: far smaller than the parsed payload
            }
        )
        if status == 200:
            self.stats["delivered"] += 1
            return
        self.stats["failed_attempts"] += 1
        schedule = cfg.retry_schedule_s
        now = time.monotonic()
        if not schedule:
            self.stats["dropped"] += 1
            return
        wait = schedule[min(d.attempt - 1, len(schedule) - 1)] * cfg.time_factor
        if now + wait - d.first_at > cfg.retry_max_age_s * cfg.time_factor:
            self.stats["dropped"] += 1
            return
        d.attempt += 1
        heapq.heappush(self.others, (now + wait, next(self._seq), d))
        self._wake.set()
