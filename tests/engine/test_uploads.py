"""Upload screening: the decisions as tables, then whole turns against the simulator, asserting what the user sees
and what reached (or never reached) Nemo."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.engine.config import EngineConfig
from bot.engine.messages import Attachment
from bot.engine.ports import Limits
from bot.engine.uploads import Screen, check, inspect, media_urls, screen, url_name
from bot.i18n import say
from tests.harness import Harness, running_bot

MB = 1000 * 1000
LIMIT = 200 * MB
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x23"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
TEXT = b"just some notes, not a video at all\n"
SIGNED = "https://example.com/media/clip.mp4?sig=abc&expires=1700000000"
DISCORD_CDN = "https://cdn.discordapp.com/attachments/1/2/cat.png?ex=65f1&is=65e0&hm=9a8b7c"


@pytest.mark.parametrize(
    ("name", "mime", "size", "download_limit", "expected"),
    [
        ("clip.mp4", "video/mp4", 10 * MB, None, Screen.ACCEPT),
        ("clip.mp4", None, None, None, Screen.ACCEPT),  # an unknown size is judged when it is known
        ("photo_7.jpg", "image/jpeg", 1, None, Screen.ACCEPT),
        ("blob", "image/png", 10, None, Screen.ACCEPT),  # the MIME type names it
        ("clip.mp4", "video/mp4", 0, None, Screen.EMPTY),
        ("clip.mp4", "video/mp4", LIMIT, None, Screen.ACCEPT),
        ("clip.mp4", "video/mp4", LIMIT + 1, None, Screen.TOO_BIG),
        ("clip.mp4", "video/mp4", 150 * MB, None, Screen.ACCEPT),
        ("clip.mp4", "video/mp4", 25 * MB, 20 * MB, Screen.UNREACHABLE),
        ("notes.txt", "text/plain", 10, None, Screen.UNSUPPORTED),
        ("notes.txt", "text/plain", 0, None, Screen.UNSUPPORTED),
        ("clip.mp4?sig=abc", None, None, None, Screen.UNSUPPORTED),  # names are paths' last segments, never this
    ],
)
def test_what_the_platform_says_decides_before_any_transfer(
    name: str, mime: str | None, size: int | None, download_limit: int | None, expected: Screen,
) -> None:
    assert screen(name, mime, size, max_bytes=LIMIT, download_limit=download_limit) is expected


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (SIGNED, "clip.mp4"),
        (DISCORD_CDN, "cat.png"),
        ("https://example.com/a/b/intro.mp4#t=10", "intro.mp4"),
        ("https://example.com/my%20clip.mov?x=1", "my clip.mov"),
        ("https://example.com/download.php?file=clip.mp4", "download.php"),
        ("https://example.com/", ""),
        ("https://example.com", ""),
        ("http://[::1/x.mp4?sig=1", "x.mp4"),  # a host no parser reads: named all the same, refused by its host
    ],
)
def test_a_link_is_named_by_its_paths_last_segment(url: str, name: str) -> None:
    assert url_name(url) == name


def test_media_links_are_judged_by_their_path_only() -> None:
    urls = [SIGNED, DISCORD_CDN, "https://example.com/watch?v=clip.mp4", "https://example.com/page#a.png",
            "http://[::1/x.mp4"]
    assert media_urls(urls) == [SIGNED, DISCORD_CDN, "http://[::1/x.mp4"]


@pytest.mark.parametrize(
    ("name", "mime", "content", "expected"),
    [
        ("clip.mp4", None, MP4, Screen.ACCEPT),
        ("clip.mp4", "video/mp4", TEXT, Screen.NOT_VIDEO),
        ("clip.mp4", None, PNG, Screen.NOT_VIDEO),
        ("clip.mp4", None, M4A, Screen.ACCEPT),  # an ISO file may hold sound only: Nemo tells
        ("song.m4a", None, MP4, Screen.ACCEPT),
        ("photo.png", None, JPG, Screen.ACCEPT),  # an image all the same
        ("photo.jpg", "image/jpeg", HEIC, Screen.NOT_IMAGE),
        ("photo.jpg", None, TEXT, Screen.NOT_IMAGE),
        ("song.mp3", None, MP3, Screen.ACCEPT),
        ("song.mp3", None, TEXT, Screen.NOT_AUDIO),
        ("voice_3.m4a", "audio/mp4", M4A, Screen.ACCEPT),
        ("blob", "image/png", PNG, Screen.ACCEPT),  # the MIME type says what it should be
        ("blob", "image/png", MP4, Screen.NOT_IMAGE),
        ("cat.gif", "video/mp4", MP4, Screen.ACCEPT),  # either may say it: Telegram sends GIFs as MP4s
        ("clip.mp4", "text/plain", TEXT, Screen.NOT_VIDEO),
        ("clip.mp4", "image/png", TEXT, Screen.NOT_VIDEO),  # refused as what its name says
        ("clip.mp4", None, b"", Screen.EMPTY),
        ("notes.txt", None, TEXT, Screen.UNSUPPORTED),
    ],
)
def test_a_file_on_disk_is_judged_by_its_first_bytes_and_its_name(
    tmp_path: Path, name: str, mime: str | None, content: bytes, expected: Screen,
) -> None:
    path = tmp_path / "file"
    path.write_bytes(content + b"\0" * 100 if content else b"")
    assert inspect(path, name, mime, max_bytes=LIMIT) == (expected, path.stat().st_size)


def test_a_file_over_the_limit_on_disk_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.mp4"
    with path.open("wb") as file:
        file.truncate(LIMIT + 1)  # sparse
    assert inspect(path, "big.mp4", None, max_bytes=LIMIT) == (Screen.TOO_BIG, LIMIT + 1)
    assert inspect(tmp_path / "gone.mp4", "gone.mp4", None, max_bytes=LIMIT)[0] is Screen.CANNOT_READ


def test_check_words_each_refusal_and_keeps_the_rest(tmp_path: Path) -> None:
    files = {"good.mp4": MP4, "fake.mp4": TEXT, "empty.png": b"", "song.mp3": TEXT}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    items = [Attachment(name, size=len(content), path=tmp_path / name) for name, content in files.items()]
    items.append(Attachment("cat.png", url=DISCORD_CDN))
    checked = check(items, EngineConfig(workdir=tmp_path), "en", Limits(text_length=4096, upload_bytes=50 * MB))
    assert [item.name for item in checked.accepted] == ["good.mp4", "cat.png"]
    assert checked.refusals == (
        say("upload_not_video", "en", name="fake.mp4"),
        say("upload_empty", "en", name="empty.png"),
        say("upload_not_audio", "en", name="song.mp3"),
    )


def test_the_refusals_read_well_in_english_and_chinese() -> None:
    assert say("upload_not_video", "en", name="clip.mp4") == (
        "❌ Not added: clip.mp4 is not a video file: despite its name, its contents are not mp4, mov, avi, webm or "
        "mkv. Please send the video itself."
    )
    assert say("upload_not_video", "zh", name="clip.mp4") == (
        "❌ 未添加：clip.mp4 不是视频文件：虽然文件名是视频，但内容不是 mp4、mov、avi、webm 或 mkv 格式。"
        "请发送视频本身。"
    )
    assert say("upload_empty", "en", name="a.png") == (
        "❌ Not added: a.png is empty (0 bytes). Please check the file and send it again."
    )
    assert say("upload_empty", "zh", name="a.png") == "❌ 未添加：a.png 是空文件（0 字节）。请检查文件后重新发送。"


# Whole turns through the engine, the real client and the simulator.


async def _uploads(bot: Harness) -> list[Any]:
    """The bodies of every upload request Nemo received (None for a multipart one)."""
    log = (await bot.http.get(f"{bot.sim.url}/__sim/requests")).json()
    return [r.get("body") for r in log if r["path"].startswith("/api/upload-video/")]


async def test_a_signed_link_is_uploaded_as_a_link_query_and_all(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message(f"upload {SIGNED}"), chat)
    assert await _uploads(bot) == [{"urls": [SIGNED], "source_type": "url"}]
    assert any(item.text.startswith("📎 Added: clip.mp4") for item in chat.log)
    assert "not supported" not in chat.everything()


async def test_a_prompt_with_a_signed_media_link_reaches_the_agent_after_its_upload(bot: Harness) -> None:
    chat = bot.chat()
    prompt = f"make a video of my cat from {DISCORD_CDN}, with music"
    await bot.engine.handle(bot.message(prompt), chat)
    assert await _uploads(bot) == [{"urls": [DISCORD_CDN], "source_type": "url"}]
    [turn] = await bot.requests("/run_sse")
    assert prompt in str(turn["body"])
    assert "not supported" not in chat.everything()


async def test_a_chinese_prompt_with_a_link_before_full_width_punctuation(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message(f"用{DISCORD_CDN}，做一个视频", locale="zh-CN"), chat)
    assert await _uploads(bot) == [{"urls": [DISCORD_CDN], "source_type": "url"}]
    assert len(await bot.requests("/run_sse")) == 1


async def test_a_text_file_named_mp4_is_refused_before_anything_is_set_up(bot: Harness, tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(TEXT)
    chat = bot.chat()
    await bot.engine.handle(bot.message(attachments=(Attachment("clip.mp4", "video/mp4", len(TEXT), path=fake),)), chat)
    assert chat.texts == [say("upload_not_video", "en", name="clip.mp4")]
    assert await _uploads(bot) == []
    assert await bot.requests("/api/tasks/me/with-session/nemo_agent") == []


def _fetching(content: bytes) -> Callable[[Path], Awaitable[None]]:
    """A platform's saver that hands over `content`, whatever the file was said to be."""

    async def save(path: Path) -> None:
        await asyncio.to_thread(path.write_bytes, content)

    return save


