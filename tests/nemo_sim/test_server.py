"""Serving: `run_simulator` on free ports, `serve_forever` until cancelled, config from the environment."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from nemo_sim import Fault, SimConfig, run_simulator, serve_forever


async def test_two_simulators_get_their_own_ports_and_worlds() -> None:
    async with run_simulator() as one, run_simulator(SimConfig(error_mode="http")) as two:
        assert one.port != two.port
        assert one.url == f"http://127.0.0.1:{one.port}"
        async with httpx.AsyncClient() as http:
            assert (await http.get(one.url + "/api/credits/balance/simple")).status_code == 200
            assert (await http.get(two.url + "/api/credits/balance/simple")).status_code == 401
        assert len(one.world.requests) == 1
        assert two.world.config.error_mode == "http"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_serve_forever_until_cancelled() -> None:
    port = _free_port()
    async with asyncio.TaskGroup() as group:
        task = group.create_task(serve_forever("127.0.0.1", port, SimConfig(speed=0.01)))
        async with httpx.AsyncClient() as http, asyncio.timeout(10):
            while True:
                try:
                    reply = await http.post(f"http://127.0.0.1:{port}/api/auth/anonymous-token",
                                            headers={"X-Client-Id": "cli"})
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.02)
        assert reply.json()["code"] == 0
        task.cancel()
    assert task.cancelled()


def test_config_from_env() -> None:
    env = {"SIM_SPEED": "0.01", "SIM_ERROR_MODE": "http", "SIM_SCENARIO": "stall",
           "SIM_FAULTS": '[{"path_prefix": "/run_sse", "code": 500, "times": 2}]', "SIM_HB_STYLE": ""}
    config = SimConfig.from_env(env)
    assert (config.speed, config.error_mode, config.scenario, config.hb_style) == (0.01, "http", "stall", "comment")
    assert config.faults == [Fault(path_prefix="/run_sse", code=500, times=2)]
    assert config.delay(30) == pytest.approx(0.3)


def test_config_patch_is_validated() -> None:
    config = SimConfig().patched({"render_shape": "B", "faults": [{"path_prefix": "/x", "code": 1001}]})
    assert config.render_shape == "B"
    assert config.faults[0].times == 1
    with pytest.raises(ValueError, match="render_shape"):
        SimConfig().patched({"render_shape": "C"})
