"""Agent turns against the simulator over real HTTP: every scenario, keepalive style and stream ending."""

from __future__ import annotations

import typing
from typing import Any

import httpx
import pytest

from bot.nemo import errors
from bot.nemo.changes import changes_between
from bot.nemo.client import NemoClient
from bot.nemo.events import AgentEvent, AgentText, AgentTextDelta, Keepalive, StreamError, ToolCall, ToolResult
from tests.nemo.conftest import configure, recorded


def sim_choices(field: str) -> list[str]:
    """The values a simulator switch accepts (besides `rotate`), read from its config model."""
    from nemo_sim.config import SimConfig

    annotation = SimConfig.model_fields[field].annotation
    return [value for value in typing.get_args(annotation) if value != "rotate"]


async def session_with_credits(nemo: NemoClient, sim: Any) -> str:
    """A fresh session on an account that will not run out of credits."""
    anon = await nemo.authenticate()
    sim.world.set_credits(anon.user_id, 100_000)
    return (await nemo.create_session("en")).session_id


async def turn(nemo: NemoClient, session_id: str, text: str) -> list[AgentEvent]:
    """Every event of one turn."""
    return [event async for event in nemo.stream(session_id, text)]


def texts(events: list[AgentEvent]) -> list[str]:
    """The complete texts to show."""
    return [e.text for e in events if isinstance(e, AgentText)]


async def test_chat(nemo: NemoClient, sim: Any) -> None:
    events = await turn(nemo, await session_with_credits(nemo, sim), "hello, what can you do?")
    assert len(texts(events)) == 1
    assert not [e for e in events if isinstance(e, StreamError)]


@pytest.mark.parametrize("style", ["comment", "empty", "json", "event"])
async def test_generate_with_each_keepalive_style(
    nemo: NemoClient, sim: Any, http: httpx.AsyncClient, style: str
) -> None:
    await configure(http, sim, hb_style=style)
    events = await turn(nemo, await session_with_credits(nemo, sim), "make a video of waves")
    assert any(isinstance(e, Keepalive) for e in events)
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [c.name for c in calls] == ["generate_video", "edit_multitrack"]
    assert [r.id for r in results] == [c.id for c in calls]
    assert results[0].response.get("status") == "success"
    assert len(texts(events)) >= 2


@pytest.mark.parametrize("ending", sim_choices("silent_end"))
async def test_silent_edit_endings(nemo: NemoClient, sim: Any, http: httpx.AsyncClient, ending: str) -> None:
    session_id = await session_with_credits(nemo, sim)
    await turn(nemo, session_id, "generate a forest walk")
    before = await nemo.state(session_id)
    await configure(http, sim, silent_end=ending)
    events = await turn(nemo, session_id, "silent: add a title Deep Woods")
    assert texts(events) == []
    assert not [e for e in events if isinstance(e, StreamError)]
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["edit_multitrack"]
    assert changes_between(before, await nemo.state(session_id))


async def test_partial_stream_shows_each_text_once(nemo: NemoClient, sim: Any) -> None:
    events = await turn(nemo, await session_with_credits(nemo, sim), "partial please")
    finals = texts(events)
    assert len(finals) == 2
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["get_timeline"]
    chunks: list[str] = []
    for event in events:
        if isinstance(event, AgentTextDelta):
            chunks.append(event.text)
        elif isinstance(event, AgentText):
            assert "".join(chunks) == event.text
            chunks = []


async def test_thoughts_are_hidden(nemo: NemoClient, sim: Any) -> None:
    events = await turn(nemo, await session_with_credits(nemo, sim), "think about a video idea")
    shown = texts(events)
    assert len(shown) == 1
    assert "I should answer briefly" not in shown[0]
    assert "Plan:" not in shown[0]


async def test_trailing_issue_is_delivered_as_text(nemo: NemoClient, sim: Any) -> None:
    from nemo_sim.agent_text import TRAILING_ISSUE

    shown = texts(await turn(nemo, await session_with_credits(nemo, sim), "trailing"))
    assert len(shown) == 2
    assert shown[-1] == TRAILING_ISSUE


@pytest.mark.parametrize("style", sim_choices("error_style"))
async def test_error_mid_stream(nemo: NemoClient, sim: Any, http: httpx.AsyncClient, style: str) -> None:
    await configure(http, sim, error_style=style)
    events = await turn(nemo, await session_with_credits(nemo, sim), "error please")
    errors_seen = [e for e in events if isinstance(e, StreamError)]
    assert errors_seen
    assert all("unavailable" in e.message for e in errors_seen)
    assert texts(events) == ["Let me apply that change to your timeline."]


async def test_legacy_frames(nemo: NemoClient, sim: Any) -> None:
    events = await turn(nemo, await session_with_credits(nemo, sim), "legacy video of a dog")
    assert [(e.id, e.name) for e in events if isinstance(e, ToolCall)] == [(None, "generate_video_with_seedance")]
    assert any(isinstance(e, Keepalive) for e in events)
    assert texts(events)
    assert [e for e in events if isinstance(e, ToolResult)]


async def test_drop_is_stream_dropped_and_never_resent(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    session_id = await session_with_credits(nemo, sim)
    seen: list[AgentEvent] = []

    async def consume() -> None:
        async for event in nemo.stream(session_id, "drop a video of rain"):
            seen.append(event)

    with pytest.raises(errors.StreamDropped):
        await consume()
    assert seen
    assert len(await recorded(http, sim, "/run_sse")) == 1


async def test_stall_times_out(sim: Any, http: httpx.AsyncClient) -> None:
    impatient = NemoClient(
        http, base_url=sim.url, client_id="stall", attribution={"X-Skill-Source": "s"}, stream_idle_timeout=0.3
    )
    sim.world.set_credits((await impatient.authenticate()).user_id, 1000)
    session_id = (await impatient.create_session("en")).session_id
    seen: list[AgentEvent] = []

    async def consume() -> None:
        async for event in impatient.stream(session_id, "stall"):
            seen.append(event)

    with pytest.raises(errors.NemoTimeout):
        await consume()
    assert seen
    assert all(isinstance(e, Keepalive) for e in seen)


async def test_unknown_session(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    await nemo.authenticate()
    with pytest.raises(errors.SessionNotFound) as caught:
        await turn(nemo, "1234567890123456789", "hello")
    assert caught.value.code == 1002
    await configure(http, sim, session_404=True)
    with pytest.raises(errors.SessionNotFound) as adk:
        await turn(nemo, "1234567890123456789", "hello")
    assert (adk.value.code, adk.value.http_status) == (None, 404)


async def test_no_credits_as_text(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    session_id = await session_with_credits(nemo, sim)
    assert nemo.user_id is not None
    sim.world.set_credits(nemo.user_id, 0)
    await configure(http, sim, no_credits="text")
    shown = texts(await turn(nemo, session_id, "generate a video of snow"))
    assert len(shown) == 1
    assert "credits" in shown[0]


async def test_busy_session_is_refused(nemo: NemoClient, sim: Any) -> None:
    session_id = await session_with_credits(nemo, sim)
    first = nemo.stream(session_id, "make a video of a train")
    assert await anext(first)
    with pytest.raises(errors.NemoError) as caught:
        await turn(nemo, session_id, "hello")
    assert caught.value.http_status == 409
    await first.aclose()