async def test_a_fetched_file_that_is_not_what_it_says_is_refused_after_the_fetch(bot: Harness) -> None:
    chat = bot.chat()
    error_page = _fetching(b"<html>this is an error page, not a photo</html>")
    photo = Attachment("photo_12.jpg", "image/jpeg", None, save_to=error_page)
    await bot.engine.handle(bot.message("use this for the intro", attachments=(photo,)), chat)
    assert chat.log[-1].kind == "finish"
    assert chat.log[-1].text == say("upload_not_image", "en", name="photo_12.jpg")
    assert await _uploads(bot) == []
    assert await bot.requests("/run_sse") == []  # the caption is not sent without its file


async def test_an_empty_file_is_refused_and_never_fetched_or_uploaded(bot: Harness, tmp_path: Path) -> None:
    fetched: list[Path] = []

    async def fetch(path: Path) -> None:
        fetched.append(path)

    empty = tmp_path / "empty.mp4"
    empty.touch()
    chat = bot.chat()
    on_disk = Attachment("empty.mp4", "video/mp4", 0, path=empty)
    declared = Attachment("blank.png", "image/png", 0, save_to=fetch)
    await bot.engine.handle(bot.message(attachments=(on_disk, declared)), chat)
    assert chat.texts == [say("upload_empty", "en", name="empty.mp4"), say("upload_empty", "en", name="blank.png")]
    assert fetched == []
    assert await _uploads(bot) == []


