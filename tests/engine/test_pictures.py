"""The reply layer's pictures: the timeline as a picture captioned with its summary (text alone when no picture can
be had or the platform refuses it), videos with a thumbnail, a link with it; the files are never left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.card import Stage
from bot.engine.charts import chart_of
from bot.engine.drawing import THUMBNAIL_BYTES, THUMBNAIL_SIDE, Drawing
from bot.engine.messages import Action
from bot.engine.ports import Limits
from bot.engine.refusals import NotDelivered, TooLarge
from bot.engine.replies import Replies, ReplyLayer
from bot.engine.tasks import Supervisor
from bot.pictures.frames import Frames
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.engine.fake_pictures import FakePictures
from tests.engine.fake_platform import FakePlatform
from tests.harness import Harness, running_bot
from tests.pictures.drafts import ROCKET

LIMITS = Limits(text_length=100, upload_bytes=1000, caption_length=40)
CHAT = ChatKey("test", "chat-1")
SUMMARY = "Timeline (3 tracks): 1. Video ..."


def _replies(tmp_path: Path, pictures: FakePictures | None, limits: Limits = LIMITS) -> tuple[Replies, FakePlatform]:
    platform = FakePlatform(limits)
    layer = ReplyLayer(Supervisor(), drawing=Drawing(pictures, tmp_path / "pictures"))
    return layer.to(CHAT, platform, "en"), platform


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "video.mp4"
    path.write_bytes(b"\0" * 500)
    return path


async def test_the_timeline_goes_as_a_picture_captioned_with_its_summary(tmp_path: Path) -> None:
    pictures = FakePictures()
    replies, platform = _replies(tmp_path, pictures)
    await replies.send_timeline(chart_of(ROCKET, "en"), SUMMARY, (Action.EXPORT,))

    [post] = platform.sent()
    assert post.text == SUMMARY
    assert post.image is not None
    assert [button.action for button in post.buttons] == [Action.EXPORT]
    assert [chart.heading for chart in pictures.charts] == ["Timeline · Rocket Launch"]
    assert not post.image.exists()  # removed once sent


@pytest.mark.parametrize("pictures", [None, FakePictures(able=False)], ids=["no-port", "no-picture"])
async def test_without_a_picture_the_timeline_is_text(tmp_path: Path, pictures: FakePictures | None) -> None:
    replies, platform = _replies(tmp_path, pictures)
    await replies.send_timeline(chart_of(ROCKET, "en"), SUMMARY)

    assert [(post.text, post.image) for post in platform.sent()] == [(SUMMARY, None)]


async def test_a_refused_picture_falls_back_to_the_text(tmp_path: Path) -> None:
    replies, platform = _replies(tmp_path, FakePictures())
    platform.refuse("send", NotDelivered("no pictures here"))
    await replies.send_timeline(chart_of(ROCKET, "en"), SUMMARY)

    assert [(post.text, post.image) for post in platform.sent()] == [(SUMMARY, None)]


async def test_a_summary_too_long_for_a_caption_follows_the_picture(tmp_path: Path) -> None:
    replies, platform = _replies(tmp_path, FakePictures())
    long = "Timeline (9 tracks): " + "x" * 60
    await replies.send_timeline(chart_of(ROCKET, "en"), long)

    picture, text = platform.sent()
    assert (picture.text, picture.image is not None) == ("", True)
    assert (text.text, text.image) == (long, None)


async def test_a_video_goes_with_its_thumbnail_title_and_facts(tmp_path: Path, video: Path) -> None:
    pictures = FakePictures()
    replies, platform = _replies(tmp_path, pictures)
    await replies.send_video(video, width=640, height=360, duration=10, caption="🎬", requester="Ada", title="Sea")

    [call] = platform.of("video")
    assert call.video is not None
    assert call.video.thumbnail is not None
    assert call.video.title == "Sea"
    assert call.video.facts == (("Duration", "10s"), ("Resolution", "640×360"), ("Requested by", "Ada"))
    assert pictures.frames == [(video, THUMBNAIL_SIDE, THUMBNAIL_BYTES, 1.0)]
    assert pictures.made
    assert not any(path.exists() for path in pictures.made)


async def test_without_a_frame_the_video_goes_as_before(tmp_path: Path, video: Path) -> None:
    replies, platform = _replies(tmp_path, FakePictures(able=False))
    await replies.send_video(video, width=640, height=360, duration=10, caption="🎬")

    [call] = platform.of("video")
    assert call.video is not None
    assert call.video.thumbnail is None
    assert call.video.title == "Your video"


async def test_a_link_for_a_video_too_big_shows_the_thumbnail(tmp_path: Path, video: Path) -> None:
    replies, platform = _replies(tmp_path, FakePictures(), Limits(text_length=100, upload_bytes=100))
    await replies.send_video(video, width=640, height=360, duration=10, caption="🎬", link="https://cdn/v.mp4")

    [post] = platform.sent()
    assert post.link == "https://cdn/v.mp4"
    assert post.image is not None


async def test_a_video_refused_for_its_size_links_with_the_thumbnail_and_otherwise_without(
    tmp_path: Path, video: Path,
) -> None:
    for refusal, pictured in ((TooLarge("413"), True), (NotDelivered("403"), False)):
        replies, platform = _replies(tmp_path, FakePictures())
        platform.refuse("video", refusal)
        await replies.send_video(video, width=640, height=360, duration=10, caption="🎬", link="https://cdn/v.mp4")

        [post] = platform.sent()
        assert (post.image is not None) is pictured


async def test_a_link_whose_picture_is_refused_goes_alone(tmp_path: Path, video: Path) -> None:
    replies, platform = _replies(tmp_path, FakePictures(), Limits(text_length=100, upload_bytes=100))
    platform.refuse("send", NotDelivered("no attachments"))
    await replies.send_video(video, width=640, height=360, duration=10, caption="🎬", link="https://cdn/v.mp4")

    [post] = platform.sent()
    assert (post.link, post.image) == ("https://cdn/v.mp4", None)


async def test_status_shows_the_drawn_timeline_end_to_end(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbor at dawn"), chat)
    await bot.engine.handle(bot.message("status"), chat)

    shown = chat.log[-1]
    assert shown.text.startswith("Timeline (3 tracks): 1. Video: ")
    assert shown.meta["picture"][:8] == b"\x89PNG\r\n\x1a\n"


async def test_a_generated_clip_puts_its_first_frame_on_the_card(tmp_path: Path) -> None:
    # Stage two takes a while, as it does for real: the frame arrives while the card is still up.
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, edit_seconds=3000)) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a red panda"), chat)
        await bot.engine.background.drain()

        pictured = [item for item in chat.log if "picture" in item.meta]
        assert pictured
        assert pictured[0].meta["picture"][:3] == b"\xff\xd8\xff"
        assert pictured[0].meta["card"].stage is Stage.EDITING
        assert chat.log[-1].kind != "edit" or "picture" not in chat.log[-1].meta
        assert list((tmp_path / "work" / "pictures").glob("*")) == []  # the clip and its frame are gone


async def test_without_a_decoder_the_card_has_no_picture(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, edit_seconds=1000)
    async with running_bot(tmp_path, db=14, sim=sim, frames=Frames(None)) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a red panda"), chat)
        await bot.engine.background.drain()

        assert not [item for item in chat.log if "picture" in item.meta]
        assert any(item.text.startswith("**✂️ Editing the timeline**") for item in chat.log)
