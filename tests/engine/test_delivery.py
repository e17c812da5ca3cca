"""Delivery after a render: claim, send, confirm; a finished render's download tried again; a second export of the
same timeline joins its open render. Over the simulator (HTTP) and a real Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.ports import Video
from bot.i18n import say
from bot.store.keys import ChatKey
from bot.store.models import DeliveryState, RenderJob
from nemo_sim.config import SimConfig
from tests.engine.test_resume import OnePlatform
from tests.harness import FAST, Harness, RecordingChat, probe_video, running_bot, wait_for

CHAT = ChatKey("console", "chat-1")
SUBMIT = "/api/render/proxy/lambda"
DOWNLOAD_FAULT = {"path_prefix": "/cdn/render/", "code": 500}


async def _left_behind(bot: Harness, render_id: str) -> RenderJob:
    """A video made, and the render job of a process that died before its render was delivered."""
    await bot.engine.handle(bot.message("make a video of a meadow"), bot.chat())
    session = await bot.store.get_session(CHAT)
    assert session is not None
    job = RenderJob(render_id, CHAT, session.session_id, time.time())
    await bot.store.put_render(job)
    return job


async def _a_restart_delivers_nothing(bot: Harness, tmp_path: Path) -> None:
    """A later start of the bot finds no render to deliver, and shows nothing."""
    platform = OnePlatform(bot.chat())
    later = _restarted(bot, tmp_path, "later")
    assert await later.resume({"console": platform}) == 0
    await later.background.close()
    assert platform.chat.log == []


def _restarted(bot: Harness, tmp_path: Path, name: str) -> Engine:
    """Another process on the same store and Nemo, as after a restart."""
    timings: dict[str, Any] = {**FAST, "allow_private_urls": True}
    return Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / name, **timings))


async def test_a_send_claimed_but_never_confirmed_is_sent_again_on_resume(
    bot: Harness, caplog: pytest.LogCaptureFixture,
) -> None:
    await _left_behind(bot, "render_cut_off")
    # The process died while the upload was on its way: the claim is there, the confirmation never came.
    await bot.store.claim_delivery("render_cut_off", "dead-host:4242:abcd", time.time() - 5)

    platform = OnePlatform(bot.chat())
    with caplog.at_level(logging.WARNING, logger="bot.engine.export"):
        assert await bot.engine.resume({"console": platform}) == 1
        await bot.engine.background.drain()

    [video] = platform.chat.videos
    assert video.path is not None
    assert probe_video(video.path)[1] == "640x360"
    assert [item.text for item in platform.chat.log if item.kind == "finish"] == [say("render_done", "en")]
    delivery = await bot.store.get_delivery("render_cut_off")
    assert delivery is not None
    assert (delivery.state, delivery.sends) == (DeliveryState.SENT, 2)
    assert await bot.store.open_renders() == []
    assert "possible duplicate" in caplog.text
    assert "dead-host:4242:abcd" in caplog.text


async def test_a_confirmed_send_is_never_sent_again(bot: Harness) -> None:
    await _left_behind(bot, "render_confirmed")
    # The process died after the platform took the video and the store noted it, before the job was closed.
    await bot.store.claim_delivery("render_confirmed", "dead-host:4242:abcd", time.time() - 5)
    await bot.store.confirm_delivery("render_confirmed", "dead-host:4242:abcd", time.time() - 4)

    platform = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": platform}) == 1
    await bot.engine.background.drain()

    assert platform.chat.videos == []
    assert [item.text for item in platform.chat.log if item.kind == "finish"] == [say("render_done", "en")]
    assert await bot.store.open_renders() == []
    assert await bot.requests("/cdn/render/") == []


async def test_a_failed_download_is_tried_again_in_the_same_job(bot: Harness, tmp_path: Path) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbour"), chat)
    await bot.configure(faults=[{**DOWNLOAD_FAULT, "times": 1}])
    await bot.engine.handle(bot.message("export"), chat)

    assert len(chat.videos) == 1
    assert say("error_server", "en") not in chat.everything()
    assert [item.text for item in chat.log if item.kind == "finish"][-1] == say("render_done", "en")
    downloads = bot.sim.world.requests_to("/cdn/render/", "GET")
    assert len(downloads) == 2  # the failed one and the one tried again
    assert len(await bot.requests(SUBMIT)) == 1
    assert await bot.store.open_renders() == []

    await _a_restart_delivers_nothing(bot, tmp_path)  # no card, no second copy


async def test_a_download_failing_every_try_closes_the_job_and_the_next_export_renders_once(
    bot: Harness, tmp_path: Path,
) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a quarry"), chat)
    await bot.configure(faults=[{**DOWNLOAD_FAULT, "times": 4}])
    await bot.engine.handle(bot.message("export"), chat)

    assert chat.videos == []
    assert [item.text for item in chat.log if item.kind == "finish"][-1] == say("error_server", "en")
    assert len(bot.sim.world.requests_to("/cdn/render/", "GET")) == 4
    assert await bot.store.open_renders() == []  # told to export again: no replica fetches and delivers it later

    platform = OnePlatform(bot.chat())
    later = _restarted(bot, tmp_path, "later")
    assert await later.resume({"console": platform}) == 0
    await later.background.close()
    assert platform.chat.log == []

    await bot.engine.handle(bot.message("export"), chat)
    assert len(chat.videos) == 1
    assert len(await bot.requests(SUBMIT)) == 2


async def _open_render(bot: Harness, chat: RecordingChat, prompt: str) -> None:
    """An export whose process stopped mid-render (a shutdown): its job stays open, followed by nobody."""
    await bot.engine.handle(bot.message(prompt), chat)
    export = asyncio.create_task(bot.engine.handle(bot.message("export"), chat))
    await wait_for(lambda: bool(bot.sim.world.requests_to(f"{SUBMIT}/", "GET")))  # a poll: the render is under way
    # The render is followed in the background: its task is stopped as a shutdown stops it, not as /cancel does.
    renders = [task for task in asyncio.all_tasks() if task.get_name().startswith("render-job_")]
    for task in (*renders, export):
        task.cancel()
    await asyncio.gather(*renders, export, return_exceptions=True)
    assert len(await bot.store.open_renders()) == 1


async def test_an_export_of_a_timeline_rendering_elsewhere_joins_that_render(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, render_seconds=3000)) as bot:
        chat = bot.chat()
        await _open_render(bot, chat, "make a video of a lighthouse")
        # Another replica takes the render over, as after a restart.
        replica = _restarted(bot, tmp_path, "replica")
        platform = OnePlatform(bot.chat())
        assert await replica.resume({"console": platform}) == 1
        await wait_for(lambda: bool(platform.chat.log))  # its card: the replica follows the render now

        seen = len(chat.log)
        await bot.engine.handle(bot.message("export"), chat)
        assert chat.texts[-1] == say("export_joined", "en")
        await wait_for(lambda: bool(platform.chat.videos), 20)
        await replica.background.close()

        assert [item for item in chat.log[seen:] if item.kind == "video"] == []
        assert len(platform.chat.videos) == 1
        assert len(await bot.requests(SUBMIT)) == 1
        assert await bot.store.open_renders() == []


async def test_an_export_of_a_timeline_left_rendering_follows_that_render_to_delivery(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, render_seconds=1500)) as bot:
        chat = bot.chat()
        await _open_render(bot, chat, "make a video of a windmill")
        seen = len(chat.log)
        await bot.engine.handle(bot.message("export"), chat)

        shown = chat.log[seen:]
        assert [item.text for item in shown if item.kind == "text"] == [say("export_joined", "en")]
        assert len([item for item in shown if item.kind == "video"]) == 1
        assert [item.text for item in shown if item.kind == "finish"] == [say("render_done", "en")]
        assert len(await bot.requests(SUBMIT)) == 1
        assert await bot.store.open_renders() == []

        await _a_restart_delivers_nothing(bot, tmp_path)


async def test_the_download_is_tried_again_after_growing_pauses(bot: Harness, tmp_path: Path) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        await asyncio.sleep(0)

    timings: dict[str, Any] = {**FAST, "render_poll_initial": 2.0, "render_poll_max": 15.0, "allow_private_urls": True}
    engine = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "paced", **timings), sleep=sleep)
    chat = bot.chat()
    await engine.handle(bot.message("make a video of a pier"), chat)
    await bot.configure(faults=[{**DOWNLOAD_FAULT, "times": 4}])
    await engine.handle(bot.message("export"), chat)
    await engine.background.close()

    assert len(bot.sim.world.requests_to("/cdn/render/", "GET")) == 4
    assert pauses[-3:] == [2.0, 4.0, 8.0]  # between the four tries, after the polls' own back-off
    assert [item.text for item in chat.log if item.kind == "finish"][-1] == say("error_server", "en")


class HeldChat(RecordingChat):
    """A chat whose video upload never ends (a slow upload), until the test is over."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.uploading = asyncio.Event()

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Start the upload, and never finish it."""
        self.uploading.set()
        await asyncio.Event().wait()


async def test_cancel_while_the_video_is_sent_closes_the_job(bot: Harness, tmp_path: Path) -> None:
    chat = HeldChat(tmp_path / "held")
    await bot.engine.handle(bot.message("make a video of a reef"), chat)
    export = asyncio.create_task(bot.engine.handle(bot.message("export"), chat))
    await asyncio.wait_for(chat.uploading.wait(), 20)
    await bot.engine.handle(bot.message("/cancel"), chat)
    await export

    assert chat.texts[-1].startswith("🛑 Stopped: the render of your video.")
    assert await bot.store.open_renders() == []  # nobody sends it later, behind the person's back
    platform = OnePlatform(bot.chat())
    later = _restarted(bot, tmp_path, "later")
    assert await later.resume({"console": platform}) == 0
    await later.background.close()
    assert platform.chat.log == []
