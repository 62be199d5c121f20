"""Docker can't run here, so the deployment files are checked by reading them: a non-root user,
a health check on /readyz, and only real settings in the environment."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from qms.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SETTING_NAMES = {f"QMS_{name.upper()}" for name in Settings.model_fields}


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_runs_as_non_root_with_readyz_healthcheck() -> None:
    text = _dockerfile()
    runtime = text.split("AS runtime", 1)[1]
    users = re.findall(r"^USER\s+(\S+)", runtime, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*?/readyz", runtime, flags=re.M | re.S)
    assert text.count("FROM ") >= 2  # multi-stage


def test_dockerfile_env_names_are_settings() -> None:
    names = set(re.findall(r"\b(QMS_[A-Z0-9_]+)=", _dockerfile()))
    assert names and names <= SETTING_NAMES, names - SETTING_NAMES


def test_compose_services_and_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "postgres", "redis", "simulator"} <= set(services)
    assert "readyz" in " ".join(services["api"]["healthcheck"]["test"])
    for name, service in services.items():
        env = service.get("environment") or {}
        qms_names = {k for k in env if k.startswith("QMS_")}
        assert qms_names <= SETTING_NAMES, (name, qms_names - SETTING_NAMES)
    assert services["api"]["environment"]["QMS_ENV"] == "production"


def test_production_refuses_to_start_without_secrets() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="QMS_JWT_SECRET"):
        Settings(env="production", jwt_secret=None, encryption_keys=None, hmac_key=None)
