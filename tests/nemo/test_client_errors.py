"""Error translation, retries and secrecy, over scripted replies (shapes the simulator cannot produce)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from bot.nemo import errors
from bot.nemo.draft import Draft
from bot.nemo.errors import NemoError
from bot.nemo.seam import retry_after
from bot.nemo.wire import Endpoint, RenderState
from tests.nemo.scripted import BASE, TOKEN, TOKEN_2, Script, http_for, ok, token_reply

TOKEN_PATH = "/api/auth/anonymous-token"
CREDITS = "/api/credits/balance/simple"
BALANCE = {"available": 90, "frozen": 10, "total": 100}


def listing(folder: Path) -> list[str]:
    """File names in a folder (a quick local listing)."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def script() -> Script:
    return Script().on(TOKEN_PATH, token_reply())


@pytest.fixture
async def http(script: Script) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(script) as client:
        yield client


CODES = [
    (1002, 404, errors.SessionNotFound),
    (2001, 402, errors.CreditsExhausted),
    (4001, 415, errors.UnsupportedFileType),
    (4002, 413, errors.FileTooLarge),
    (9999, 400, errors.BadRequest),
]


@pytest.mark.parametrize(("code", "status", "kind"), CODES)
@pytest.mark.parametrize("transport", ["envelope", "http"])
async def test_envelope_and_http_errors_raise_the_same(
    script: Script, http: httpx.AsyncClient, code: int, status: int, kind: type[NemoError], transport: str
) -> None:
    body = {"code": code, "message": "refused"}
    script.on(CREDITS, httpx.Response(200 if transport == "envelope" else status, json=body))
    with pytest.raises(kind) as caught:
        await script.client(http).credits()
    assert caught.value.code == code
    assert "refused" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (httpx.Response(402, json={"code": 402, "message": "export blocked"}), errors.ExportBlocked),
        (httpx.Response(400, json={"detail": "bad"}), errors.BadRequest),
        (httpx.Response(422, json={"detail": [{"loc": ["body", "sessionId"]}]}), errors.BadRequest),
        (httpx.Response(404, json={"detail": "Session not found: 123"}), errors.SessionNotFound),
        (httpx.Response(404, json={"detail": "Not Found"}), errors.BadRequest),
        (httpx.Response(500, json={"code": 500, "message": "oops"}), errors.ServerError),
        (httpx.Response(502, text="<html>Bad Gateway</html>"), errors.ServerError),
        (httpx.Response(401, text="no"), errors.AuthError),
        (httpx.Response(200, json={"success": False, "error": "duplicate id"}), errors.BadRequest),
        (httpx.Response(200, text="hello"), errors.MalformedReply),
        (httpx.Response(200, json=[1, 2]), errors.MalformedReply),
        (httpx.Response(200, json={"code": 0, "data": "x"}), errors.MalformedReply),
        (httpx.Response(200, json={"code": 0, "data": {"frozen": 1}}), errors.MalformedReply),
    ],
)
async def test_status_and_shape_errors(
    script: Script, http: httpx.AsyncClient, reply: httpx.Response, kind: type[NemoError]
) -> None:
    script.on(CREDITS, reply)
    with pytest.raises(kind):
        await script.client(http, token=TOKEN).credits()


async def test_credits_error_carries_the_registration_link(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(200, json={"code": 2001, "message": "no credits"}))
    with pytest.raises(errors.CreditsExhausted) as caught:
        await script.client(http, web_url="https://web.test/").credits()
    assert caught.value.user_id == "anon_0123456789abcdef"
    assert caught.value.register_url == "https://web.test/register?bind=anon_0123456789abcdef"


async def test_reauth_on_1001_with_the_same_client_id(script: Script, http: httpx.AsyncClient) -> None:
    script.replies[TOKEN_PATH] = [token_reply(TOKEN), token_reply(TOKEN_2)]
    script.on(CREDITS, httpx.Response(200, json={"code": 1001, "message": "expired"}), ok(BALANCE))
    client = script.client(http)
    assert (await client.credits()).total == 100
    assert script.paths() == [TOKEN_PATH, CREDITS, TOKEN_PATH, CREDITS]
    assert [r.headers["x-client-id"] for r in script.seen if r.url.path == TOKEN_PATH] == ["cid-1", "cid-1"]
    assert [r.headers["authorization"] for r in script.seen if r.url.path == CREDITS] == [
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN_2}",
    ]
    assert [t.token for t in script.issued] == [TOKEN, TOKEN_2]


