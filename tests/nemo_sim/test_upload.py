"""Uploads: multipart `files` (streamed), JSON URLs, type and size checks, state updates."""

from __future__ import annotations

import hashlib
import resource
from collections.abc import AsyncIterator

import httpx
import pytest

from nemo_sim import SimConfig, Simulator
from tests.nemo_sim.wire import Account, configure, state_of

MB = 1_000_000


def _path(account: Account, uid: str = "me") -> str:
    return f"/api/upload-video/nemo_agent/{uid}/{account.session_id}"


async def test_multipart_files(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    files = [
        ("files", ("holiday.mp4", b"v" * 2048, "video/mp4")),
        ("files", ("cover.png", b"p" * 10, "image/png")),
        ("files", ("theme.mp3", b"a" * 10, "audio/mpeg")),
    ]
    reply = await client.post(_path(account, account.user_id), files=files, headers=account.headers)
    body = reply.json()
    assert body["code"] == 0
    assert body["data"]["session_state_applied"] is True
    video, image, audio = body["data"]["files"]
    assert (video["filename"], video["file_type"], video["duration"]) == ("holiday.mp4", "video", 10.0)
    assert (video["width"], video["height"], video["fps"]) == (1920, 1080, 30)
    assert video["hash"] == hashlib.md5(b"v" * 2048).hexdigest()
    assert video["cdn_url"] == f"{sim.url}/cdn/{video['hash']}/holiday.mp4"
    assert image["file_type"] == "image"
    assert audio["file_type"] == "audio"
    state = await state_of(client, account)
    assert [i["filename"] for i in state["video_infos"]] == ["holiday.mp4", "cover.png", "theme.mp3"]
    served = await client.get(video["cdn_url"])
    assert served.headers["content-type"] == "video/mp4"


async def test_urls(client: httpx.AsyncClient, account: Account) -> None:
    body = {"urls": ["https://example.com/clips/beach%20day.mov"], "source_type": "url"}
    reply = await client.post(_path(account), json=body, headers=account.headers)
    item = reply.json()["data"]["files"][0]
    assert (item["filename"], item["file_type"]) == ("beach day.mov", "video")
    assert len((await state_of(client, account))["video_infos"]) == 1
    bad = await client.post(_path(account), json={"urls": "nope"}, headers=account.headers)
    assert bad.status_code == 400


@pytest.mark.parametrize("name", ["virus.exe", "notes.txt", "photo.jpeg", "noext"])
async def test_unsupported_type_is_4001(client: httpx.AsyncClient, account: Account, name: str) -> None:
    files = [("files", ("ok.mp4", b"x", "video/mp4")), ("files", (name, b"x", "application/octet-stream"))]
    reply = await client.post(_path(account), files=files, headers=account.headers)
    assert reply.json()["code"] == 4001
    assert (await state_of(client, account))["video_infos"] == []


async def test_unsupported_url_type_and_http_mode(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, error_mode="http")
    reply = await client.post(_path(account), json={"urls": ["https://x.test/a.pdf"]}, headers=account.headers)
    assert (reply.status_code, reply.json()["code"]) == (400, 4001)


def test_the_documented_limit_is_200_mb() -> None:
    assert SimConfig().max_upload_mb == 200


async def test_too_large_is_4002(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, max_upload_mb=0.001)
    files = {"files": ("big.mp4", b"x" * 2000, "video/mp4")}
    reply = await client.post(_path(account), files=files, headers=account.headers)
    assert reply.json()["code"] == 4002
    assert "limit" in reply.json()["message"]


async def test_auth_and_session_checked_after_draining(client: httpx.AsyncClient, account: Account) -> None:
    files = {"files": ("a.mp4", b"x" * MB, "video/mp4")}
    assert (await client.post(_path(account), files=files)).json()["code"] == 1001
    other = f"/api/upload-video/nemo_agent/me/{'9' * 19}"
    assert (await client.post(other, files=files, headers=account.headers)).json()["code"] == 1002


async def test_wrong_content_type_is_400(client: httpx.AsyncClient, account: Account) -> None:
    reply = await client.post(_path(account), content=b"raw", headers={**account.headers, "Content-Type": "text/plain"})
    assert reply.status_code == 400


async def test_malformed_multipart_is_400(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.headers, "Content-Type": "multipart/form-data; boundary=zzz"}
    reply = await client.post(_path(account), content=b"this is not multipart at all", headers=headers)
    assert reply.status_code == 400


BOUNDARY = "sim-boundary"
HEAD = (
    f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"huge.mp4\"\r\n"
    "Content-Type: video/mp4\r\n\r\n"
).encode()
TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


async def _multipart_stream(size: int) -> AsyncIterator[bytes]:
    """A multipart body generated on the fly: nothing of it is ever held whole on either side."""
    yield HEAD
    chunk = b"\0" * MB
    for _ in range(size // MB):
        yield chunk
    yield b"\0" * (size % MB)
    yield TAIL


async def test_a_200_mb_upload_streams_and_is_taken(sim: Simulator, client: httpx.AsyncClient,
                                                    account: Account) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    headers = {**account.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    reply = await client.post(_path(account), content=_multipart_stream(200 * MB), headers=headers, timeout=60)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    item = reply.json()["data"]["files"][0]
    assert item["filename"] == "huge.mp4"
    assert grown_mb < 100, f"peak memory grew by {grown_mb:.0f} MB"
    recorded = sim.world.requests_to("/api/upload-video")[-1]["body"]
    assert recorded == f"<multipart {200 * MB + len(HEAD) + len(TAIL)} bytes>"


async def test_one_byte_over_200_mb_is_4002(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    reply = await client.post(_path(account), content=_multipart_stream(200 * MB + 1), headers=headers, timeout=60)
    assert reply.json() == {"code": 4002, "message": "File too large: huge.mp4 is 200.0 MB (limit 200 MB)"}
    assert (await state_of(client, account))["video_infos"] == []