async def test_a_file_that_arrives_empty_is_refused_after_the_fetch(bot: Harness) -> None:
    chat = bot.chat()
    nothing = Attachment("song.mp3", "audio/mpeg", None, save_to=_fetching(b""))
    await bot.engine.handle(bot.message(attachments=(nothing,)), chat)
    assert chat.log[-1].text == say("upload_empty", "en", name="song.mp3")
    assert await _uploads(bot) == []


async def test_an_oversize_file_is_refused_before_any_byte_moves(bot: Harness, tmp_path: Path) -> None:
    fetched: list[Path] = []

    async def fetch(path: Path) -> None:
        fetched.append(path)

    local = tmp_path / "long.mov"
    with local.open("wb") as file:
        file.truncate(LIMIT + MB)  # sparse: 201 MB on paper
    chat = bot.chat()
    items = (
        Attachment("long.mov", "video/quicktime", LIMIT + MB, path=local),
        Attachment("huge.mp4", "video/mp4", 250 * MB, save_to=fetch),
    )
    await bot.engine.handle(bot.message(attachments=items), chat)
    assert chat.texts == [
        "❌ long.mov is 201 MB; the limit is 200 MB. Trim or compress it and try again.",
        "❌ huge.mp4 is 250 MB; the limit is 200 MB. Trim or compress it and try again.",
    ]
    assert fetched == []
    assert await _uploads(bot) == []
    assert await bot.requests("/api/tasks/me/with-session/nemo_agent") == []


async def test_a_fetch_of_unknown_size_over_the_limit_is_never_uploaded(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, max_upload_bytes=1000) as bot:
        chat = bot.chat()
        clip = Attachment("clip.mp4", None, None, save_to=_fetching(MP4.ljust(2000, b"\0")))
        await bot.engine.handle(bot.message(attachments=(clip,)), chat)
        assert chat.log[-1].text.startswith("❌ clip.mp4 is 0 MB; the limit is 0 MB.")
        assert await _uploads(bot) == []


async def test_a_real_file_of_every_kind_goes_up_in_one_request(bot: Harness, tmp_path: Path) -> None:
    items = []
    for name, head in (("clip.mp4", MP4), ("logo.png", PNG), ("song.mp3", MP3)):
        path = tmp_path / name
        path.write_bytes(head.ljust(500, b"\0"))
        items.append(Attachment(name, None, 500, path=path))
    chat = bot.chat()
    await bot.engine.handle(bot.message(attachments=tuple(items)), chat)
    assert len(await _uploads(bot)) == 1
    assert any(item.text.startswith("📎 Added: clip.mp4 (video") for item in chat.log)