async def test_reauth_happens_once(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(401, json={"code": 1001, "message": "expired"}))
    with pytest.raises(errors.AuthError):
        await script.client(http).credits()
    assert script.paths() == [TOKEN_PATH, CREDITS, TOKEN_PATH, CREDITS]


async def test_a_configured_token_is_never_replaced(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(200, json={"code": 1001, "message": "expired"}))
    with pytest.raises(errors.AuthError):
        await script.client(http, token=TOKEN).credits()
    assert script.paths() == [CREDITS]


async def test_a_restored_anonymous_token_is_replaced(script: Script, http: httpx.AsyncClient) -> None:
    script.replies[TOKEN_PATH] = [token_reply(TOKEN_2)]
    script.on(CREDITS, httpx.Response(200, json={"code": 1001}), ok(BALANCE))
    await script.client(http, token=TOKEN, anonymous=True).credits()
    assert script.paths() == [CREDITS, TOKEN_PATH, CREDITS]


async def test_one_wait_and_retry_on_429(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(429, json={"message": "slow down"}), ok(BALANCE))
    assert (await script.client(http, token=TOKEN).credits()).available == 90
    script.replies[CREDITS] = [httpx.Response(429, json={"message": "slow down"})]
    with pytest.raises(errors.RateLimited):
        await script.client(http, token=TOKEN).credits()
    assert script.paths() == [CREDITS] * 4


async def test_429_on_the_token_endpoint_is_retried_once(script: Script, http: httpx.AsyncClient) -> None:
    script.replies[TOKEN_PATH] = [httpx.Response(429, json={}), token_reply()]
    script.on(CREDITS, ok(BALANCE))
    await script.client(http).credits()
    assert script.paths() == [TOKEN_PATH, TOKEN_PATH, CREDITS]


async def test_attribution_on_every_request_and_no_bearer_on_the_token_call(
    script: Script, http: httpx.AsyncClient
) -> None:
    script.on(CREDITS, ok(BALANCE))
    client = script.client(http)
    await client.credits()
    await client.for_platform("telegram").credits()
    assert script.paths() == [TOKEN_PATH, CREDITS, CREDITS]
    assert [r.headers["x-skill-platform"] for r in script.seen] == ["console", "console", "telegram"]
    assert all(r.headers["x-skill-source"] == "nemo-video" and r.headers["x-skill-version"] for r in script.seen)
    assert "authorization" not in script.seen[0].headers


async def test_transport_failures(script: Script) -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    for handler, kind in ((refuse, errors.ConnectionLost), (stall, errors.NemoTimeout)):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            with pytest.raises(kind):
                await script.client(http, token=TOKEN).credits()


async def test_no_token_in_messages_or_reprs(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(401, json={"code": 1001, "message": f"token {TOKEN_2} is expired"}))
    client = script.client(http)
    with pytest.raises(errors.AuthError) as caught:
        await client.credits()
    texts = [str(caught.value), repr(caught.value), repr(client), repr(script.issued[0]), str(script.issued)]
    assert not [t for t in texts if TOKEN in t or TOKEN_2 in t or "nmv_usr_" in t]
    assert all("nmv_usr_" not in str(r.url) for r in script.seen)
    assert errors.redact("Authorization: Bearer abc.def") == "Authorization: ***"


@pytest.mark.parametrize(
    "reply",
    [
        {"success": True, "data": {"id": "r1", "status": "completed", "progress": 100, "outputUrl": "http://o/1.mp4"}},
        {"taskId": "r1", "status": "completed", "progress": 100, "output": {"url": "http://o/1.mp4", "size": 9}},
        {"success": True, "data": {"id": "r1", "status": "completed", "output": {"url": "http://o/1.mp4"}}},
    ],
    ids=["A", "B", "A-nested"],
)
async def test_render_poll_shapes(script: Script, http: httpx.AsyncClient, reply: dict[str, object]) -> None:
    script.on("/api/render/proxy/lambda/r1", httpx.Response(200, json=reply))
    status = await script.client(http, token=TOKEN).render_status("r1")
    assert (status.id, status.state, status.progress, status.output_url) == (
        "r1",
        RenderState.COMPLETED,
        100,
        "http://o/1.mp4",
    )


