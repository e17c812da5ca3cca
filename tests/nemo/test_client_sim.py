"""The client against the simulator over real HTTP: every endpoint, errors in both transports, auth, headers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from bot.i18n import timeline
from bot.nemo import errors
from bot.nemo.client import NemoClient
from bot.nemo.draft import summarize
from bot.nemo.events import AgentEvent, AgentText, ToolCall, ToolResult
from bot.nemo.models import AnonToken, RenderStatus
from bot.nemo.wire import RenderState
from tests.nemo.conftest import ATTRIBUTION, CLIENT_ID, configure, recorded

TOKEN_PATH = "/api/auth/anonymous-token"


async def turn(nemo: NemoClient, session_id: str, text: str) -> list[AgentEvent]:
    """Every event of one agent turn."""
    return [event async for event in nemo.stream(session_id, text)]


async def rendered(nemo: NemoClient, render_id: str) -> RenderStatus:
    """Poll a render until it completes."""
    for _ in range(500):
        status = await nemo.render_status(render_id)
        if status.state is RenderState.COMPLETED:
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("render never completed")


async def write(path: Path, data: bytes) -> Path:
    """A small file for uploads."""
    await anyio.Path(path).write_bytes(data)
    return path


async def test_every_endpoint(nemo: NemoClient, sim: Any, tmp_path: Path, issued: list[AnonToken]) -> None:
    anon = await nemo.authenticate()
    assert anon.user_id.startswith("anon_")
    assert anon.credits == 100
    assert anon.expires_at is not None
    assert issued == [anon]
    assert nemo.user_id == anon.user_id
    session = await nemo.create_session("en")
    assert session.session_id.isdigit()
    assert session.task_id
    link = await nemo.claim_link(session.task_id, session.session_id)
    assert link.startswith("https://web.test/workspace/claim?ct=clm_")
    assert "nmv_" not in link
    credits = await nemo.credits()
    assert (credits.available, credits.total) == (100, 100)
    sim.world.set_credits(anon.user_id, 10_000)

    events = await turn(nemo, session.session_id, "make a video of a city at night")
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["generate_video", "edit_multitrack"]
    assert len([e for e in events if isinstance(e, ToolResult)]) == 2
    assert [e for e in events if isinstance(e, AgentText)]

    files = [await write(tmp_path / "clip.mp4", b"\0" * 5000), await write(tmp_path / "logo.png", b"\x89PNG")]
    uploaded = await nemo.upload_files(session.session_id, files)
    assert [(f.filename, f.file_type) for f in uploaded] == [("clip.mp4", "video"), ("logo.png", "image")]
    assert all(f.cdn_url.startswith("http") for f in uploaded)
    (by_url,) = await nemo.upload_urls(session.session_id, ["https://example.com/media/beach.mov"])
    assert by_url.file_type == "video"

    state = await nemo.state(session.session_id)
    assert state.session_id == session.session_id
    assert state.draft.is_ready
    assert len(state.video_infos) >= 3
    assert timeline.summary(summarize(state.draft), "en").startswith("Timeline (3 tracks): 1. Video: ")

    status = await nemo.submit_render(session.session_id, state.draft, "render_it_1")
    assert status.state in (RenderState.PENDING, RenderState.PROCESSING)
    done = await rendered(nemo, "render_it_1")
    assert done.output_url
    size = await nemo.download(done.output_url, tmp_path / "out.mp4")
    head = (await anyio.Path(tmp_path / "out.mp4").read_bytes())[:12]
    assert size > 1000
    assert head[4:8] == b"ftyp"
    assert await nemo.download_render("render_it_1", tmp_path / "again.mp4") == size

    await nemo.submit_render(session.session_id, state.draft, "render_it_2")
    await nemo.cancel_render("render_it_2")
    with pytest.raises(errors.RenderFailed) as caught:
        await nemo.render_status("render_it_2")
    assert caught.value.render_id == "render_it_2"


async def generated(nemo: NemoClient, sim: Any) -> str:
    """A session whose draft has a video, music and a title."""
    anon = await nemo.authenticate()
    sim.world.set_credits(anon.user_id, 10_000)
    session = await nemo.create_session("en")
    await turn(nemo, session.session_id, "generate a beach sunset")
    return session.session_id


@pytest.mark.parametrize("shape", ["A", "B"])
async def test_render_poll_shapes(nemo: NemoClient, sim: Any, http: httpx.AsyncClient, shape: str) -> None:
    await configure(http, sim, render_shape=shape)
    session_id = await generated(nemo, sim)
    state = await nemo.state(session_id)
    await nemo.submit_render(session_id, state.draft, f"render_{shape}")
    done = await rendered(nemo, f"render_{shape}")
    assert done.id == f"render_{shape}"
    assert done.progress == 100
    assert done.output_url


async def test_render_refusals(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    session_id = await generated(nemo, sim)
    state = await nemo.state(session_id)
    await nemo.submit_render(session_id, state.draft, "render_dup")
    with pytest.raises(errors.BadRequest):
        await nemo.submit_render(session_id, state.draft, "render_dup")
    empty = await nemo.create_session("en")
    with pytest.raises(errors.BadRequest):
        await nemo.submit_render(empty.session_id, (await nemo.state(empty.session_id)).draft, "render_empty")
    await configure(http, sim, plan="free_blocked")
    with pytest.raises(errors.ExportBlocked) as blocked:
        await nemo.submit_render(session_id, state.draft, "render_blocked")
    assert blocked.value.http_status == 402
    await configure(http, sim, plan="ok", render_fail=1)
    await nemo.submit_render(session_id, state.draft, "render_fails")
    with pytest.raises(errors.RenderFailed):
        await rendered(nemo, "render_fails")
    with pytest.raises(errors.RenderNotFound):
        await nemo.render_status("render_unknown")


CODES: list[tuple[int, type[errors.NemoError]]] = [
    (1002, errors.SessionNotFound),
    (2001, errors.CreditsExhausted),
    (4001, errors.UnsupportedFileType),
    (4002, errors.FileTooLarge),
    (400, errors.BadRequest),
    (402, errors.ExportBlocked),
    (404, errors.BadRequest),
    (422, errors.BadRequest),
    (500, errors.ServerError),
    (503, errors.ServerError),
]


@pytest.mark.parametrize("mode", ["envelope", "http"])
@pytest.mark.parametrize(("code", "kind"), CODES)
async def test_every_error_code_in_both_transports(
    nemo: NemoClient, sim: Any, http: httpx.AsyncClient, mode: str, code: int, kind: type[errors.NemoError]
) -> None:
    await nemo.authenticate()
    fault = {"path_prefix": "/api/credits", "code": code, "times": 1}
    await configure(http, sim, error_mode=mode, faults=[fault])
    with pytest.raises(kind) as caught:
        await nemo.credits()
    assert (caught.value.code if code >= 1000 else caught.value.http_status) == code
    assert "nmv_" not in str(caught.value)
    assert "nmv_" not in repr(caught.value)
    assert (await nemo.credits()).available == 100


@pytest.mark.parametrize("mode", ["envelope", "http"])
async def test_real_refusals(nemo: NemoClient, sim: Any, http: httpx.AsyncClient, tmp_path: Path, mode: str) -> None:
    await configure(http, sim, error_mode=mode, max_upload_mb=0.001)
    session = await nemo.create_session("en")
    with pytest.raises(errors.SessionNotFound):
        await nemo.state("1234567890123456789")
    with pytest.raises(errors.UnsupportedFileType):
        await nemo.upload_files(session.session_id, [await write(tmp_path / "notes.txt", b"hello")])
    with pytest.raises(errors.FileTooLarge):
        await nemo.upload_files(session.session_id, [await write(tmp_path / "big.mp4", b"\0" * 10_000)])
    assert nemo.user_id is not None
    sim.world.set_credits(nemo.user_id, 0)
    with pytest.raises(errors.CreditsExhausted) as caught:
        await turn(nemo, session.session_id, "generate a video of a cat")
    assert caught.value.register_url == f"https://web.test/register?bind={nemo.user_id}"


@pytest.mark.parametrize("mode", ["envelope", "http"])
async def test_reauth_on_1001_keeps_the_client_id(
    nemo: NemoClient, sim: Any, http: httpx.AsyncClient, issued: list[AnonToken], mode: str
) -> None:
    await configure(http, sim, error_mode=mode)
    first = await nemo.authenticate()
    session = await nemo.create_session("en")
    sim.world.expire_token(first.token)
    assert (await nemo.credits()).available == 100
    await configure(http, sim, faults=[{"path_prefix": "/run_sse", "code": 1001}])
    assert await turn(nemo, session.session_id, "hello")
    token_calls = await recorded(http, sim, TOKEN_PATH)
    assert [r["headers"]["x-client-id"] for r in token_calls] == [CLIENT_ID] * 3
    assert len(issued) == 3
    assert issued[1].token != first.token
    assert {t.user_id for t in issued} == {first.user_id}
    assert len(await recorded(http, sim, "/run_sse")) == 2
    assert len(await recorded(http, sim, "/api/credits")) == 2


async def test_reauth_only_once(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    await nemo.authenticate()
    await configure(http, sim, faults=[{"path_prefix": "/api/credits", "code": 1001, "times": 2}])
    with pytest.raises(errors.AuthError):
        await nemo.credits()
    assert len(await recorded(http, sim, "/api/credits")) == 2


async def test_a_configured_token_is_not_replaced(sim: Any, http: httpx.AsyncClient) -> None:
    token = sim.world.mint_token("usr_registered", credits=500)
    nemo = NemoClient(http, base_url=sim.url, client_id=CLIENT_ID, attribution=ATTRIBUTION, token=token)
    assert (await nemo.credits()).available == 500
    sim.world.expire_token(token)
    with pytest.raises(errors.AuthError) as caught:
        await nemo.credits()
    assert token not in str(caught.value)
    assert await recorded(http, sim, TOKEN_PATH) == []


async def test_one_retry_on_429(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    await nemo.authenticate()
    await configure(http, sim, faults=[{"path_prefix": "/api/credits", "code": 429, "times": 1}])
    assert (await nemo.credits()).available == 100
    await configure(http, sim, faults=[{"path_prefix": "/api/credits", "code": 429, "times": 2}])
    with pytest.raises(errors.RateLimited):
        await nemo.credits()
    assert len(await recorded(http, sim, "/api/credits")) == 4


async def test_repeated_anonymous_token_429(sim: Any, http: httpx.AsyncClient) -> None:
    await configure(http, sim, anon_repeat="429")
    options: dict[str, Any] = {"base_url": sim.url, "attribution": ATTRIBUTION, "rate_limit_backoff": 0.01}
    await NemoClient(http, client_id=CLIENT_ID, **options).authenticate()
    with pytest.raises(errors.RateLimited):
        await NemoClient(http, client_id=CLIENT_ID, **options).authenticate()
    assert len(await recorded(http, sim, TOKEN_PATH)) == 3


class Renewals:
    """A client id provider that hands out `fresh-1`, `fresh-2`, ... and remembers which ids were refused."""

    def __init__(self, give: bool = True) -> None:
        self.refused: list[str] = []
        self.give = give

    async def __call__(self, refused: str) -> str | None:
        self.refused.append(refused)
        return f"fresh-{len(self.refused)}" if self.give else None


@pytest.mark.parametrize("mode", ["envelope", "http"])
async def test_a_refused_client_id_is_replaced_and_asked_with_once_more(
    sim: Any, http: httpx.AsyncClient, issued: list[AnonToken], mode: str
) -> None:
    await configure(http, sim, error_mode=mode, refused_client_ids=[CLIENT_ID])
    renewals = Renewals()

    async def keep(token: AnonToken) -> None:
        issued.append(token)

    nemo = NemoClient(
        http, base_url=sim.url, client_id=CLIENT_ID, attribution=ATTRIBUTION, on_token=keep, new_client_id=renewals,
    )
    assert (await nemo.credits()).available == 100
    assert renewals.refused == [CLIENT_ID]
    token_calls = await recorded(http, sim, TOKEN_PATH)
    assert [r["headers"]["x-client-id"] for r in token_calls] == [CLIENT_ID, "fresh-1"]
    assert [t.user_id for t in issued] == [sim.world.clients["fresh-1"].user_id]
    # A later re-authentication asks with the replacement, not the refused id.
    sim.world.expire_token(issued[0].token)
    assert (await nemo.credits()).available == 100
    assert [r["headers"]["x-client-id"] for r in await recorded(http, sim, TOKEN_PATH)][2:] == ["fresh-1"]


async def test_a_second_refusal_is_the_error(sim: Any, http: httpx.AsyncClient) -> None:
    await configure(http, sim, refused_client_ids=[CLIENT_ID, "fresh-1"])
    renewals = Renewals()
    nemo = NemoClient(http, base_url=sim.url, client_id=CLIENT_ID, attribution=ATTRIBUTION, new_client_id=renewals)
    with pytest.raises(errors.BadRequest) as caught:
        await nemo.credits()
    assert caught.value.http_status == 400
    assert renewals.refused == [CLIENT_ID]
    assert len(await recorded(http, sim, TOKEN_PATH)) == 2


async def test_a_kept_client_id_is_asked_with_once(sim: Any, http: httpx.AsyncClient) -> None:
    await configure(http, sim, refused_client_ids=[CLIENT_ID])
    renewals = Renewals(give=False)
    nemo = NemoClient(http, base_url=sim.url, client_id=CLIENT_ID, attribution=ATTRIBUTION, new_client_id=renewals)
    with pytest.raises(errors.BadRequest):
        await nemo.authenticate()
    assert renewals.refused == [CLIENT_ID]
    assert len(await recorded(http, sim, TOKEN_PATH)) == 1


async def test_other_refusals_of_the_token_request_keep_the_client_id(sim: Any, http: httpx.AsyncClient) -> None:
    await configure(http, sim, faults=[{"path_prefix": TOKEN_PATH, "code": 503}])
    renewals = Renewals()
    nemo = NemoClient(http, base_url=sim.url, client_id=CLIENT_ID, attribution=ATTRIBUTION, new_client_id=renewals)
    with pytest.raises(errors.ServerError):
        await nemo.authenticate()
    assert renewals.refused == []


async def test_headers_on_every_request_and_no_token_in_urls(
    nemo: NemoClient, sim: Any, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    session_id = await generated(nemo, sim)
    discord = nemo.for_platform("discord")
    await discord.credits()
    await nemo.upload_files(session_id, [await write(tmp_path / "a.mp3", b"ID3")])
    state = await nemo.state(session_id)
    await discord.submit_render(session_id, state.draft, "render_h")
    await rendered(discord, "render_h")
    await nemo.download_render("render_h", tmp_path / "h.mp4")
    records = await recorded(http, sim)
    assert len(records) >= 8
    for record in records:
        headers = record["headers"]
        assert headers["x-skill-source"] == "nemo-video"
        assert headers["x-skill-version"] == "0.1.0"
        assert "nmv_" not in record["path"]
        assert "nmv_" not in record["query"]
        if record["path"] == TOKEN_PATH:
            assert "authorization" not in headers
            assert headers["x-client-id"] == CLIENT_ID
        else:
            assert headers["authorization"].startswith("Bearer nmv_usr_")
    platforms = [(r["path"], r["headers"]["x-skill-platform"]) for r in records]
    assert ("/api/credits/balance/simple", "discord") in platforms
    assert ("/api/render/proxy/lambda", "discord") in platforms
    assert {p for path, p in platforms if path.startswith("/api/upload-video")} == {"console"}
    assert len([r for r in records if r["path"] == TOKEN_PATH]) == 1


async def test_authenticate_reuses_the_token_it_holds(nemo: NemoClient, sim: Any, http: httpx.AsyncClient) -> None:
    first = await nemo.authenticate()
    assert await nemo.for_platform("telegram").authenticate() is first
    sim.world.expire_token(first.token)
    await nemo.credits()
    assert (await nemo.authenticate()).token != first.token
    assert len(await recorded(http, sim, TOKEN_PATH)) == 2
