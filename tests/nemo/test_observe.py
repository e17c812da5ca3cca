"""Every request the client sends is told to its observer once: the endpoint, the status, the failure's code, bytes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.nemo.errors import ConnectionLost, CreditsExhausted, ServerError
from bot.nemo.observe import Exchange
from tests.nemo.scripted import BASE, Script, http_for, ok, sse, token_reply

CREDITS = "/api/credits/balance/simple"
BALANCE = {"available": 90, "frozen": 10, "total": 100}


def _seen(exchanges: list[Exchange]) -> list[tuple[str, int | None, str | None]]:
    return [(e.endpoint, e.status, e.error) for e in exchanges]


async def test_successes_retries_and_refusals_each_count_once_by_endpoint_and_code() -> None:
    exchanges: list[Exchange] = []
    script = Script().on("/api/auth/anonymous-token", token_reply())
    script.on(CREDITS, httpx.Response(429, json={"detail": "slow down"}), ok(BALANCE))
    async with http_for(script) as http:
        nemo = script.client(http, observer=exchanges.append)
        await nemo.credits()
        script.replies[CREDITS] = [httpx.Response(200, json={"code": 2001, "message": "no credits"})]
        with pytest.raises(CreditsExhausted):
            await nemo.credits()
        script.replies[CREDITS] = [httpx.Response(503, json={"detail": "down"})]
        with pytest.raises(ServerError):
            await nemo.credits()
    assert _seen(exchanges) == [
        ("anonymous_token", 200, None),
        ("credits", 429, "http_429"),  # the one retry after a rate limit is a request of its own
        ("credits", 200, None),
        ("credits", 200, "2001"),  # an envelope code in an HTTP 200 reply
        ("credits", 503, "http_503"),
    ]
    assert all(e.seconds >= 0 for e in exchanges)


async def test_no_reply_is_counted_by_the_failure_kind() -> None:
    exchanges: list[Exchange] = []

    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    script = Script().on("/api/auth/anonymous-token", refuse)
    async with http_for(script) as http:
        with pytest.raises(ConnectionLost):
            await script.client(http, observer=exchanges.append).credits()
    assert _seen(exchanges) == [("anonymous_token", None, "ConnectionLost")]


async def test_streams_uploads_downloads_and_the_ping(tmp_path: Path) -> None:
    exchanges: list[Exchange] = []
    video = b"\x00\x00\x00\x18ftypmp42" + b"v" * 5000
    script = Script().on("/api/auth/anonymous-token", token_reply())
    script.on("/run_sse", sse(b'data: {"content": {"parts": [{"text": "hi"}]}}\n\n'))
    script.on("/api/upload-video/nemo_agent/me/s1", ok({"files": [{"name": "a.png", "cdn_url": "https://x/a.png"}]}))
    script.on("/cdn/out.mp4", httpx.Response(200, headers={"content-type": "video/mp4"}, content=video))
    photo = tmp_path / "a.png"
    photo.write_bytes(b"\x89PNG" + b"p" * 3000)
    async with http_for(script) as http:
        nemo = script.client(http, observer=exchanges.append)
        assert [event async for event in nemo.stream("s1", "hello")]
        await nemo.upload_files("s1", [photo])
        assert await nemo.download(f"{BASE}/cdn/out.mp4", tmp_path / "out.mp4") == len(video)
        assert await nemo.download("http://cdn.test/cdn/out.mp4", tmp_path / "out2.mp4") == len(video)
        assert await nemo.ping() == 404
    assert _seen(exchanges) == [
        ("anonymous_token", 200, None), ("run_sse", 200, None), ("upload", 200, None), ("other", 200, None),
        ("file", 200, None), ("ping", 404, None),
    ]
    upload, own_file, cdn_file = exchanges[2], exchanges[3], exchanges[4]
    assert upload.sent > 3000
    assert own_file.received == cdn_file.received == len(video)
