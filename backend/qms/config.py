"""One Settings object, read from the environment (prefix QMS_).

Secrets have no defaults: in production they must be set explicitly; elsewhere they are generated
once into the data folder (see `qms.secrets_store`) so ciphertexts and hashes stay valid across
restarts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


SECRET_SETTINGS = (
    "jwt_secret",
    "encryption_keys",
    "hmac_key",
    "meta_app_secret",
    "meta_verify_token",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QMS_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms"
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = REPO_ROOT / ".data"
    public_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    spa_dist: Path = REPO_ROOT / "frontend" / "dist"
    # Holds alembic.ini and migrations/ (the checkout in development, /app in the image).
    app_root: Path = REPO_ROOT

    # Secrets (see module docstring).
    jwt_secret: SecretStr | None = None
    # "kid:base64key,kid2:base64key" — the first key encrypts, all keys decrypt.
    encryption_keys: SecretStr | None = None
    hmac_key: SecretStr | None = None

    # Meta (one app for the whole deployment). The simulator differs only by its base URL.
    meta_app_secret: SecretStr | None = None  # signs webhooks (X-Hub-Signature-256)
    meta_verify_token: SecretStr | None = None  # webhook verification handshake
    meta_app_id: str = "100000000000001"
    whatsapp_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = Field(default="v25.0", pattern=r"^v\d+\.0$")
    simulator_url: str = "http://127.0.0.1:9090"

    access_token_ttl_seconds: int = Field(default=900, le=900, gt=0)
    refresh_token_ttl_days: int = 30
    # A refresh token replayed within this many seconds of its rotation is taken as two tabs
    # refreshing at once, not theft: it gets its own successor instead of revoking the session.
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0, le=60)
    email_token_ttl_hours: int = 24
    password_reset_ttl_minutes: int = 30
    invitation_ttl_days: int = 7
    workspace_purge_days: int = 90
    audit_retention_days: int = 730

    # Throttles: attempts per window, per account and per IP.
    login_max_per_account: int = 5
    login_max_per_ip: int = 30
    reset_max_per_account: int = 3
    reset_max_per_ip: int = 10
    throttle_window_seconds: int = 900
    signup_max_per_ip: int = 20
    password_check_max_per_account: int = 5

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "QMS <no-reply@qms.sd>"

    @field_validator("smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker-compose passes unset variables as empty strings
        return None if value == "" else value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env == "production":
            missing = [name for name in SECRET_SETTINGS if getattr(self, name) is None]
            if missing:
                names = ", ".join(f"QMS_{m.upper()}" for m in missing)
                raise ValueError(f"production requires explicit secrets: {names}")
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def alembic_config(app_root: Path) -> Any:
    """Alembic's Config for the migrations under `app_root` (imported lazily: alembic is only
    needed by the CLI and the readiness check)."""
    from alembic.config import Config

    config = Config(str(app_root / "alembic.ini"))
    config.set_main_option("script_location", str(app_root / "migrations"))
    return config
