"""The reply layer against a recording platform: splitting, progress pacing, the file-or-link decision, buttons."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.fitting import length, split, truncate
from bot.engine.messages import DEFAULT_ACTIONS, Action
from bot.engine.ports import Counting, Limits
from bot.engine.refusals import EditRefused, NotDelivered, SlowDown, TooLarge, UploadUnconfirmed
from bot.engine.replies import Replies, ReplyLayer
from bot.engine.tasks import Supervisor
from bot.engine.uploads import Screen, screen
from bot.store.keys import ChatKey
from tests.engine.fake_platform import FakePlatform
from tests.harness import Harness

CHARS = Counting.CHARACTERS
UTF16 = Counting.UTF16
INTERVAL = 0.2
LIMITS = Limits(text_length=100, upload_bytes=1000, caption_length=20, min_edit_interval=INTERVAL)
CHAT = ChatKey("test", "chat-1")


@pytest.mark.parametrize(
    ("text", "limit", "counting", "expected"),
    [
        ("short", 2000, CHARS, ["short"]),
        ("  short  ", 2000, CHARS, ["short"]),
        ("   ", 2000, CHARS, []),
        ("", 2000, CHARS, []),
        ("a" * 2000, 2000, CHARS, ["a" * 2000]),
        ("a" * 2001, 2000, CHARS, ["a" * 2000, "a"]),
        ("x" * 9000, 4096, UTF16, ["x" * 4096, "x" * 4096, "x" * 808]),  # an unbroken run is cut hard
        ("word " * 500, 2000, CHARS, ["word " * 399 + "word", ("word " * 100).strip()]),
        ("x" * 1500 + "\n" + "y" * 1000, 2000, CHARS, ["x" * 1500, "y" * 1000]),
        # A paragraph break wins over a later line break.
        ("a" * 1200 + "\n\n" + "b" * 300 + "\n" + "c" * 600, 2000, CHARS, ["a" * 1200, "b" * 300 + "\n" + "c" * 600]),
        # A break in the first half is not worth a short piece: cut hard instead.
        ("ab " + "c" * 20, 10, CHARS, ["ab " + "c" * 7, "c" * 10, "c" * 3]),
        ("😀" * 3000, 4096, UTF16, ["😀" * 2048, "😀" * 952]),  # an emoji is two UTF-16 units
        ("😀" * 3000, 4096, CHARS, ["😀" * 3000]),  # and one character
        ("中" * 5000, 4096, UTF16, ["中" * 4096, "中" * 904]),  # common CJK is one unit
        ("𠀀" * 3000, 4096, UTF16, ["𠀀" * 2048, "𠀀" * 952]),  # CJK outside the BMP is two
        ("a" + "😀" * 2048, 4096, UTF16, ["a" + "😀" * 2047, "😀"]),  # never half an emoji
    ],
)
def test_split(text: str, limit: int, counting: Counting, expected: list[str]) -> None:
    pieces = split(text, limit, counting)
    assert pieces == expected
    assert all(length(piece, counting) <= limit for piece in pieces)


@pytest.mark.parametrize(
    ("text", "limit", "counting", "expected"),
    [
        ("abc", 10, CHARS, "abc"),
        ("<" * 2000, 1024, UTF16, "<" * 1023 + "…"),
        ("😀" * 600, 1024, UTF16, "😀" * 511 + "…"),
        ("😀" * 600, 1024, CHARS, "😀" * 600),
        ("a b" + " " * 10, 5, CHARS, "a b…"),
    ],
)
def test_truncate(text: str, limit: int, counting: Counting, expected: str) -> None:
    cut = truncate(text, limit, counting)
    assert cut == expected
    assert length(cut, counting) <= limit


@pytest.mark.parametrize(
    ("text", "limit", "counting", "pieces", "cut"),
    [
        ("a_b_c", 5, CHARS, ["a_b", "_c"], "a_b…"),  # each escaped character counts as two
        ("a_b_c", 7, CHARS, ["a_b_c"], "a_b_c"),
        ("😀_" * 3, 6, UTF16, ["😀_😀", "_😀_"], "😀_…"),  # and an emoji still as two UTF-16 units
        ("__ __ __", 4, CHARS, ["__", "__", "__"], "_…"),
    ],
)
def test_characters_a_platform_escapes_count_twice(
    text: str, limit: int, counting: Counting, pieces: list[str], cut: str,
) -> None:
    assert split(text, limit, counting, escaped="_") == pieces
    assert truncate(text, limit, counting, escaped="_") == cut
    assert all(length(piece, counting, "_") <= limit for piece in [*pieces, cut])


@pytest.mark.parametrize(
    ("name", "mime", "size", "download_limit", "expected"),
    [
        ("clip.mp4", None, 10, None, Screen.ACCEPT),
        ("clip", "video/quicktime", 10, None, Screen.ACCEPT),
        ("clip.mp4", None, None, 20, Screen.ACCEPT),  # size unknown: let through, the fetch tells
        ("notes.exe", None, 10, None, Screen.UNSUPPORTED),
        ("notes.exe", None, 10**9, 20, Screen.UNSUPPORTED),  # a wrong type is refused as such
        ("clip.mp4", None, 21, 20, Screen.UNREACHABLE),
        ("clip.mp4", None, 300_000_000, 20, Screen.UNREACHABLE),  # the platform's limit is told first
        ("clip.mp4", None, 300_000_000, None, Screen.TOO_BIG),
    ],
)
def test_screen(name: str, mime: str | None, size: int | None, download_limit: int | None, expected: Screen) -> None:
    assert screen(name, mime, size, max_bytes=200_000_000, download_limit=download_limit) is expected


@pytest.fixture
async def layer() -> AsyncIterator[ReplyLayer]:
    """A reply layer whose flusher tasks are awaited at the end."""
    supervisor = Supervisor()
    yield ReplyLayer(supervisor)
    await supervisor.drain()


def _replies(layer: ReplyLayer, limits: Limits = LIMITS, chat: ChatKey = CHAT, locale: str = "en") -> tuple[
    Replies, FakePlatform,
]:
    platform = FakePlatform(limits)
    return layer.to(chat, platform, locale), platform


async def test_long_text_is_split_with_the_buttons_under_the_last_piece(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    await replies.send_text("word " * 50, DEFAULT_ACTIONS)

    posts = platform.sent()
    assert [len(post.text) for post in posts] == [99, 99, 49]
    assert [bool(post.buttons) for post in posts] == [False, False, True]
    assert [post.quoted for post in posts] == [True, False, False]  # only the first piece quotes the request


@pytest.mark.parametrize(
    ("locale", "labels"),
    [("en", ["🎞 Export", "🧾 Timeline", "💳 Credits"]), ("zh-CN", ["🎞 导出", "🧾 时间线", "💳 积分"])],
)
async def test_buttons_are_labelled_by_action_in_the_users_language(
    layer: ReplyLayer, locale: str, labels: list[str],
) -> None:
    replies, platform = _replies(layer, locale=locale)
    await replies.send_text("hi", DEFAULT_ACTIONS)

    [post] = platform.sent()
    assert [f"{button.emoji} {button.label}" for button in post.buttons] == labels
    assert [button.action for button in post.buttons] == [Action.EXPORT, Action.TIMELINE, Action.CREDITS]


async def test_a_burst_collapses_into_the_latest_text_and_the_final_text_lands(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    progress = await replies.start_progress("0%")
    for percent in range(1, 31):
        await progress.update(f"{percent}%")
    await asyncio.sleep(INTERVAL * 1.5)
    await progress.finish("done")

    edits = platform.of("edit")
    assert [edit.text for edit in edits] == ["1%", "30%", "done"]
    assert [edit.last for edit in edits] == [False, False, True]
    assert edits[1].at - edits[0].at >= INTERVAL * 0.9


async def test_progress_messages_of_one_chat_share_one_pace(layer: ReplyLayer) -> None:
    first, platform = _replies(layer)
    second = layer.to(CHAT, platform, "en")  # a later job in the same chat
    other, elsewhere = _replies(layer, chat=ChatKey("test", "chat-2"))
    a, b, c = await first.start_progress("a0"), await second.start_progress("b0"), await other.start_progress("c0")
    await a.update("a1")
    await b.update("b1")
    await c.update("c1")
    await asyncio.sleep(INTERVAL * 1.5)

    [a1, b1] = platform.of("edit")
    assert b1.at - a1.at >= INTERVAL * 0.9
    [c1] = elsewhere.of("edit")
    assert c1.at - a1.at < INTERVAL / 2  # another chat has its own pace
    for progress in (a, b, c):
        await progress.finish("end")


async def test_topics_of_one_chat_share_its_pace(layer: ReplyLayer) -> None:
    one, platform = _replies(layer, chat=ChatKey("test", "group", "1"))
    two = layer.to(ChatKey("test", "group", "2"), platform, "en")
    a, b = await one.start_progress("a0"), await two.start_progress("b0")
    await a.update("a1")
    await b.update("b1")
    await asyncio.sleep(INTERVAL * 1.5)

    [a1, b1] = platform.of("edit")
    assert b1.at - a1.at >= INTERVAL * 0.9
    await a.finish("end")
    await b.finish("end")


async def test_slow_down_pushes_the_next_edit_back_without_blocking(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    progress = await replies.start_progress("start")
    platform.refuse("edit", SlowDown(0.5))
    started = time.monotonic()
    await progress.update("one")
    await progress.update("two")
    assert time.monotonic() - started < 0.1  # the caller never waits out the block
    await asyncio.sleep(0.8)
    await progress.finish("two")

    [refused, shown, final] = platform.of("edit")
    assert (refused.text, shown.text) == ("one", "two")
    assert shown.at - refused.at >= 0.45
    assert (final.text, final.last) == (None, True)  # unchanged: only the end is marked


async def test_the_final_edit_waits_out_a_block(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    progress = await replies.start_progress("start")
    platform.refuse("edit", SlowDown(0.4))
    await progress.update("one")
    await progress.finish("done")

    [refused, final] = platform.of("edit")
    assert (final.text, final.last) == ("done", True)
    assert final.at - refused.at >= 0.35


async def test_unchanged_text_is_never_edited_again(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    progress = await replies.start_progress("same")
    for _ in range(5):
        await progress.update("same")
    await progress.finish("same")
    await progress.update("later")
    await progress.finish("later")

    assert [(edit.text, edit.last) for edit in platform.of("edit")] == [(None, True)]


async def test_a_refused_final_edit_is_sent_as_a_new_message(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer)
    progress = await replies.start_progress("working")
    platform.refuse("edit", EditRefused("message to edit not found"))
    await progress.finish("done")

    assert [(post.text, post.live, post.quoted) for post in platform.sent()] == [
        ("working", True, True), ("done", False, False),
    ]


async def test_a_refused_ordinary_edit_is_dropped_and_the_next_text_still_shown(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer, Limits(text_length=100, upload_bytes=1000))
    progress = await replies.start_progress("0")
    platform.refuse("edit", NotDelivered("flaky"))
    await progress.update("1")
    await progress.update("2")
    await progress.finish("3")

    assert [edit.text for edit in platform.of("edit")] == ["1", "2", "3"]


async def test_without_edits_only_the_final_text_is_sent(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer, Limits(text_length=100, upload_bytes=1000, can_edit=False))
    progress = await replies.start_progress("0%")
    await progress.update("50%")
    await progress.finish("done")

    assert platform.of("edit") == []
    assert [post.text for post in platform.sent()] == ["0%", "done"]


async def test_progress_text_is_held_to_the_length_limit(layer: ReplyLayer) -> None:
    replies, platform = _replies(layer, Limits(text_length=10, upload_bytes=1000, counting=UTF16))
    progress = await replies.start_progress("😀" * 20)
    await progress.finish("x" * 20)

    assert platform.sent()[0].text == "😀" * 4 + "…"
    assert platform.of("edit")[0].text == "x" * 9 + "…"


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A 500-byte file standing in for a render."""
    path = tmp_path / "render.mp4"
    path.write_bytes(b"\0" * 500)
    return path


