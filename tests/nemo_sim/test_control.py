"""Error transports, fault injection, the request log, config updates and reset."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from nemo_sim import Simulator
from tests.nemo_sim.wire import Account, configure, new_account, run_body


class _AnyText(str):
    """Equal to any string: the simulator's wording is not what these tests are about."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)

    def __hash__(self) -> int:
        return 0


ANY_TEXT = _AnyText()


@pytest.mark.parametrize(
    ("mode", "status"), [("envelope", 200), ("http", 401)]
)
async def test_1001_in_both_transports(client: httpx.AsyncClient, mode: str, status: int) -> None:
    await configure(client, error_mode=mode)
    reply = await client.get("/api/credits/balance/simple")
    assert reply.status_code == status
    assert reply.json()["code"] == 1001
    assert "message" in reply.json()


@pytest.mark.parametrize(
    ("code", "http_status"), [(1001, 401), (1002, 404), (2001, 403), (4001, 400), (4002, 400), (503, 503), (429, 429)]
)
async def test_fault_codes_under_http_mode(client: httpx.AsyncClient, code: int, http_status: int) -> None:
    await configure(client, error_mode="http", faults=[{"path_prefix": "/api/credits", "code": code}])
    reply = await client.get("/api/credits/balance/simple")
    assert reply.status_code == http_status
    assert reply.json()["code"] == code


async def test_envelope_faults_are_http_200_but_http_codes_are_not(client: httpx.AsyncClient) -> None:
    faults = [{"path_prefix": "/api/credits", "code": 2001}, {"path_prefix": "/api/x", "code": 500}]
    await configure(client, faults=faults)
    assert (await client.get("/api/credits/balance/simple")).status_code == 200
    assert (await client.get("/api/x")).status_code == 500


