"""Readiness follows Redis: /readyz answers 503 naming the store while a throwaway redis-server is stopped, and 200
once it runs again; /healthz stays 200 throughout. The composition root runs in-process; the probes go over HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from bot.app import open_bot, serving_health
from bot.config import HealthSettings, Settings
from bot.errors import BadSetting
from bot.logs import Redactor
from tests.redis_server import redis_server
from tests.scrape import probe, until_status


def _settings(tmp_path: Path, redis_url: str | None, port: int = 0) -> Settings:
    return Settings(
        _env_file=None, nemo_api_url="http://127.0.0.1:9", redis_url=redis_url, nemo_config_dir=str(tmp_path / "cfg"),
        health=HealthSettings(_env_file=None, port=port, listen="127.0.0.1", nemo_check_interval=0),
    )


async def test_readiness_flips_while_redis_is_away_and_back(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as server:
        settings = _settings(tmp_path, server.url())
        async with (
            open_bot(settings, Redactor()) as bot,
            serving_health(settings.health, bot) as port,
            httpx.AsyncClient(timeout=10) as http,
        ):
            assert port is not None
            ready = await until_status(http, port, "/readyz", 200)
            assert ready["checks"]["store"] == {"ok": True, "detail": "answers"}
            assert ready["checks"]["nemo"] == {"ok": True, "detail": "no request yet"}
            server.stop()
            down = await until_status(http, port, "/readyz", 503)
            assert down["ready"] is False
            assert down["checks"]["store"]["ok"] is False
            assert "unreachable" in down["checks"]["store"]["detail"]
            assert (await probe(http, port, "/healthz"))[0] == 200  # alive: only not ready
            server.start()
            back = await until_status(http, port, "/readyz", 200)
            assert back["checks"]["store"]["ok"] is True


async def test_a_health_port_in_use_is_a_bad_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        settings = _settings(tmp_path, None, port)  # the embedded store
        async with open_bot(settings, Redactor()) as bot:
            with pytest.raises(BadSetting) as refused:
                async with serving_health(settings.health, bot):
                    pass
    assert refused.value.cause == f"the health port 127.0.0.1:{port} is already in use"
    assert "HEALTH_PORT" in refused.value.fix