async def _send(replies: Replies, video: Path, link: str | None = "https://cdn.example/v.mp4") -> None:
    await replies.send_video(video, width=640, height=360, duration=5, caption="🎬 " + "c" * 40, link=link)


async def test_a_video_within_the_limit_is_sent_with_its_caption_cut_to_fit(layer: ReplyLayer, video: Path) -> None:
    replies, platform = _replies(layer)
    await _send(replies, video)

    [upload] = platform.of("video")
    assert upload.text == "🎬 " + "c" * 17 + "…"
    assert platform.sent() == []


async def test_a_video_over_the_declared_limit_goes_as_its_link(layer: ReplyLayer, video: Path) -> None:
    replies, platform = _replies(layer, Limits(text_length=100, upload_bytes=499))
    await _send(replies, video)

    assert platform.of("video") == []
    [post] = platform.sent()
    assert post.link == "https://cdn.example/v.mp4"
    assert "over this chat's upload limit" in post.text


SLOW = "⌛ Sending the video is taking long."
TOO_LARGE = "❌ The video is too large to send in this chat, and no download link is available."
NOT_ATTACHED = "🎬 Your video is ready, but I could not attach the file here. Download it from this link:"


@pytest.mark.parametrize(
    ("refusal", "link", "expected"),
    [
        # A size refusal: the link, or a note without one.
        (TooLarge("413"), "L", ("The video is 0 MB, over this chat's upload limit, so here is a download link:", "L")),
        (TooLarge("413"), None, (TOO_LARGE, None)),
        # A timed-out upload is never sent again.
        (UploadUnconfirmed("timed out"), "L", (f"{SLOW} If it does not appear, download it here:", "L")),
        (UploadUnconfirmed("timed out"), None, (f"{SLOW} If it does not appear in a few minutes, send export again.",
                                                None)),
        # Not posted at all: the link.
        (NotDelivered("403"), "L", (NOT_ATTACHED, "L")),
        (RuntimeError("anything else"), "L", (NOT_ATTACHED, "L")),
    ],
)
async def test_a_refused_file_becomes_its_link_or_a_note(
    layer: ReplyLayer, video: Path, refusal: Exception, link: str | None, expected: tuple[str, str | None],
) -> None:
    replies, platform = _replies(layer)
    platform.refuse("video", refusal)
    await _send(replies, video, link)

    assert len(platform.of("video")) == 1  # tried once, never again
    [post] = platform.sent()
    assert (post.text, post.link) == expected


