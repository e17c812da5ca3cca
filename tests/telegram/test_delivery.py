"""Delivery: sendVideo with its metadata, a link past the upload limit or on 413, and no second post after a timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.telegram.sender import Where
from tests.telegram.conftest import Tg, options, telegram_bot
from tests.telegram.updates import ADA, bot_message, private_chat

CHAT = ADA["id"]


async def _make_and_export(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("make a video of a cat surfing"))
    await tg.deliver(tg.updates.text("/export"))


async def test_export_sends_the_mp4_with_its_metadata_while_showing_upload_video(tg: Tg) -> None:
    await _make_and_export(tg)

    [call] = tg.fake.calls_to("sendVideo")
    assert call.params["supports_streaming"] is True
    assert (call.params["width"], call.params["height"]) == (640, 360)
    assert call.params["duration"] >= 1
    assert call.files["video"].filename is not None
    assert call.files["video"].filename.endswith(".mp4")
    assert call.files["video"].size > 1000
    [video] = tg.fake.videos(CHAT)
    assert video.text.startswith("🎬 Your video (")
    actions = [c for c in tg.fake.calls if c.method == "sendChatAction" and c.params["action"] == "upload_video"]
    assert actions
    assert actions[0].at <= call.at
    assert "✅ Video ready!" in tg.fake.texts(CHAT)


async def test_a_video_over_the_upload_limit_goes_as_a_link(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, options(upload_limit=1000)) as tg:
        await _make_and_export(tg)

        assert tg.fake.calls_to("sendVideo") == []
        note = tg.fake.texts(CHAT)[-1]
        assert note.startswith("The video is ")
        assert "over this chat's upload limit" in note
        assert f"{tg.harness.sim.url}/" in note.splitlines()[-1]


async def test_413_on_upload_is_not_retried_and_leads_to_the_link(tg: Tg) -> None:
    tg.fake.fail("sendVideo", 413, "Request Entity Too Large", html=True)
    await _make_and_export(tg)

    assert len(tg.fake.calls_to("sendVideo")) == 1
    assert tg.fake.videos(CHAT) == []
    note = tg.fake.texts(CHAT)[-1]
    assert note.startswith("The video is ")
    assert "over this chat's upload limit, so here is a download link:" in note
    assert note.splitlines()[-1].startswith(f"{tg.harness.sim.url}/cdn/")


async def test_413_on_upload_leads_to_the_link_when_one_is_known(tg: Tg, tmp_path: Path) -> None:
    clip = tmp_path / "render.mp4"
    clip.write_bytes(b"\x00" * 4096)
    tg.fake.fail("sendVideo", 413, "Request Entity Too Large", html=True)
    out = tg.replies(Where(CHAT))

    await out.send_video(clip, width=640, height=360, duration=5, caption="🎬 Your video",
                         link="https://cdn.example.com/render_1.mp4")

    assert tg.fake.texts(CHAT) == [
        "The video is 0 MB, over this chat's upload limit, so here is a download link:\n"
        "https://cdn.example.com/render_1.mp4"
    ]


async def test_a_timed_out_upload_is_never_sent_twice(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, options(media_read_timeout=0.3)) as tg:
        tg.fake.delays["sendVideo"] = 1.0  # Telegram got the file and posts it, but answers too late
        await _make_and_export(tg)

        assert len(tg.fake.calls_to("sendVideo")) == 1
        assert len(tg.fake.videos(CHAT)) == 1
        assert tg.fake.chat(CHAT)[-1].text.startswith("⌛ Sending the video is taking long.")


async def test_a_flood_refused_upload_is_sent_again_after_the_wait(tg: Tg, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    tg.fake.fail("sendVideo", 429, "Too Many Requests: retry after 1", retry_after=1)
    await _make_and_export(tg)

    first, second = tg.fake.calls_to("sendVideo")
    assert second.at - first.at >= 1.0
    assert len(tg.fake.videos(CHAT)) == 1


async def test_buttons_route_to_the_same_intents_and_are_answered(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("make a video of a quiet forest"))
    under = bot_message(tg.fake.chat(CHAT)[-1].message_id, private_chat(ADA))

    await tg.deliver(tg.updates.button("status", under))
    assert tg.fake.texts(CHAT)[-1].startswith("Timeline (")
    await tg.deliver(tg.updates.button("credits", under))
    assert tg.fake.texts(CHAT)[-1].startswith("💳 Credits:")
    await tg.deliver(tg.updates.button("export", under))
    assert len(tg.fake.videos(CHAT)) == 1
    await tg.deliver(tg.updates.button("format_disk", under))  # not ours: answered, nothing else

    assert len(tg.fake.calls_to("answerCallbackQuery")) == 4
    assert len(tg.fake.videos(CHAT)) == 1


async def test_local_mode_takes_big_inputs_and_sends_the_video_by_path(tmp_path: Path) -> None:
    local = options(local_mode=True, download_limit=None, upload_limit=2_000_000_000)
    async with telegram_bot(tmp_path, local, local=True) as tg:
        tg.fake.add_file("big1", b"\x00\x00\x00\x18ftypmp42 a big clip", size=35_000_000, name="holiday.mp4")
        clip = {"file_id": "big1", "file_unique_id": "ubig1", "width": 1920, "height": 1080, "duration": 60,
                "mime_type": "video/mp4", "file_name": "holiday.mp4", "file_size": 35_000_000}
        await tg.deliver(tg.updates.of(tg.updates.message(video=clip)))

        assert "📎 Added: holiday.mp4 (video, 10s)" in tg.fake.texts(CHAT)
        assert tg.fake.calls_to("download") == []  # read from the shared disk, not over HTTP

        await _make_and_export(tg)
        [call] = tg.fake.calls_to("sendVideo")
        assert str(call.params["video"]).startswith("file:///")
        assert str(call.params["thumbnail"]).startswith("file:///")
        assert call.files == {}
        [video] = tg.fake.videos(CHAT)
        assert video.video["size"] > 1000
