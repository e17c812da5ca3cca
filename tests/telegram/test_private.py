"""Private chats: text, files, albums, voice notes, the 20 MB getFile limit, edits and duplicates."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import imageio_ffmpeg
from telegram import Update

from tests.telegram.conftest import Tg
from tests.telegram.updates import ADA, LIN, photo_sizes

CHAT = ADA["id"]


async def test_dm_text_gets_the_agent_reply_with_buttons(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("hello there"))

    texts = tg.fake.texts(CHAT)
    assert texts[:2] == ["⚙️ Setting things up...", "✅ Connected and ready. Tell me what video to make."]
    reply = tg.fake.chat(CHAT)[-1]
    assert reply.text.startswith("Hi! I'm Nemo, your video assistant.")
    assert reply.buttons == [("🎞 Export", "export"), ("🧾 Timeline", "status"), ("💳 Credits", "credits")]
    sent = tg.fake.calls_to("sendMessage")
    assert {call.params["parse_mode"] for call in sent} == {"HTML"}
    assert all(call.params["chat_id"] == CHAT for call in sent)
    assert await tg.prompts() == ["hello there"]


async def test_chinese_client_gets_chinese_replies_and_buttons(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("你好", user=LIN))

    assert tg.fake.texts(LIN["id"])[:2] == ["⚙️ 正在准备...", "✅ 已连接，准备就绪。告诉我想做什么视频吧。"]
    buttons = [("🎞 导出", "export"), ("🧾 时间线", "status"), ("💳 积分", "credits")]
    assert tg.fake.chat(LIN["id"])[-1].buttons == buttons
    session = await tg.harness.requests("/api/tasks/me/with-session/nemo_agent")
    assert session[0]["body"]["language"] == "zh-CN"


async def test_photo_captioned_video_command_is_uploaded_then_sent_to_the_agent(tg: Tg) -> None:
    tg.fake.add_file("ph1", b"\xff\xd8\xff\xe0 a jpeg", name="photo.jpg")
    message = tg.updates.message(photo=photo_sizes("ph1"), caption="/video make a video of a cat surfing")

    await tg.deliver(tg.updates.of(message))

    assert [call.params["file_id"] for call in tg.fake.calls_to("getFile")] == ["ph1"]  # the largest size
    assert len(tg.fake.calls_to("download")) == 1
    assert len(await tg.nemo_calls("/api/upload-video/")) == 1
    assert await tg.prompts() == ["make a video of a cat surfing"]
    texts = tg.fake.texts(CHAT)
    added = f"📎 Added: photo_{message['message_id']}.jpg (image)"
    assert added in texts
    assert any("cat surfing" in text for text in texts[texts.index(added) + 1:])


async def test_album_parts_are_gathered_into_one_upload(tg: Tg) -> None:
    parts = []
    for index in range(3):
        tg.fake.add_file(f"al{index}", b"\xff\xd8\xff jpeg %d" % index)
        caption = "use these for a slideshow" if index == 0 else None
        parts.append(tg.updates.message(photo=photo_sizes(f"al{index}"), caption=caption, album="grp-1"))

    await tg.deliver(*(tg.updates.of(part) for part in parts))

    assert len(await tg.nemo_calls("/api/upload-video/")) == 1
    names = ", ".join(f"photo_{part['message_id']}.jpg (image)" for part in parts)
    assert f"📎 Added: {names}" in tg.fake.texts(CHAT)
    assert [text for text in tg.fake.texts(CHAT) if text.startswith("📤")] == []  # the progress became "Added"
    assert len([m for m in tg.fake.chat(CHAT) if m.edits and m.edits[-1].startswith("📎")]) == 1
    assert await tg.prompts() == ["use these for a slideshow"]


async def test_voice_note_is_converted_and_uploaded(tg: Tg, tmp_path: Path) -> None:
    tg.fake.add_file("vo1", _opus(tmp_path))
    message = tg.updates.message(voice={"file_id": "vo1", "file_unique_id": "uvo1", "duration": 1,
                                        "mime_type": "audio/ogg", "file_size": 900})

    await tg.deliver(tg.updates.of(message))

    assert f"📎 Added: voice_{message['message_id']}.m4a (audio, 30s)" in tg.fake.texts(CHAT)
    assert await tg.prompts() == []  # a bare file waits for instructions
    assert "Now tell me what to make with it." in tg.fake.texts(CHAT)


async def test_input_over_20_mb_is_refused_before_any_download(tg: Tg) -> None:
    clip = {"file_id": "big1", "file_unique_id": "ubig1", "width": 1920, "height": 1080, "duration": 60,
            "mime_type": "video/mp4", "file_name": "holiday.mp4", "file_size": 35_000_000}
    await tg.deliver(tg.updates.of(tg.updates.message(video=clip, caption="/video cut this into a teaser")))

    assert tg.fake.calls_to("getFile") == []
    assert tg.fake.calls_to("download") == []
    assert await tg.nemo_calls("/api/upload-video/") == []
    assert await tg.prompts() == []  # nothing is charged for a request that cannot be served
    refusal = tg.fake.chat(CHAT)[-1].text
    assert refusal.startswith("❌ holiday.mp4 is 35 MB, and Telegram lets bots download files only up to 20 MB.")
    assert "link" in refusal


async def test_document_of_unknown_size_refused_by_get_file_gets_the_same_answer(tg: Tg) -> None:
    tg.fake.add_file("doc1", b"x", size=25_000_000)
    document = {"file_id": "doc1", "file_unique_id": "udoc1", "file_name": "raw.mov", "mime_type": "video/quicktime"}
    await tg.deliver(tg.updates.of(tg.updates.message(document=document)))

    assert len(tg.fake.calls_to("getFile")) == 1
    assert tg.fake.calls_to("download") == []
    assert tg.fake.chat(CHAT)[-1].text.startswith(
        "❌ raw.mov is over 20 MB, and Telegram lets bots download files only up to 20 MB."
    )


async def test_a_document_that_is_not_what_its_name_says_is_refused_after_the_download(tg: Tg) -> None:
    tg.fake.add_file("doc2", b"meeting notes, not a video\n")
    document = {"file_id": "doc2", "file_unique_id": "udoc2", "file_name": "clip.mp4", "mime_type": "video/mp4",
                "file_size": 27}
    await tg.deliver(tg.updates.of(tg.updates.message(document=document, caption="make it dreamy")))

    assert len(tg.fake.calls_to("download")) == 1
    assert tg.fake.texts(CHAT)[-1].startswith("❌ Not added: clip.mp4 is not a video file")
    assert await tg.nemo_calls("/api/upload-video/") == []
    assert await tg.prompts() == []


async def test_edited_message_never_starts_a_job(tg: Tg) -> None:
    original = tg.updates.message(text="make a video of a lighthouse")
    await tg.deliver(tg.updates.of(original))
    calls = len(tg.fake.calls)

    edited = {**original, "text": "make a video of a lighthouse at night", "edit_date": original["date"] + 5}
    await tg.deliver(tg.updates.of(edited, kind="edited_message"))

    assert len(tg.fake.calls) == calls
    assert await tg.prompts() == ["make a video of a lighthouse"]


async def test_the_same_update_delivered_twice_is_handled_once(tg: Tg) -> None:
    update = tg.updates.text("hello again")
    await tg.deliver(update, update)

    assert await tg.prompts() == ["hello again"]
    assert len([t for t in tg.fake.texts(CHAT) if t.startswith("Hi! I'm Nemo")]) == 1


async def test_same_album_part_twice_is_kept_once(tg: Tg) -> None:
    tg.fake.add_file("dup", b"\xff\xd8\xff jpeg")
    part = tg.updates.of(tg.updates.message(photo=photo_sizes("dup"), album="grp-2"))
    await tg.deliver(part, part)

    assert f"📎 Added: photo_{part['message']['message_id']}.jpg (image)" in tg.fake.texts(CHAT)
    assert len(tg.fake.calls_to("getFile")) == 1


def _opus(folder: Path) -> bytes:
    """One second of tone as an Ogg/Opus voice note, made with ffmpeg."""
    target = folder / "voice.ogg"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libopus",
         str(target)],
        check=True, timeout=30,
    )
    return target.read_bytes()


async def test_a_long_job_in_one_chat_does_not_hold_up_another_chat(tg: Tg) -> None:
    await tg.harness.configure(gen_seconds=1500.0)  # about 1.5 s of generation at the test speed
    started = time.monotonic()
    await tg.application.process_update(
        Update.de_json(tg.updates.text("make a video of a long train journey"), tg.application.bot)
    )
    assert time.monotonic() - started < 0.5  # the handler only hands the work over

    await tg.application.process_update(Update.de_json(tg.updates.text("hello", user=LIN), tg.application.bot))
    await tg.until(lambda: any(text.startswith("Hi! I'm Nemo") for text in tg.fake.texts(LIN["id"])))
    assert not any("train journey" in text and "ready" in text for text in tg.fake.texts(CHAT))
    await tg.settle()
    assert any("long train journey" in text for text in tg.fake.texts(CHAT))
