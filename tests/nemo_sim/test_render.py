"""The render proxy: submit rules, progression, shapes A and B, failure, cancel, download, real MP4s."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.nemo.wire import RenderState
from nemo_sim import Simulator
from nemo_sim.records import RenderRecord
from nemo_sim.render import JITTER, PENDING_PART, advance, look_of
from tests.nemo_sim.wire import ATTRIBUTION, Account, configure, probe

DRAFT: dict[str, Any] = {
    "t": [{"tt": 0, "sg": [{"src": "x", "s": 0, "d": 2500}]}],
    "d": 2500,
    "m": {"title": "Test", "width": 320, "height": 240},
}


def _submit_body(account: Account, render_id: str, draft: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": render_id, "sessionId": account.session_id, "draft": DRAFT if draft is None else draft,
            "output": {"format": "mp4", "quality": "high"}}


async def _submit(client: httpx.AsyncClient, account: Account, render_id: str, **kw: Any) -> httpx.Response:
    return await client.post("/api/render/proxy/lambda", json=_submit_body(account, render_id, **kw),
                             headers=account.headers)


async def _wait_done(client: httpx.AsyncClient, account: Account, render_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while True:
            body = (await client.get(f"/api/render/proxy/lambda/{render_id}", headers=account.headers)).json()
            seen.append(body)
            status = body.get("data", body)["status"]
            if status in ("completed", "failed", "cancelled"):
                return seen
            await asyncio.sleep(0.02)


async def test_submit_and_progress_shape_a(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, speed=1.0, render_seconds=0.6)
    reply = await _submit(client, account, "render_1")
    assert reply.json() == {"success": True, "data": {"id": "render_1", "status": "pending", "progress": 0}}
    seen = await _wait_done(client, account, "render_1")
    steps = [(body["data"]["status"], body["data"]["progress"]) for body in seen]
    assert steps[-1] == ("completed", 100)
    assert {status for status, _ in steps[:-1]} <= {"pending", "processing"}
    percents = [percent for _, percent in steps]
    assert percents == sorted(percents)  # never goes back
    final = seen[-1]
    assert final["success"] is True
    data = final["data"]
    assert data["outputUrl"] == f"{sim.url}/cdn/render/render_1.mp4"
    assert data["completedAt"] >= data["createdAt"]
    assert "outputUrl" not in seen[0]["data"]


async def test_shape_b(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, render_shape="B")
    await _submit(client, account, "render_b")
    final = (await _wait_done(client, account, "render_b"))[-1]
    assert final["taskId"] == "render_b"
    assert (final["status"], final["progress"]) == ("completed", 100)
    assert final["output"]["url"].endswith("/cdn/render/render_b.mp4")
    assert final["output"]["duration"] == 2.5
    assert final["output"]["size"] > 1000


async def test_mp4_is_real_h264(sim: Simulator, client: httpx.AsyncClient, account: Account, tmp_path: Path) -> None:
    await _submit(client, account, "render_mp4")
    url = (await _wait_done(client, account, "render_mp4"))[-1]["data"]["outputUrl"]
    target = tmp_path / "out.mp4"
    async with client.stream("GET", url) as reply:
        assert reply.headers["content-type"] == "video/mp4"
        with target.open("wb") as fh:
            async for chunk in reply.aiter_bytes():
                fh.write(chunk)
    info = await probe(target)
    assert info.ok
    assert info.codec == "h264"
    assert (info.width, info.height) == (320, 240)
    assert info.seconds == pytest.approx(2.5, abs=0.1)


async def test_default_canvas_size(client: httpx.AsyncClient, account: Account, tmp_path: Path) -> None:
    draft = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}], "d": 1000}
    await _submit(client, account, "render_default", draft=draft)
    await _wait_done(client, account, "render_default")
    reply = await client.get("/api/render/proxy/render_default/download", headers=account.headers)
    target = tmp_path / "d.mp4"
    target.write_bytes(reply.content)
    info = await probe(target)
    assert (info.width, info.height, info.ok) == (640, 360, True)
    assert info.seconds == pytest.approx(1.0, abs=0.1)


async def test_download_needs_auth_and_completion(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, speed=1.0, render_seconds=30)
    await _submit(client, account, "render_slow")
    early = await client.get("/api/render/proxy/render_slow/download", headers=account.headers)
    assert early.status_code == 409
    assert early.json()["success"] is False
    assert (await client.get("/api/render/proxy/render_slow/download")).json()["code"] == 1001


async def test_missing_attribution_is_402(client: httpx.AsyncClient, account: Account) -> None:
    headers = {k: v for k, v in account.headers.items() if k != "X-Skill-Platform"}
    reply = await client.post("/api/render/proxy/lambda", json=_submit_body(account, "r"), headers=headers)
    assert reply.status_code == 402
    assert reply.json()["success"] is False


async def test_free_blocked_plan_is_402(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, plan="free_blocked")
    assert (await _submit(client, account, "r")).status_code == 402


async def test_empty_draft_and_duplicate_id(client: httpx.AsyncClient, account: Account) -> None:
    empty = await _submit(client, account, "r_empty", draft={"t": [{"tt": 0, "sg": []}]})
    assert empty.status_code == 200
    assert empty.json()["success"] is False
    assert (await _submit(client, account, "r_dup")).json()["success"] is True
    assert (await _submit(client, account, "r_dup")).json() == {"success": False, "error": "duplicate id"}
    await configure(client, error_mode="http")
    assert (await _submit(client, account, "r_dup")).status_code == 409


async def test_session_id_must_be_camel_case(client: httpx.AsyncClient, account: Account) -> None:
    body = {"id": "r_snake", "session_id": account.session_id, "draft": DRAFT}
    reply = await client.post("/api/render/proxy/lambda", json=body, headers=account.headers)
    assert reply.json() == {"success": False, "error": "sessionId is required"}


async def test_render_fail_then_success(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, render_fail=1)
    await _submit(client, account, "r_fail")
    assert sim.world.config.render_fail == 0
    failed = (await _wait_done(client, account, "r_fail"))[-1]["data"]
    assert failed["status"] == "failed"
    assert failed["error"]
    await _submit(client, account, "r_ok")
    assert (await _wait_done(client, account, "r_ok"))[-1]["data"]["status"] == "completed"


async def test_cancel(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, speed=1.0, render_seconds=30)
    await _submit(client, account, "r_cancel")
    reply = await client.post("/api/render/proxy/lambda/r_cancel/cancel", headers=account.headers)
    assert reply.json() == {"success": True}
    status = (await client.get("/api/render/proxy/lambda/r_cancel", headers=account.headers)).json()["data"]
    assert status["status"] == "cancelled"


async def test_unknown_or_foreign_render_is_404(client: httpx.AsyncClient, account: Account) -> None:
    for path, method in [("/api/render/proxy/lambda/nope", "GET"), ("/api/render/proxy/lambda/nope/cancel", "POST"),
                         ("/api/render/proxy/nope/download", "GET"), ("/cdn/render/nope.mp4", "GET")]:
        reply = await client.request(method, path, headers=account.headers)
        assert reply.status_code == 404, path
    await _submit(client, account, "mine")
    other = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "other"})
    token = other.json()["data"]["token"]
    foreign = await client.get("/api/render/proxy/lambda/mine", headers={"Authorization": f"Bearer {token}",
                                                                          **ATTRIBUTION})
    assert foreign.status_code == 404


async def test_render_is_free(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    sim.world.set_credits(account.user_id, 0)
    assert (await _submit(client, account, "free")).json()["success"] is True
    assert sim.world.users[account.user_id].available == 0


async def _rendered(client: httpx.AsyncClient, account: Account, render_id: str, draft: dict[str, Any]) -> bytes:
    await _submit(client, account, render_id, draft=draft)
    assert (await _wait_done(client, account, render_id))[-1]["data"]["status"] == "completed"
    return (await client.get(f"/api/render/proxy/{render_id}/download", headers=account.headers)).content


def _with(**changes: Any) -> dict[str, Any]:
    draft = copy.deepcopy(DRAFT)
    draft["m"].update(changes)
    return draft


async def test_each_timeline_renders_its_own_video(client: httpx.AsyncClient, account: Account) -> None:
    music = copy.deepcopy(DRAFT)
    music["t"].append({"tt": 1, "sg": [{"name": "Lo-fi Hip Hop", "s": 0, "d": 2500}]})
    other_clip = copy.deepcopy(DRAFT)
    other_clip["t"][0]["sg"][0]["src"] = "y"
    files = [await _rendered(client, account, f"r{n}", draft)
             for n, draft in enumerate((DRAFT, _with(title="Other"), music, other_clip, DRAFT))]
    assert len(set(files)) == 4
    assert files[0] == files[-1]  # the same timeline, the same file


def test_a_render_draws_the_drafts_title_clip_music_and_effects() -> None:
    draft = copy.deepcopy(DRAFT)
    draft["t"][0]["sg"][0]["label"] = "harbour.mov"
    draft["t"] += [{"tt": 1, "sg": [{"name": "Upbeat Pop", "s": 0, "d": 2500}]},
                   {"tt": 3, "sg": [{"fx": "fade-in", "s": 0, "d": 1000}]}]
    look = look_of(draft)
    assert (look.source, look.title, look.caption) == ("harbour.mov", "Test", "Upbeat Pop · fade-in · 2.5s")
    assert look.background != look.band
    assert look_of({"t": "not a list", "m": None}).title == ""  # a client's draft is read defensively


async def test_titles_with_quotes_colons_backslashes_and_chinese_render(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    target = tmp_path / "odd.mp4"
    target.write_bytes(await _rendered(client, account, "r_odd", _with(title="It's 10:30, \"go\" \\ [x]; 喵星人 %{n}")))
    info = await probe(target)
    assert (info.ok, info.width, info.height) == (True, 320, 240)
    assert info.seconds == pytest.approx(2.5, abs=0.1)


async def test_without_output_urls_a_completed_render_is_fetched_through_the_download(
    client: httpx.AsyncClient, account: Account,
) -> None:
    await configure(client, render_output_url=False)
    await _submit(client, account, "render_1")
    final = (await _wait_done(client, account, "render_1"))[-1]["data"]
    assert (final["status"], "outputUrl" in final) == ("completed", False)
    download = await client.get("/api/render/proxy/render_1/download", headers=account.headers)
    assert (download.status_code, download.headers["content-type"]) == (200, "video/mp4")


def _record(render_id: str = "render_line", seconds: float = 100.0) -> RenderRecord:
    record = RenderRecord(render_id, "u", "s", created_at=0.0, duration_ms=1000, width=16, height=16)
    record.run_seconds = seconds
    record.file = Path("done.mp4")
    return record


def test_progress_grows_linearly_within_the_jitter() -> None:
    record = _record()
    advance(record, 1.0)
    assert (record.status, record.progress) == (RenderState.PENDING, 0)
    for now in range(10, 100, 10):
        advance(record, float(now))
        record.polls += 1
        line = 100 * (now / 100 - PENDING_PART) / (1 - PENDING_PART)
        assert record.status is RenderState.PROCESSING
        assert abs(record.progress - line) <= JITTER + 1
    advance(record, 100.0)
    assert (record.status, record.progress, record.completed_at) == (RenderState.COMPLETED, 100, 100.0)


def test_a_render_completes_when_its_file_is_ready_if_that_is_later() -> None:
    record = _record(seconds=10.0)
    record.encoded_at = 12.5
    advance(record, 20.0)
    assert record.completed_at == 12.5


async def test_renders_spread_around_their_nominal_time(
    sim: Simulator, client: httpx.AsyncClient, account: Account,
) -> None:
    await configure(client, speed=1.0, render_seconds=60, render_spread=0.2)
    for index in range(20):
        await _submit(client, account, f"render_spread_{index}")
    times = [record.run_seconds for record in sim.world.renders.values()]
    assert all(48 <= seconds <= 72 for seconds in times)
    assert max(times) - min(times) > 10  # each render its own length


async def test_plain_renders_share_one_clip(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, render_look="plain")
    await _submit(client, account, "render_plain_1", draft=_with(title="One"))
    await _submit(client, account, "render_plain_2", draft=_with(title="Two"))
    await _wait_done(client, account, "render_plain_1")
    await _wait_done(client, account, "render_plain_2")
    assert sim.world.renders["render_plain_1"].file == sim.world.renders["render_plain_2"].file


async def test_renders_list_their_timeline_and_polls(client: httpx.AsyncClient, account: Account) -> None:
    await _submit(client, account, "render_listed")
    seen = await _wait_done(client, account, "render_listed")
    [listed] = [r for r in (await client.get("/__sim/renders")).json() if r["id"] == "render_listed"]
    assert listed["status"] == "completed"
    assert listed["session_id"] == account.session_id
    assert listed["polls"] == len(seen)
    assert listed["completed_at"] >= listed["created_at"]
