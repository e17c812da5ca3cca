"""`/run_sse` framing and the scenarios' frame sequences, over a real uvicorn server."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nemo_sim import Simulator
from nemo_sim.scenarios import Scenario, pick_scenario
from tests.nemo_sim.wire import Account, configure, events, part_kinds, run_body, run_turn, state_of, texts


def _no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nulls(v) for v in value)
    return True


async def test_chat_is_one_adk_event(client: httpx.AsyncClient, account: Account) -> None:
    reply, frames = await run_turn(client, account, "hello there")
    assert reply.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert len(frames) == 1
    frame = frames[0]
    event = frame.json
    assert frame.raw == "data: " + json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    assert event["author"] == "nemo_agent"
    assert event["content"]["role"] == "model"
    assert uuid.UUID(event["id"]).version == 4
    assert event["invocationId"].startswith("e-")
    assert uuid.UUID(event["invocationId"][2:]).version == 4
    assert isinstance(event["timestamp"], float)
    assert set(event["actions"]) >= {"stateDelta", "artifactDelta", "requestedAuthConfigs"}
    assert _no_nulls(event)
    assert "Nemo" in texts(frames)[0]


async def test_chat_mentions_gui_when_asked_about_export(client: httpx.AsyncClient, account: Account) -> None:
    _, frames = await run_turn(client, account, "how do I export my clip?")
    assert "click the Export button" in texts(frames)[0]


async def test_non_ascii_is_raw_utf8(client: httpx.AsyncClient, account: Account) -> None:
    reply, frames = await run_turn(client, account, "讲讲城市夜景")
    [answer] = texts(frames)
    assert re.fullmatch(r"[^A-Za-z]+", answer)  # a Chinese prompt gets a Chinese answer
    assert answer in reply.content.decode("utf-8")
    assert "\\u" not in reply.text


async def test_camel_case_body_with_role(client: httpx.AsyncClient, account: Account) -> None:
    body = {"appName": "nemo_agent", "userId": account.user_id, "sessionId": account.session_id,
            "newMessage": {"role": "user", "parts": [{"text": "hello"}]}}
    reply = await client.post("/run_sse", json=body, headers=account.headers)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize(
    ("drop", "camel"),
    [("session_id", "sessionId"), ("new_message", "newMessage"), ("app_name", "appName")],
)
async def test_missing_fields_are_422_in_camel_case(
    client: httpx.AsyncClient, account: Account, drop: str, camel: str
) -> None:
    body = run_body(account, "hi")
    del body[drop]
    reply = await client.post("/run_sse", json=body, headers=account.headers)
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", camel]


async def test_user_id_is_optional_but_checked(client: httpx.AsyncClient, account: Account) -> None:
    body = run_body(account, "hi")
    del body["user_id"]
    assert (await client.post("/run_sse", json=body, headers=account.headers)).status_code == 200
    body["user_id"] = "anon_0000000000000000"
    assert (await client.post("/run_sse", json=body, headers=account.headers)).json()["code"] == 1002


async def test_unknown_session_1002_or_adk_404(client: httpx.AsyncClient, account: Account) -> None:
    body = {**run_body(account, "hi"), "session_id": "1234567890123456789"}
    assert (await client.post("/run_sse", json=body, headers=account.headers)).json()["code"] == 1002
    await configure(client, session_404=True)
    reply = await client.post("/run_sse", json=body, headers=account.headers)
    assert reply.status_code == 404
    assert reply.json() == {"detail": "Session not found: 1234567890123456789"}


async def test_run_sse_needs_auth(client: httpx.AsyncClient, account: Account) -> None:
    reply = await client.post("/run_sse", json=run_body(account, "hi"))
    assert reply.json()["code"] == 1001


async def test_generate_two_stages(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    _, frames = await run_turn(client, account, "generate a video of a city at night")
    evs = events(frames)
    kinds = [part_kinds(e) for e in evs]
    assert kinds == [
        ["text", "functionCall"],  # text and a functionCall in one event
        ["functionResponse"],
        ["text"],
        ["functionCall"],
        ["functionResponse"],
        ["text"],
    ]
    assert evs[0]["content"]["parts"][1]["functionCall"]["name"] == "generate_video"
    assert evs[0]["content"]["parts"][1]["functionCall"]["args"]["duration"] == 10
    response = evs[1]["content"]
    assert response["role"] == "user"
    assert evs[1]["author"] == "nemo_agent"
    assert response["parts"][0]["functionResponse"]["response"]["video_url"].startswith(sim.url + "/cdn/")
    assert evs[3]["content"]["parts"][0]["functionCall"]["name"] == "edit_multitrack"
    assert len({e["invocationId"] for e in evs}) == 1
    assert len({e["id"] for e in evs}) == len(evs)
    keepalives = [f for f in frames if f.is_keepalive]
    assert len(keepalives) >= 5
    assert all(f.raw == ": ping" for f in keepalives)
    assert '"City Night"' in texts(frames)[-1]
    state = await state_of(client, account)
    assert [t["tt"] for t in state["draft"]["t"]] == [0, 1, 7]
    assert state["draft"]["t"][2]["sg"][0]["text"] == "City Night"
    assert state["draft"]["d"] == 10000
    assert len(state["video_infos"]) == 1
    assert len(state["generated_media"]) == 1
    credits = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert credits.json()["data"] == {"available": 70, "frozen": 0, "total": 70}


async def test_generate_freezes_credits_while_running(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, gen_seconds=400, hb_interval=50)  # 0.4 s at speed 0.001
    async with client.stream("POST", "/run_sse", json=run_body(account, "generate a beach"),
                             headers=account.headers) as reply:
        lines = reply.aiter_lines()
        assert (await anext(lines)).startswith("data: ")
        running = await client.get("/api/credits/balance/simple", headers=account.headers)
        assert running.json()["data"] == {"available": 70, "frozen": 30, "total": 100}
        async for _ in lines:
            pass
    done = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert done.json()["data"] == {"available": 70, "frozen": 0, "total": 70}


@pytest.mark.parametrize(
    ("style", "raw"),
    [("comment", ": ping"), ("empty", "data: "), ("json", 'data: {"type":"heartbeat"}'),
     ("event", "event: heartbeat\ndata: ")],
)
async def test_keepalive_styles(client: httpx.AsyncClient, account: Account, style: str, raw: str) -> None:
    await configure(client, hb_style=style, scenario="generate")
    _, frames = await run_turn(client, account, "anything")
    keepalives = [f for f in frames if f.is_keepalive]
    assert keepalives
    assert {f.raw for f in keepalives} == {raw}


ENDINGS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "no_parts": lambda e: e.get("content") == {"role": "model"},
    "empty_text": lambda e: e.get("content", {}).get("parts") == [{"text": ""}],
    "no_content_code": lambda e: e.get("errorCode") == "MODEL_RETURNED_NO_CONTENT" and "content" not in e,
    "bare_event": lambda e: "content" not in e and "errorCode" not in e,
    "close": lambda e: part_kinds(e) == ["functionResponse"],
}


@pytest.mark.parametrize("ending", list(ENDINGS))
async def test_silent_edit_endings(client: httpx.AsyncClient, account: Account, ending: str) -> None:
    await configure(client, silent_end=ending)
    before = await state_of(client, account)
    _, frames = await run_turn(client, account, "add a title 'Paradise Found'")
    evs = events(frames)
    assert part_kinds(evs[0]) == ["functionCall"]
    assert part_kinds(evs[1]) == ["functionResponse"]
    assert len(evs) == (2 if ending == "close" else 3)
    assert ENDINGS[ending](evs[-1])
    assert all(not t for t in texts(frames))
    after = await state_of(client, account)
    assert before["draft"] != after["draft"]
    assert after["draft"]["m"]["title"] == "Paradise Found"
    credits = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert credits.json()["data"]["available"] == 90


async def test_silent_edit_endings_rotate(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    sim.world.set_credits(account.user_id, 1000)
    seen = set()
    for n in range(5):
        _, frames = await run_turn(client, account, f"silent change number {n}")
        last = events(frames)[-1]
        seen.add(next(name for name, check in ENDINGS.items() if check(last)))
    assert seen == set(ENDINGS)


async def test_partial_stream(client: httpx.AsyncClient, account: Account) -> None:
    for _ in range(2):  # alternates shared (2.x) and distinct (1.x) event ids
        _, frames = await run_turn(client, account, "partial please")
        evs = events(frames)
        first_final = next(i for i, e in enumerate(evs) if not e.get("partial"))
        partials, final = evs[:first_final], evs[first_final]
        chunks = [p["content"]["parts"][0]["text"] for p in partials if "text" in p["content"]["parts"][0]]
        call_partial = [p for p in partials if part_kinds(p) == ["functionCall"]]
        assert "".join(chunks) == final["content"]["parts"][0]["text"]
        assert part_kinds(final) == ["text", "functionCall"]
        assert call_partial[0]["content"]["parts"][0] == final["content"]["parts"][1]
        assert part_kinds(evs[first_final + 1]) == ["functionResponse"]
        assert "partial" not in evs[-1]
        assert evs[-2]["partial"] is True
        ids = {e["id"] for e in evs[: first_final + 1]}
        assert len(ids) in (1, first_final + 1)


async def test_thought_parts(client: httpx.AsyncClient, account: Account) -> None:
    _, frames = await run_turn(client, account, "think about a travel video")
    evs = events(frames)
    assert part_kinds(evs[0]) == ["thought"]
    assert part_kinds(evs[1]) == ["thought", "text"]
    visible = texts(frames)
    assert len(visible) == 1
    assert "should answer" not in visible[0]


async def test_trailing_issue(client: httpx.AsyncClient, account: Account) -> None:
    _, frames = await run_turn(client, account, "trailing")
    visible = texts(frames)
    assert len(visible) == 2
    assert visible[-1].startswith("I encountered a temporary issue")


async def test_error_mid_1x(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, error_style="1.x")
    _, frames = await run_turn(client, account, "error please")
    assert [part_kinds(e) for e in events(frames)[:2]] == [["text"], ["functionCall"]]
    assert frames[-1].raw.startswith('data: {"error": "')
    assert set(frames[-1].json) == {"error"}


async def test_error_mid_2x_two_frames(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, error_style="2.x")
    _, frames = await run_turn(client, account, "error please")
    event_frame, error_frame = frames[-2].json, frames[-1].json
    assert event_frame["errorCode"]
    assert event_frame["errorMessage"]
    assert event_frame["author"] == "nemo_agent"
    assert error_frame["error"].startswith("RuntimeError: ")
    assert error_frame["error_details"]["type"] == "RuntimeError"
    assert frames[-1].raw.startswith('data: {"error": ')


async def test_legacy_frames(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    _, frames = await run_turn(client, account, "legacy generate of a forest")
    types = [f.json["type"] for f in frames]
    assert types == ["text", "tool_call", "heartbeat", "heartbeat", "heartbeat", "tool_result", "text"]
    assert frames[5].json["result"]["video_url"].endswith(".mp4")
    state = await state_of(client, account)
    assert state["draft"]["t"][0]["tt"] == 0
    assert sim.world.users[account.user_id].available == 70  # a generation, in the old frames


async def test_no_credits_error_before_stream(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    sim.world.set_credits(account.user_id, 20)
    reply, _ = await run_turn(client, account, "generate a cat video")
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["code"] == 2001
    await configure(client, error_mode="http")
    reply, _ = await run_turn(client, account, "generate a cat video")
    assert (reply.status_code, reply.json()["code"]) == (403, 2001)


async def test_no_credits_text_refusal(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    sim.world.set_credits(account.user_id, 20)
    await configure(client, no_credits="text")
    reply, frames = await run_turn(client, account, "generate a cat video")
    assert reply.status_code == 200
    visible = texts(frames)
    assert len(visible) == 1
    assert "credits" in visible[0]
    assert (await state_of(client, account))["draft"] == {}
    assert sim.world.users[account.user_id].available == 20


def test_keyword_table() -> None:
    table = {
        "hello": Scenario.CHAT,
        "Generate a video of the sea": Scenario.GENERATE,
        "make a video about cats": Scenario.GENERATE,
        "CREATE something": Scenario.GENERATE,
        "add a title please": Scenario.SILENT_EDIT,
        "add music": Scenario.SILENT_EDIT,
        "change the colours": Scenario.SILENT_EDIT,
        "silent generate": Scenario.SILENT_EDIT,
        "partial": Scenario.PARTIAL_STREAM,
        "think": Scenario.THOUGHT,
        "trailing": Scenario.TRAILING_ISSUE,
        "error": Scenario.ERROR_MID,
        "drop": Scenario.DROP,
        "raindrops at night": Scenario.CHAT,
        "stall": Scenario.STALL,
        "legacy generate": Scenario.LEGACY_FRAMES,
    }
    for text, expected in table.items():
        assert pick_scenario(text) is expected, text
    assert pick_scenario("hello", "stall") is Scenario.STALL