@pytest.mark.parametrize("refusal", [NotDelivered("403"), RuntimeError("anything else")])
async def test_a_lost_file_without_a_link_is_raised_for_the_engine(
    layer: ReplyLayer, video: Path, refusal: Exception,
) -> None:
    replies, platform = _replies(layer)
    platform.refuse("video", refusal)
    with pytest.raises(type(refusal)):
        await _send(replies, video, None)
    assert platform.sent() == []


@pytest.mark.parametrize(
    ("refusal", "note"),
    [
        (TooLarge("413"), "<@42>, the video is 0 MB, over this chat's upload limit"),
        (UploadUnconfirmed("timed out"), "⌛ <@42>, sending the video is taking long."),
        (NotDelivered("403"), "🎬 <@42>, your video is ready, but I could not attach the file here."),
    ],
)
async def test_a_link_names_whoever_asked_and_fits_one_message_with_the_link(
    layer: ReplyLayer, video: Path, refusal: Exception, note: str,
) -> None:
    replies, platform = _replies(layer, Limits(text_length=120, upload_bytes=1000))
    platform.refuse("video", refusal)
    link = "https://cdn.example/" + "v" * 40 + ".mp4"
    await replies.send_video(video, width=640, height=360, duration=5, caption="🎬", link=link, requester="<@42>")

    [post] = platform.sent()
    assert post.text.startswith(note[:50])
    assert post.link == link
    assert len(f"{post.text}\n{post.link}") <= 120  # the platform puts the link under the note: one message


async def test_progress_is_paced_by_the_clock_the_engine_was_given(bot: Harness, tmp_path: Path) -> None:
    now = [1000.0]
    engine = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "clocked"), clock=lambda: now[0])
    platform = FakePlatform(Limits(text_length=100, upload_bytes=1000, min_edit_interval=60))
    progress = await engine.replies.to(CHAT, platform, "en").start_progress("0%")
    await progress.update("1%")
    now[0] += 61  # a minute passes by the engine's clock, not by the wall clock
    await progress.update("2%")

    assert [call.text for call in platform.of("edit")] == ["1%", "2%"]
    await progress.finish("done")
    await engine.background.drain()