async def test_failed_render(script: Script, http: httpx.AsyncClient) -> None:
    reply = {"success": True, "data": {"id": "r1", "status": "failed", "progress": 60, "error": "encoder crashed"}}
    script.on("/api/render/proxy/lambda/r1", httpx.Response(200, json=reply))
    with pytest.raises(errors.RenderFailed) as caught:
        await script.client(http, token=TOKEN).render_status("r1")
    assert (caught.value.render_id, caught.value.reason) == ("r1", "encoder crashed")


async def test_render_submit_passes_the_draft_through(script: Script, http: httpx.AsyncClient) -> None:
    raw = {"t": [{"tt": 0, "sg": [{"src": "a.mp4", "weird": {"k": [1]}}]}], "zz": True}
    script.on("/api/render/proxy/lambda", httpx.Response(200, json={"success": True, "data": {"status": "pending"}}))
    status = await script.client(http, token=TOKEN).submit_render("5529", Draft.from_raw(raw), "render_1")
    assert (status.id, status.state, status.progress) == ("render_1", RenderState.PENDING, 0)
    sent = httpx.Response(200, content=script.seen[-1].content).json()
    assert sent == {"id": "render_1", "sessionId": "5529", "draft": raw, "output": {"format": "mp4", "quality": "high"}}


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (httpx.Response(200, json={"code": 1002, "message": "gone"}), errors.SessionNotFound),
        (httpx.Response(200, json={"code": 0, "data": {}}), errors.MalformedReply),
        (httpx.Response(200, headers={"content-type": "video/mp4"}, content=b'{"code":2001}'), errors.CreditsExhausted),
        (
            httpx.Response(200, headers={"content-type": "video/mp4"}, content=b"<html>login</html>"),
            errors.MalformedReply,
        ),
        (httpx.Response(200, headers={"content-type": "video/mp4"}, content=b""), errors.MalformedReply),
        (httpx.Response(500, text="down"), errors.ServerError),
    ],
)
async def test_download_refuses_what_is_not_video(
    script: Script, http: httpx.AsyncClient, tmp_path: Path, reply: httpx.Response, kind: type[NemoError]
) -> None:
    script.on("/api/render/proxy/r1/download", reply)
    with pytest.raises(kind):
        await script.client(http, token=TOKEN).download_render("r1", tmp_path / "out.mp4")
    assert listing(tmp_path) == []


async def test_download_bearer_only_on_the_api_origin(script: Script, http: httpx.AsyncClient, tmp_path: Path) -> None:
    video = httpx.Response(200, headers={"content-type": "video/mp4"}, content=b"\x00\x00\x00\x18ftypmp42" * 10)
    script.on("/r.mp4", video)
    client = script.client(http, token=TOKEN)
    assert await client.download("https://cdn.elsewhere.test/r.mp4", tmp_path / "a.mp4") == 120
    assert await client.download(f"{BASE}/r.mp4", tmp_path / "b.mp4") == 120
    assert "authorization" not in script.seen[0].headers
    assert "x-skill-source" not in script.seen[0].headers
    assert script.seen[1].headers["authorization"] == f"Bearer {TOKEN}"
    assert listing(tmp_path) == ["a.mp4", "b.mp4"]
    assert await anyio.Path(tmp_path / "a.mp4").read_bytes() == video.content


async def test_upload_sends_each_file_as_a_files_part(script: Script, http: httpx.AsyncClient, tmp_path: Path) -> None:
    paths = [tmp_path / "a.mp4", tmp_path / "b.png"]
    for path in paths:
        path.write_bytes(path.name.encode() * 100)
    item = {"filename": "a.mp4", "file_type": "video", "cdn_url": "http://cdn/a.mp4", "duration": 1.5}
    script.on("/api/upload-video/nemo_agent/me/55", ok({"files": [item], "session_state_applied": True}))
    (uploaded,) = await script.client(http, token=TOKEN).upload_files("55", paths)
    assert (uploaded.cdn_url, uploaded.duration, uploaded.width) == ("http://cdn/a.mp4", 1.5, None)
    body = script.seen[-1].content
    assert body.count(b'name="files"; filename=') == 2
    assert b'filename="b.png"\r\nContent-Type: image/png' in body
    assert script.seen[-1].headers["content-type"].startswith("multipart/form-data; boundary=")


