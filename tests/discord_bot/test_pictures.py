"""Pictures on Discord: the MP4 with an embed (title, duration, resolution, requester, our thumbnail), the timeline
as a PNG attachment captioned with its summary, and a progress card as an embed coloured by its stage."""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image

from adapters.discord_bot.embeds import COLOURS, FRAME_NAME, THUMBNAIL_NAME, card_embed
from adapters.discord_bot.outgoing import DiscordOutgoing, Style
from adapters.discord_bot.surfaces import ChannelSurface
from bot.engine.card import CardMaker, Stage
from nemo_sim.config import SimConfig
from tests.discord_bot.payloads import CHANNEL, USER
from tests.discord_bot.rig import open_rig


async def test_the_delivered_mp4_has_an_embed_with_its_facts_and_thumbnail(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a lighthouse"}))
        export = rig.make.command("export")
        await rig.feed(export)

        [delivery] = [call for call in rig.webhook(export) if call.files]
        assert sorted(path.suffix for path in delivery.files) == [".jpg", ".mp4"]
        thumbnail = next(path for path in delivery.files if path.suffix == ".jpg")
        assert thumbnail.name.endswith(THUMBNAIL_NAME)
        with Image.open(thumbnail) as image:
            assert image.format == "JPEG"
            assert max(image.size) <= 320
        [embed] = delivery.embeds
        assert embed["title"] == "Lighthouse"
        assert embed["thumbnail"]["url"] == f"attachment://{THUMBNAIL_NAME}"
        fields = {field["name"]: field["value"] for field in embed["fields"]}
        assert fields == {"Duration": "10s", "Resolution": "640×360", "Requested by": f"<@{USER}>"}
        assert delivery.content == f"🎬 <@{USER}>, your video is ready (10s)"


async def test_status_attaches_the_timeline_png_captioned_with_the_summary(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a lighthouse"}))
        status = rig.make.command("status")
        await rig.feed(status)

        [shown] = [call for call in rig.webhook(status) if call.files]
        [picture] = shown.files
        with Image.open(io.BytesIO(picture.read_bytes())) as image:
            assert image.format == "PNG"
            assert image.width == 960
        assert shown.content.startswith("Timeline (3 tracks): 1. Video: ")


async def test_a_progress_card_is_an_embed_coloured_by_stage_with_times_the_app_counts(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        channel = rig.client.get_partial_messageable(CHANNEL)
        out = DiscordOutgoing(None, ChannelSurface(channel, 10 * 1024 * 1024), style=Style(interval=0.0))
        now = [1_800_000_000.0]
        cards = CardMaker("en", clock=lambda: now[0])
        progress = await rig.replies(out).start_card(cards, cards.waiting(queue=3))
        now[0] += 10
        await progress.show(cards.rendering(20))
        now[0] += 30
        await progress.show(cards.rendering(50))
        await progress.finish("✅ Video ready!")

        post, *edits = rig.fake.find(None, f"/channels/{CHANNEL}/messages")
        assert post.content == ""
        [queued] = post.embeds
        assert queued["title"] == "⏳ Waiting to render"
        assert queued["color"] == COLOURS[Stage.QUEUED].value
        assert {"name": "Place in line", "value": "#3", "inline": True} in queued["fields"]
        assert {"name": "Started", "value": "<t:1800000000:R>", "inline": True} in queued["fields"]
        first, second, final = edits
        assert first.embeds[0]["color"] == COLOURS[Stage.RENDERING].value
        assert first.embeds[0]["description"] == "▰▰▱▱▱▱▱▱▱▱ 20%"
        assert [field["name"] for field in first.embeds[0]["fields"]] == ["Started"]  # no rate yet: no promise
        # 30 points in 30 s: the other 50 take 50 s more, a timestamp Discord counts down without another edit.
        assert {"name": "Done", "value": "<t:1800000090:R>", "inline": True} in second.embeds[0]["fields"]
        assert final.content == "✅ Video ready!"
        assert final.body["embeds"] == []


async def test_a_card_that_changed_only_in_its_elapsed_time_is_not_edited_again(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        channel = rig.client.get_partial_messageable(CHANNEL)
        out = DiscordOutgoing(None, ChannelSurface(channel, 10 * 1024 * 1024), style=Style(interval=0.0))
        now = [time.time()]
        cards = CardMaker("en", clock=lambda: now[0])
        progress = await rig.replies(out).start_card(cards, cards.waiting())
        for _ in range(3):
            now[0] += 5  # the text's clock moves; the embed shows the start as a timestamp instead
            await progress.show(cards.waiting())

        assert len(rig.fake.find(None, f"/channels/{CHANNEL}/messages")) == 1
        assert card_embed(cards.waiting()).title == "⏳ Waiting to render"


async def test_a_generated_clip_shows_its_first_frame_as_the_card_embeds_image(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, edit_seconds=3000)) as rig:
        video = rig.make.command("video", {"prompt": "generate a video of a red panda"})
        await rig.feed(video)

        pictured = [call for call in rig.webhook(video) if any(path.name.endswith(FRAME_NAME) for path in call.files)]
        assert pictured
        [embed] = pictured[0].embeds
        assert embed["image"]["url"] == f"attachment://{FRAME_NAME}"
        assert embed["title"] == "✂️ Editing the timeline"
        with Image.open(pictured[0].files[0]) as frame:
            assert frame.format == "JPEG"
