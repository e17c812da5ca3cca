"""/run_sse over scripted replies: refusals before the stream, cuts and silence during it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nemo import errors
from bot.nemo.client import NemoClient
from bot.nemo.events import AgentEvent, AgentText, Keepalive
from tests.nemo.scripted import TOKEN, Script, http_for, sse, token_reply

RUN = "/run_sse"
HELLO = 'data: {"content":{"parts":[{"text":"Hello"}],"role":"model"},"author":"nemo_agent"}\n\n'


async def collect(client: NemoClient, text: str = "hi") -> list[AgentEvent]:
    return [event async for event in client.stream("5529798706024415232", text)]


def streamed(*chunks: bytes, then: Exception | None = None, pause: float = 0.0) -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            await asyncio.sleep(pause)
            yield chunk
        if then is not None:
            raise then

    return sse(body())


async def test_request_shape() -> None:
    script = Script().on(RUN, sse(HELLO.encode()))
    async with http_for(script) as http:
        assert await collect(script.client(http, token=TOKEN), "make a video") == [AgentText("Hello")]
    request = script.seen[0]
    assert json.loads(request.content) == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": "5529798706024415232",
        "new_message": {"parts": [{"text": "make a video"}]},
    }
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_utf8_and_line_separators_split_across_chunks() -> None:
    frame = ('data: {"content":{"parts":[{"text":"视频\u2028done"}]}}\n\n').encode()
    chunks = [frame[i : i + 7] for i in range(0, len(frame), 7)]

    async def reply(request: httpx.Request) -> httpx.Response:
        return streamed(*chunks)

    script = Script().on(RUN, reply)
    async with http_for(script) as http:
        assert await collect(script.client(http, token=TOKEN)) == [AgentText("视频\u2028done")]


@pytest.mark.parametrize("status", [200, 401])
async def test_auth_refusal_before_the_stream_is_retried(status: int) -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return sse(HELLO.encode())

    refusal = httpx.Response(status, json={"code": 1001, "message": "expired"})
    script = Script().on("/api/auth/anonymous-token", token_reply()).on(RUN, refusal, reply)
    async with http_for(script) as http:
        assert await collect(script.client(http)) == [AgentText("Hello")]
    assert script.paths() == ["/api/auth/anonymous-token", RUN, "/api/auth/anonymous-token", RUN]


async def test_rate_limit_before_the_stream_is_retried_once() -> None:
    script = Script().on(RUN, httpx.Response(429, json={"message": "busy"}))
    async with http_for(script) as http:
        with pytest.raises(errors.RateLimited):
            await collect(script.client(http, token=TOKEN))
    assert script.paths() == [RUN, RUN]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (httpx.Response(404, json={"detail": "Session not found: 5529798706024415232"}), errors.SessionNotFound),
        (httpx.Response(200, json={"code": 1002, "message": "no session"}), errors.SessionNotFound),
        (httpx.Response(200, json={"code": 2001, "message": "no credits"}), errors.CreditsExhausted),
        (httpx.Response(422, json={"detail": [{"loc": ["body", "sessionId"], "msg": "missing"}]}), errors.BadRequest),
        (httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"}), errors.MalformedReply),
    ],
)
async def test_refusals_before_the_stream(reply: httpx.Response, kind: type[errors.NemoError]) -> None:
    script = Script().on(RUN, reply)
    async with http_for(script) as http:
        with pytest.raises(kind):
            await collect(script.client(http, token=TOKEN))
    assert script.paths() == [RUN]


@pytest.mark.parametrize("cut", [httpx.ReadError("reset"), httpx.RemoteProtocolError("incomplete chunked read")])
async def test_cut_mid_stream_is_stream_dropped_and_not_resent(cut: Exception) -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return streamed(HELLO.encode(), b": ping\n\n", then=cut)

    script = Script().on(RUN, reply)
    seen: list[AgentEvent] = []

    async def consume(client: NemoClient) -> None:
        async for event in client.stream("1", "drop"):
            seen.append(event)

    async with http_for(script) as http:
        with pytest.raises(errors.StreamDropped):
            await consume(script.client(http, token=TOKEN))
    assert seen == [AgentText("Hello"), Keepalive()]
    assert script.paths() == [RUN]


async def test_keepalives_only_past_the_idle_limit_time_out() -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return streamed(HELLO.encode(), *[b": ping\n\n"] * 1000, pause=0.02)

    script = Script().on(RUN, reply)
    async with http_for(script) as http:
        with pytest.raises(errors.NemoTimeout):
            await collect(script.client(http, token=TOKEN, stream_idle_timeout=0.3))
    assert script.paths() == [RUN]


async def test_a_silent_connection_times_out() -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return streamed(HELLO.encode(), b"", pause=5.0)

    script = Script().on(RUN, reply)
    async with http_for(script) as http:
        with pytest.raises(errors.NemoTimeout):
            await collect(script.client(http, token=TOKEN, stream_idle_timeout=0.2))


FRAME_TEXT = st.lists(
    st.sampled_from([HELLO, ": ping\n", "data: \n", "\n", "event: heartbeat\n", 'data: {"error": 1}\n', "data: {\n"])
    | st.text(max_size=40),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(FRAME_TEXT, st.binary(max_size=64))
def test_any_stream_body_yields_events_or_our_errors(pieces: list[str], noise: bytes) -> None:
    body = "".join(pieces).encode() + noise

    async def run() -> None:
        script = Script().on(RUN, sse(body))
        async with http_for(script) as http:
            with contextlib.suppress(errors.NemoError):
                await collect(script.client(http, token=TOKEN))

    asyncio.run(run())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["code", "data", "state", "draft", "t", "sg", "tt", "d", "m", "x"]), inner)
    ),
    max_leaves=30,
)


@settings(max_examples=60, deadline=None)
@given(JSON, st.sampled_from([200, 400, 401, 402, 404, 429, 500]))
def test_any_state_reply_gives_a_state_or_our_errors(payload: object, status: int) -> None:
    async def run() -> None:
        script = Script().on("/api/state/nemo_agent/me/1/latest", httpx.Response(status, json=payload))
        async with http_for(script) as http:
            with contextlib.suppress(errors.NemoError):
                await script.client(http, token=TOKEN).state("1")

    asyncio.run(run())