async def test_fault_times_and_method(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, faults=[{"path_prefix": "/api/credits", "code": 503, "times": 2, "method": "GET"}])
    url = "/api/credits/balance/simple"
    statuses = [(await client.get(url, headers=account.headers)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert (await client.get("/__sim/config")).json()["faults"] == []


async def test_fault_on_run_sse_and_render_shape(client: httpx.AsyncClient, account: Account) -> None:
    faults = [{"path_prefix": "/run_sse", "code": 1002}, {"path_prefix": "/api/render", "code": 500}]
    await configure(client, faults=faults)
    reply = await client.post("/run_sse", json=run_body(account, "hi"), headers=account.headers)
    assert reply.json()["code"] == 1002
    render = await client.post("/api/render/proxy/lambda", json={}, headers=account.headers)
    assert (render.status_code, render.json()["success"]) == (500, False)


async def test_fault_with_method_filter_skips_other_methods(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, faults=[{"path_prefix": "/api/", "code": 503, "method": "POST"}])
    assert (await client.get("/api/credits/balance/simple", headers=account.headers)).status_code == 200


async def test_request_log(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    await client.post("/run_sse", json=run_body(account, "hello"), headers=account.headers)
    files = {"files": ("a.mp4", b"x" * 100, "video/mp4")}
    await client.post(f"/api/upload-video/nemo_agent/me/{account.session_id}", files=files, headers=account.headers)
    log = (await client.get("/__sim/requests")).json()
    assert [r["path"] for r in log][:2] == ["/api/auth/anonymous-token", "/api/tasks/me/with-session/nemo_agent"]
    run = next(r for r in log if r["path"] == "/run_sse")
    assert run["method"] == "POST"
    assert run["headers"]["x-skill-platform"] == "console"
    assert run["headers"]["authorization"].startswith("Bearer nmv_usr_")
    assert run["body"]["new_message"]["parts"][0]["text"] == "hello"
    upload = next(r for r in log if r["path"].startswith("/api/upload-video"))
    assert upload["body"].startswith("<multipart ")
    assert upload["body"].endswith(" bytes>")
    assert not any(r["path"].startswith("/__sim") for r in log)
    filtered = (await client.get("/__sim/requests", params={"path": "/run_sse"})).json()
    assert len(filtered) == 1 == len(sim.world.requests_to("/run_sse", "POST"))
    await client.delete("/__sim/requests")
    assert (await client.get("/__sim/requests")).json() == []


async def test_request_log_keeps_query(client: httpx.AsyncClient) -> None:
    await client.get("/api/credits/balance/simple", params={"a": "1"})
    assert (await client.get("/__sim/requests")).json()[-1]["query"] == "a=1"


async def test_config_partial_update_and_validation(client: httpx.AsyncClient) -> None:
    config = await configure(client, speed=0.5, hb_style="json")
    assert (config["speed"], config["hb_style"], config["error_mode"]) == (0.5, "json", "envelope")
    bad = await client.post("/__sim/config", json={"no_such_switch": 1})
    assert bad.status_code == 422
    bad_value = await client.post("/__sim/config", json={"scenario": "nope"})
    assert bad_value.status_code == 422


async def test_reset_restores_start(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, error_mode="http")
    assert (await client.post("/__sim/reset")).json() == {"ok": True}
    assert sim.world.config.error_mode == "envelope"
    assert sim.world.config.speed == 0.001
    assert sim.world.sessions == {}
    assert sim.world.tokens == {}
    assert sim.world.requests == []
    again = await new_account(client)
    assert again.user_id != account.user_id



async def test_reset_ends_a_running_turn(client: httpx.AsyncClient, account: Account) -> None:
    async with client.stream("POST", "/run_sse", json=run_body(account, "stall"), headers=account.headers) as reply:
        lines = reply.aiter_lines()
        assert await anext(lines) == ": ping"
        assert (await client.post("/__sim/reset")).json() == {"ok": True}
        async with asyncio.timeout(5):
            rest = [line async for line in lines]
    assert set(rest) <= {"", ": ping"}

async def test_expire_tokens_endpoint(client: httpx.AsyncClient, account: Account) -> None:
    await client.post("/__sim/expire-tokens", json={})
    assert (await client.get("/api/credits/balance/simple", headers=account.headers)).json()["code"] == 1001


async def test_a_fault_can_name_an_endpoint_template(client: httpx.AsyncClient, account: Account) -> None:
    # A prefix cannot tell a render's download from its poll; the endpoint's template can.
    fault = {"endpoint": "/api/render/proxy/{rid}/download", "code": 500, "method": "GET"}
    await configure(client, faults=[fault])
    poll = await client.get("/api/render/proxy/lambda/render_1", headers=account.headers)
    assert poll.status_code == 404  # unknown render: the fault did not apply
    download = await client.get("/api/render/proxy/render_1/download", headers=account.headers)
    assert download.status_code == 500
    assert (await client.get("/__sim/config")).json()["faults"] == []


@pytest.mark.parametrize("fault", [{"code": 500}, {"path_prefix": "/x", "endpoint": "/x", "code": 500}])
async def test_a_fault_names_exactly_one_target(client: httpx.AsyncClient, fault: dict[str, object]) -> None:
    assert (await client.post("/__sim/config", json={"faults": [fault]})).status_code == 422


@pytest.mark.parametrize(
    ("mode", "path", "status", "body"),
    [
        ("envelope", "/api/credits/balance/simple", 200, {"code": 429, "message": "Too many requests"}),
        ("http", "/api/credits/balance/simple", 429, {"code": 429, "message": "Too many requests"}),
        ("envelope", "/api/render/proxy/lambda", 200, {"success": False, "code": 402, "error": ANY_TEXT}),
        ("http", "/api/render/proxy/lambda", 402, {"success": False, "code": 402, "error": ANY_TEXT}),
    ],
)
async def test_a_wrapped_http_fault_is_an_http_200_envelope_in_envelope_mode(
    client: httpx.AsyncClient, account: Account, mode: str, path: str, status: int, body: dict[str, object],
) -> None:
    code = body["code"]
    await configure(client, error_mode=mode, faults=[{"path_prefix": path, "code": code, "wrapped": True}])
    reply = await client.request("POST" if "render" in path else "GET", path, json={}, headers=account.headers)
    assert reply.status_code == status
    assert reply.json() == body