@pytest.mark.parametrize("url", ["http://[::1", "ftp://cdn.test/x.mp4", "not a url"])
async def test_unusable_download_urls(script: Script, tmp_path: Path, url: str) -> None:
    async with httpx.AsyncClient() as real:
        with pytest.raises(errors.MalformedReply):
            await script.client(real, token=TOKEN).download(url, tmp_path / "x.mp4")


GROUPS: list[tuple[type[NemoError], type[NemoError]]] = [
    (errors.SessionNotFound, errors.NotFound),
    (errors.RenderNotFound, errors.NotFound),
    (errors.CreditsExhausted, errors.Refused),
    (errors.ExportBlocked, errors.Refused),
    (errors.UnsupportedFileType, errors.Refused),
    (errors.FileTooLarge, errors.Refused),
    (errors.BadRequest, errors.Refused),
    (errors.RateLimited, errors.Transient),
    (errors.ServerError, errors.Transient),
    (errors.NemoTimeout, errors.Unconfirmed),
    (errors.ConnectionLost, errors.Unconfirmed),
    (errors.StreamDropped, errors.Unconfirmed),
]


@pytest.mark.parametrize(("kind", "group"), GROUPS)
def test_each_error_sits_in_one_group(kind: type[NemoError], group: type[NemoError]) -> None:
    top = (errors.AuthError, errors.NotFound, errors.Refused, errors.Transient, errors.MalformedReply)
    assert issubclass(kind, group)
    assert [t for t in top if issubclass(kind, t)] == [t for t in top if issubclass(group, t)]


def test_an_unconfirmed_request_is_also_transient() -> None:
    # A read that may have arrived is simply read again; only a paid request must not be re-sent.
    assert issubclass(errors.Unconfirmed, errors.Transient)


async def test_a_plain_404_is_an_unknown_render_only_where_a_render_is_named(
    script: Script, http: httpx.AsyncClient
) -> None:
    client = script.client(http, token=TOKEN)
    with pytest.raises(errors.RenderNotFound) as caught:
        await client.render_status("render_gone")
    assert caught.value.http_status == 404
    with pytest.raises(errors.BadRequest):
        await client.credits()


async def test_an_unknown_session_stays_session_not_found_on_the_render_path(
    script: Script, http: httpx.AsyncClient
) -> None:
    script.on("/api/render/proxy/lambda/render_1", httpx.Response(404, json={"detail": "Session not found: 1"}))
    with pytest.raises(errors.SessionNotFound):
        await script.client(http, token=TOKEN).render_status("render_1")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, errors.AuthError),
        (402, errors.ExportBlocked),
        (404, errors.BadRequest),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (503, errors.ServerError),
    ],
)
async def test_an_http_status_wrapped_in_a_200_envelope_reads_as_that_status(
    script: Script, http: httpx.AsyncClient, status: int, kind: type[NemoError]
) -> None:
    # A gateway that answers every error with HTTP 200 carries the status as the envelope's code.
    script.on(CREDITS, httpx.Response(200, json={"code": status, "message": "wrapped"}))
    with pytest.raises(kind) as caught:
        await script.client(http, token=TOKEN).credits()
    assert (caught.value.code, caught.value.http_status) == (status, 200)


async def test_the_render_proxys_wrapped_402_is_the_export_block(script: Script, http: httpx.AsyncClient) -> None:
    reply = httpx.Response(200, json={"success": False, "code": 402, "error": "free plan"})
    script.on("/api/render/proxy/lambda", reply)
    with pytest.raises(errors.ExportBlocked):
        await script.client(http, token=TOKEN).submit_render("5529", Draft.from_raw({"t": []}), "render_1")


