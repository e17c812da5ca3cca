"""Pictures on Telegram: the timeline as a photo with its summary as the caption, videos with our JPEG thumbnail
(within the Bot API's limits), a link with the thumbnail, a progress card in HTML that can become a photo."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from adapters.telegram.sender import Where
from bot.engine.card import CardMaker
from bot.engine.drawing import THUMBNAIL_BYTES, THUMBNAIL_SIDE
from bot.pictures.frames import Frames
from nemo_sim.config import SimConfig
from tests.telegram.conftest import Tg, options, telegram_bot
from tests.telegram.updates import ADA

CHAT = ADA["id"]
WHERE = Where(CHAT)


async def _made(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("make a video of a cat surfing"))


async def test_sendvideo_carries_our_jpeg_thumbnail_within_the_limits(tg: Tg) -> None:
    await _made(tg)
    await tg.deliver(tg.updates.text("/export"))

    [call] = tg.fake.calls_to("sendVideo")
    thumbnail = call.files["thumbnail"]
    assert thumbnail.content[:3] == b"\xff\xd8\xff"
    assert thumbnail.size <= THUMBNAIL_BYTES
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= THUMBNAIL_SIDE
        assert image.size == (320, 180)  # the 640x360 video's shape
    assert call.params["supports_streaming"] is True
    assert (call.params["width"], call.params["height"], call.params["duration"]) == (640, 360, 10)
    assert list((tg.harness.folder / "work" / "pictures").glob("*")) == []  # the thumbnail is not left behind


async def test_status_sends_the_timeline_as_a_photo_captioned_with_its_summary(tg: Tg) -> None:
    await _made(tg)
    await tg.deliver(tg.updates.text("/status"))

    [call] = tg.fake.calls_to("sendPhoto")
    with Image.open(io.BytesIO(call.files["photo"].content)) as picture:
        assert picture.format == "PNG"
        assert picture.width == 960
    photo = tg.fake.chat(CHAT)[-1]
    assert photo.kind == "photo"
    assert photo.text.startswith("Timeline (3 tracks): 1. Video: ")


async def test_a_link_for_a_video_over_the_limit_shows_the_thumbnail(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, options(upload_limit=1000)) as tg:
        await _made(tg)
        await tg.deliver(tg.updates.text("/export"))

        assert tg.fake.calls_to("sendVideo") == []
        [call] = tg.fake.calls_to("sendPhoto")
        assert call.files["photo"].content[:3] == b"\xff\xd8\xff"
        note = tg.fake.chat(CHAT)[-1]
        assert note.kind == "photo"
        assert note.text.startswith("The video is ")
        assert note.text.splitlines()[-1].startswith(f"{tg.harness.sim.url}/")


async def test_without_a_decoder_the_video_goes_without_a_thumbnail(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, frames=Frames(None)) as tg:
        await _made(tg)
        await tg.deliver(tg.updates.text("/export"))
        await tg.deliver(tg.updates.text("/status"))

        [call] = tg.fake.calls_to("sendVideo")
        assert "thumbnail" not in call.files
        assert call.params.get("thumbnail") is None
        assert len(tg.fake.videos(CHAT)) == 1
        assert len(tg.fake.calls_to("sendPhoto")) == 1  # the timeline needs no decoder


async def test_the_progress_card_is_html_and_a_picture_turns_it_into_a_photo(tg: Tg, tmp_path: Path) -> None:
    frame = tmp_path / "frame.jpg"
    Image.new("RGB", (320, 180), (40, 90, 200)).save(frame, format="JPEG")
    cards = CardMaker("en")
    progress = await tg.replies(WHERE).start_card(cards, cards.waiting())
    [sent] = tg.fake.calls_to("sendMessage")
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"].startswith("<b>⏳ Waiting to render</b> · 0:0")

    await progress.show(cards.rendering(30))
    await tg.until(lambda: len(tg.fake.calls_to("editMessageText")) == 1)
    cards.show(frame)
    await progress.show(cards.rendering(60))
    await tg.until(lambda: len(tg.fake.calls_to("editMessageMedia")) == 1)
    await progress.finish("✅ Video ready!")
    await tg.settle()

    [message] = tg.fake.chat(CHAT)
    assert message.kind == "photo"
    assert message.photo == frame.read_bytes()
    assert "▰▰▰▰▰▰▱▱▱▱ 60%" in message.edits[-2]
    assert message.text == "✅ Video ready!"  # the last word went in as the photo's caption
    assert len(tg.fake.calls_to("editMessageCaption")) == 1


async def test_a_generated_clip_turns_the_card_into_a_photo_of_its_first_frame(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, sim=SimConfig(speed=0.001, edit_seconds=3000)) as tg:
        await _made(tg)

        [media] = tg.fake.calls_to("editMessageMedia")
        assert media.params["media"]["type"] == "photo"
        card = tg.fake.shown[(CHAT, int(media.params["message_id"]))]
        assert card.kind == "photo"
        with Image.open(io.BytesIO(card.photo)) as frame:
            assert frame.format == "JPEG"
            assert max(frame.size) <= THUMBNAIL_SIDE
        assert card.edits[0].startswith("✂️ Editing the timeline")
        assert card.text == "✅ Done."  # the last word is the photo's caption
        assert tg.fake.calls_to("editMessageCaption")


async def test_a_server_that_cannot_turn_text_into_a_photo_keeps_the_card_text(tg: Tg, tmp_path: Path) -> None:
    frame = tmp_path / "frame.jpg"
    Image.new("RGB", (320, 180), (40, 90, 200)).save(frame, format="JPEG")
    tg.fake.fail("editMessageMedia", 400, "Bad Request: there is no media in the message to edit")
    cards = CardMaker("en")
    progress = await tg.replies(WHERE).start_card(cards, cards.waiting())
    cards.show(frame)
    await progress.show(cards.rendering(30))
    await tg.until(lambda: len(tg.fake.calls_to("editMessageText")) == 1)
    await progress.show(cards.rendering(60))
    await tg.until(lambda: len(tg.fake.calls_to("editMessageText")) == 2)
    await progress.finish("✅ Video ready!")
    await tg.settle()

    assert len(tg.fake.calls_to("editMessageMedia")) == 1  # tried once, then the cards stay text
    [message] = tg.fake.chat(CHAT)
    assert (message.kind, message.text) == ("text", "✅ Video ready!")
