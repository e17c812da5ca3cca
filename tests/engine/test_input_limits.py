"""Hostile input through the engine: over-long requests, links to private hosts, local links; nothing reaches Nemo."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.config import MAX_PROMPT_CHARS
from bot.engine.messages import Attachment, Incoming
from tests.harness import Harness, running_bot

TOO_LONG = "✂️ That message is too long: a request can be at most 4,000 characters."


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[Harness]:
    """A bot that checks links as production does (the harness otherwise lets the simulator's own through)."""
    async with running_bot(tmp_path, db=14, allow_private_urls=False) as harness:
        yield harness


async def _sent_to_nemo(bot: Harness) -> list[str]:
    """The paths of every request that carried a prompt or an upload."""
    log = (await bot.http.get(f"{bot.sim.url}/__sim/requests")).json()
    return [r["path"] for r in log if r["path"] == "/run_sse" or r["path"].startswith("/api/upload-video/")]


@pytest.mark.parametrize(
    "text",
    [
        "make a video of " + "b" * 100_000,
        "/video " + "a lighthouse " * 400,
        "upload " + " ".join(f"https://example.com/clip{n}.mp4" for n in range(200)),
        "x" * (MAX_PROMPT_CHARS + 1),
    ],
)
async def test_a_request_over_the_limit_is_refused_and_nothing_is_sent(bot: Harness, text: str) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message(text), chat)
    assert chat.texts == [say_too_long()]
    assert await _sent_to_nemo(bot) == []


async def test_a_request_at_the_limit_goes_through(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("y" * MAX_PROMPT_CHARS), chat)
    assert not any(text.startswith("✂️") for text in chat.texts)
    assert await _sent_to_nemo(bot) == ["/run_sse"]


async def test_a_text_the_platform_cut_short_is_refused_in_the_users_language(bot: Harness) -> None:
    chat = bot.chat()
    cut = bot.message("make a video of", locale="zh")
    await bot.engine.handle(
        Incoming(cut.chat, cut.user_id, cut.user_name, cut.text, (), "zh", cut.message_id, truncated=True), chat,
    )
    assert chat.texts == ["✂️ 这条消息太长了：一次请求最多 4,000 个字符。请缩短后重新发送。"]
    assert await _sent_to_nemo(bot) == []


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("upload http://169.254.169.254/x.mp4", "❌ Not added: 169.254.169.254 is a private or local address"),
        ("upload http://[::1]/x.mp4", "❌ Not added: ::1 is a private or local address"),
        ("upload http://0x7f.1/x.mp4", "❌ Not added: 0x7f.1 is a private or local address"),
        ("http://localhost:8080/x.mp4", "❌ Not added: localhost is a private or local address"),
        ("upload file:///etc/passwd", "❌ Not added: file:///etc/passwd is not a web link. Only http(s)://"),
        ("/upload ftp://example.com/a.mp4", "❌ Not added: ftp://example.com/a.mp4 is not a web link."),
        ("upload http://[::1/x.mp4", "❌ Not added: I can't tell which host http://[::1/x.mp4 points to."),
        ("make a trailer from http://10.0.0.7/media/intro.mp4", "❌ Not added: 10.0.0.7 is a private"),
    ],
)
async def test_links_to_private_hosts_and_other_schemes_never_leave(strict: Harness, text: str, refusal: str) -> None:
    chat = strict.chat()
    await strict.engine.handle(strict.message(text), chat)
    assert [text for text in chat.texts if text.startswith("❌")] == [chat.texts[-1]]
    assert chat.texts[-1].startswith(refusal)
    assert await _sent_to_nemo(strict) == []


async def test_the_simulators_own_links_are_refused_when_checked(strict: Harness) -> None:
    chat = strict.chat()
    await strict.engine.handle(strict.message(f"upload {strict.sim.url}/cdn/clip.mp4"), chat)
    assert chat.texts[-1].startswith("❌ Not added: 127.0.0.1 is a private or local address")
    assert await _sent_to_nemo(strict) == []


async def test_allowing_private_links_lets_the_simulators_own_through(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message(f"upload {bot.sim.url}/cdn/clip.mp4"), chat)
    assert any("Added: clip.mp4" in item.text for item in chat.log)
    assert len(await _sent_to_nemo(bot)) == 1


async def test_a_public_link_beside_a_refused_one_is_still_added(strict: Harness) -> None:
    chat = strict.chat()
    await strict.engine.handle(strict.message("upload http://[::1]/a.mp4 https://example.com/b.mp4"), chat)
    log = (await strict.http.get(f"{strict.sim.url}/__sim/requests")).json()
    bodies = [r["body"] for r in log if r["path"].startswith("/api/upload-video/")]
    assert bodies == [{"urls": ["https://example.com/b.mp4"], "source_type": "url"}]
    assert "❌ Not added: ::1 is a private or local address" in chat.texts[0]


async def test_a_link_on_disk_is_refused_by_name_and_its_target_never_read(bot: Harness, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the video service")
    link = tmp_path / "shadow.mp4"
    os.symlink(secret, link)
    chat = bot.chat()
    await bot.engine.handle(bot.message(attachments=(Attachment("shadow.mp4", "video/mp4", 25, path=link),)), chat)
    assert chat.texts == [
        "❌ shadow.mp4 is a link, a folder or a device, not a plain file, so I won't read it. Upload the file itself."
    ]
    assert await _sent_to_nemo(bot) == []


async def test_a_folder_or_a_device_is_not_a_plain_file(bot: Harness, tmp_path: Path) -> None:
    folder = tmp_path / "clips.mp4"
    folder.mkdir()
    chat = bot.chat()
    items = (Attachment("clips.mp4", path=folder), Attachment("zero.mp4", path=Path("/dev/zero")))
    await bot.engine.handle(bot.message(attachments=items), chat)
    assert [text.split(" is a link")[0] for text in chat.texts] == ["❌ clips.mp4", "❌ zero.mp4"]
    assert await _sent_to_nemo(bot) == []


def say_too_long() -> str:
    return TOO_LONG + " Please shorten it and send it again."