@pytest.mark.parametrize(
    "reply",
    [httpx.Response(404, json={"detail": "Not Found"}), httpx.Response(200, json={"code": 404, "message": "gone"})],
    ids=["http", "envelope"],
)
async def test_a_plain_404_on_run_sse_is_the_session_gone(
    script: Script, http: httpx.AsyncClient, reply: httpx.Response
) -> None:
    script.on("/run_sse", reply)
    with pytest.raises(errors.SessionNotFound):
        async for _ in script.client(http, token=TOKEN).stream("5529", "hello"):
            pass
    assert script.paths() == ["/run_sse"]


async def test_each_error_names_the_endpoint_it_came_from(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(500, json={"code": 500}))
    script.on("/api/state/nemo_agent/me/55/latest", httpx.Response(200, json={"code": 1002}))
    client = script.client(http)
    with pytest.raises(errors.ServerError) as credits:
        await client.credits()
    with pytest.raises(errors.SessionNotFound) as state:
        await client.state("55")
    assert (credits.value.endpoint, state.value.endpoint) == (Endpoint.CREDITS, Endpoint.STATE)


async def test_a_failed_sign_in_on_the_way_names_the_token_endpoint(script: Script, http: httpx.AsyncClient) -> None:
    script.replies[TOKEN_PATH] = [httpx.Response(200, json={"code": 2001, "message": "no credits"})]
    with pytest.raises(errors.CreditsExhausted) as caught:
        await script.client(http).credits()
    assert caught.value.endpoint == Endpoint.ANONYMOUS_TOKEN
    assert caught.value.register_url is None  # no user id is known before a token is issued
    assert script.paths() == [TOKEN_PATH]


@pytest.mark.parametrize("transport", ["envelope", "http"])
async def test_a_configured_token_refused_is_the_operators_to_replace(
    script: Script, http: httpx.AsyncClient, transport: str
) -> None:
    script.on(CREDITS, httpx.Response(200 if transport == "envelope" else 401, json={"code": 1011}))
    with pytest.raises(errors.TokenRefused) as caught:
        await script.client(http, token=TOKEN).credits()
    assert caught.value.code == 1011
    assert script.paths() == [CREDITS]


@pytest.mark.parametrize(
    ("reply", "renewed"),
    [
        (httpx.Response(400, json={"detail": "X-Client-Id is not accepted"}), True),
        (httpx.Response(200, json={"code": 400, "message": "X-Client-Id is not accepted"}), True),
        (httpx.Response(400, json={"code": 9999, "message": "something else"}), False),
    ],
    ids=["http-400", "wrapped-400", "a-business-code"],
)
async def test_only_a_plain_400_on_the_token_endpoint_replaces_the_client_id(
    script: Script, http: httpx.AsyncClient, reply: httpx.Response, renewed: bool
) -> None:
    script.replies[TOKEN_PATH] = [reply, token_reply()]
    script.on(CREDITS, ok(BALANCE))
    asked: list[str] = []

    async def renew(refused: str) -> str:
        asked.append(refused)
        return "cid-2"

    client = script.client(http, new_client_id=renew)
    if renewed:
        await client.credits()
        assert script.paths() == [TOKEN_PATH, TOKEN_PATH, CREDITS]
    else:
        with pytest.raises(errors.BadRequest):
            await client.credits()
        assert script.paths() == [TOKEN_PATH]
    assert asked == (["cid-1"] if renewed else [])


async def test_a_429_waits_as_long_as_retry_after_asks(script: Script, http: httpx.AsyncClient) -> None:
    # The configured wait is a minute; the server asks for none, so the retry comes at once.
    script.on(CREDITS, httpx.Response(429, headers={"Retry-After": "0"}, json={}), ok(BALANCE))
    async with asyncio.timeout(5):
        assert (await script.client(http, token=TOKEN, rate_limit_backoff=60.0).credits()).available == 90
    assert script.paths() == [CREDITS, CREDITS]


async def test_a_429_asking_for_a_long_wait_is_not_waited_out(script: Script, http: httpx.AsyncClient) -> None:
    script.on(CREDITS, httpx.Response(200, headers={"Retry-After": "3600"}, json={"code": 429}))
    with pytest.raises(errors.RateLimited) as caught:
        await script.client(http, token=TOKEN).credits()
    assert caught.value.retry_after == 3600
    assert script.paths() == [CREDITS]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("30", 30.0), (" 7 ", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_reads_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after(value) == seconds
