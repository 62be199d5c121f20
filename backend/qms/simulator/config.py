"""Simulator settings, read from the environment with the prefix `QMS_SIM_`.

Every delay (status delays, review delay, webhook retries, latency) is multiplied by
`time_factor`, so tests run the same scenarios in milliseconds. Rate limits (throughput, pair
rate) are rates, not delays: they are never scaled; configure them directly.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StatusDelays(BaseModel):
    """Seconds (before `time_factor`) between acceptance and `sent`, `sent` and `delivered`,
    `delivered` and `read`. Each delay is jittered by ±50 % with the seeded RNG."""

    sent: float = Field(default=0.05, ge=0)
    delivered: float = Field(default=1.0, ge=0)
    read: float = Field(default=3.0, ge=0)


DEFAULT_RETRY_SCHEDULE = [0.5, 1, 2, 4, 8, 16, 32, 64, 120, 300, 600, 1800, 3600]


class SimulatorConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QMS_SIM_", extra="forbid")

    # Where the webhooks go and how they are signed (QMS is one Meta app).
    webhook_url: str = "http://127.0.0.1:8000/webhooks/whatsapp"
    app_secret: str = "dev-meta-app-secret"
    app_id: str = "100000000000001"

    seed: int = 42
    time_factor: float = Field(default=1.0, gt=0)
    callbacks_enabled: bool = True

    # Limits (rates: not scaled by time_factor).
    throughput_per_number: float = Field(default=80.0, gt=0)
    pair_rate_interval_s: float = Field(default=6.0, ge=0)
    pair_burst: int = Field(default=45, ge=1)
    # Marketing templates one recipient may receive (from all businesses) per rolling window;
    # over it the send is accepted and then fails with 131049. 0 = no limit.
    marketing_limit_per_user: int = Field(default=0, ge=0)
    marketing_limit_window_s: float = Field(default=86400.0, gt=0)
    # Text (non-template) sends outside a 24 h customer service window fail async with 131047.
    enforce_service_window: bool = True
    service_window_s: float = Field(default=86400.0, gt=0)
    max_templates_per_waba: int = Field(default=250, ge=1)
    # An approved template's name+language can't be reused this long after deletion.
    deleted_name_block_s: float = Field(default=30 * 86400.0, ge=0)
    # Meta sends webhooks only for WABAs that subscribed the app (`POST /subscribed_apps`).
    require_subscription: bool = False

    # Faults and realism.
    latency_ms: float = Field(default=0.0, ge=0)
    random_failure_rate: float = Field(default=0.0, ge=0, le=1)
    status_delays_s: StatusDelays = Field(default_factory=StatusDelays)
    read_rate: float = Field(default=0.8, ge=0, le=1)
    skip_delivered_rate: float = Field(default=0.01, ge=0, le=1)
    duplicate_rate: float = Field(default=0.02, ge=0, le=1)
    reorder: bool = True
    reorder_rate: float = Field(default=0.05, ge=0, le=1)

    # Webhook emitter.
    max_batch: int = Field(default=50, ge=1, le=1000)
    batch_linger_s: float = Field(default=0.2, ge=0)
    webhook_concurrency: int = Field(default=16, ge=1)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    retry_schedule_s: list[float] = Field(default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE))
    retry_max_age_s: float = Field(default=7 * 86400.0, gt=0)
    webhook_log_size: int = Field(default=2000, ge=0)

    # Templates.
    review_delay_s: float = Field(default=2.0, ge=0)

    # State.
    messages_kept: int = Field(default=20_000, ge=0)
    dev_waba: bool = True
    dev_access_token: str = "sim-dev-access-token"
    seed_hello_world: bool = True
    access_log: bool = False

    def delay(self, seconds: float) -> float:
        return seconds * self.time_factor
