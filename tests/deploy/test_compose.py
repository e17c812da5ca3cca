"""The compose file: Redis durable and healthy before the bot starts, the work volume, the optional profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml"
WORK_DIR = "/var/lib/nemo-bot/work"
SERVER_DIR = "/var/lib/telegram-bot-api"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    """The compose file's services."""
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    found: dict[str, Any] = compose["services"]
    return found


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """A service's named volumes by where they are mounted."""
    return {target: source for source, target in (entry.split(":")[:2] for entry in service.get("volumes", []))}


def test_redis_keeps_an_append_only_file_and_reports_its_health(services: dict[str, Any]) -> None:
    redis = services["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert mounts(redis)["/data"] == "redis-data"


def test_the_bot_waits_for_a_healthy_redis_and_keeps_its_work_dir(services: dict[str, Any]) -> None:
    bot = services["bot"]
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert bot["environment"]["WORK_DIR"] == WORK_DIR
    assert mounts(bot)[WORK_DIR] == "work"
    assert bot["build"]["target"] == "runtime"
    assert "profiles" not in bot


def test_optional_services_start_only_with_their_profile(services: dict[str, Any]) -> None:
    assert services["sim"]["profiles"] == ["sim"]
    assert services["sim"]["build"]["target"] == "sim"
    assert services["telegram-bot-api"]["profiles"] == ["local-bot-api"]
    for name in ("sim", "telegram-bot-api"):
        assert services["bot"]["depends_on"][name]["required"] is False


def test_a_local_bot_api_server_shares_both_folders_at_the_same_paths(services: dict[str, Any]) -> None:
    # Files go both ways as paths: the bot's uploads from its work dir, the server's downloads from its own dir.
    server, bot = services["telegram-bot-api"], services["bot"]
    assert server["environment"]["TELEGRAM_LOCAL"] == "1"
    for path in (WORK_DIR, SERVER_DIR):
        assert mounts(server)[path] == mounts(bot)[path]


def test_every_named_volume_is_declared() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    used = {source for service in compose["services"].values() for source in mounts(service).values()}
    assert used == set(compose["volumes"])
