"""Streams that end badly or overlap: dropped connections, stalls, busy sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from nemo_sim import Simulator
from tests.nemo_sim.wire import Account, configure, events, parse_frames, run_body, state_of


async def test_drop_cuts_connection_but_work_completes(
    sim: Simulator, client: httpx.AsyncClient, account: Account
) -> None:
    received: list[str] = []
    try:
        async with client.stream("POST", "/run_sse", json=run_body(account, "drop test: a mountain"),
                                 headers=account.headers) as reply:
            assert reply.status_code == 200
            async for line in reply.aiter_lines():
                received.append(line)
        raised = False
    except httpx.RemoteProtocolError:
        raised = True
    assert raised, "the stream must end without the chunked terminator"
    assert any(line.startswith("data: ") for line in received)
    assert (await state_of(client, account))["draft"] == {}
    state = await _with_tracks(client, account, 3)
    assert [t["tt"] for t in state["draft"]["t"]] == [0, 1, 7]
    credits = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert credits.json()["data"]["available"] == 70
    assert len(sim.world.requests_to("/run_sse")) == 1


async def test_stall_sends_keepalives_until_client_leaves(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, hb_style="json")
    async with client.stream("POST", "/run_sse", json=run_body(account, "stall"), headers=account.headers) as reply:
        lines = [line async for line in _first_lines(reply, 6)]
    assert all(line in ("", 'data: {"type":"heartbeat"}') for line in lines)
    # The session is free again once the turn has noticed the client left.
    reply = await _once_free(client, account, "hello")
    assert events(parse_frames(reply.text))


async def _with_tracks(client: httpx.AsyncClient, account: Account, count: int) -> dict[str, Any]:
    """The session's state once the turn still running in the background has put `count` tracks on it."""
    async with asyncio.timeout(5):
        # The condition is the simulator's answer over HTTP (ASYNC110): there is no event to wait on.
        while len((state := await state_of(client, account))["draft"].get("t", [])) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return state


async def _once_free(client: httpx.AsyncClient, account: Account, text: str) -> httpx.Response:
    """Send a message, again for as long as the session answers 409 (busy with the previous turn)."""
    body = run_body(account, text)
    async with asyncio.timeout(5):
        while (reply := await client.post("/run_sse", json=body, headers=account.headers)).status_code == 409:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return reply


async def _first_lines(reply: httpx.Response, count: int) -> AsyncIterator[str]:
    seen = 0
    async for line in reply.aiter_lines():
        yield line
        seen += 1
        if seen == count:
            return


async def test_busy_session_rejected(client: httpx.AsyncClient, account: Account) -> None:
    async with client.stream("POST", "/run_sse", json=run_body(account, "stall"), headers=account.headers) as first:
        assert first.status_code == 200
        second = await client.post("/run_sse", json=run_body(account, "hello"), headers=account.headers)
        assert second.status_code == 409
        assert "busy" in second.json()["message"]


async def test_busy_session_queued(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, busy="queue", gen_seconds=200)
    async with client.stream("POST", "/run_sse", json=run_body(account, "generate a lake"),
                             headers=account.headers) as first:
        first_lines = first.aiter_lines()
        await anext(first_lines)
        second_task = asyncio.create_task(
            client.post("/run_sse", json=run_body(account, "hello"), headers=account.headers)
        )
        rest = [line async for line in first_lines]
    second = await second_task
    first_events = events(parse_frames("\n".join(rest) + "\n"))
    second_events = events(parse_frames(second.text))
    assert second.status_code == 200
    assert second_events[0]["timestamp"] >= first_events[-1]["timestamp"]
