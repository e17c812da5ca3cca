"""Team channels: requests wait their turn in a durable queue, renders free the chat, and /cancel works from any
replica (two engines on one Redis), for one's own jobs or, for an admin, anyone's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.rules import TeamRules
from bot.metrics import Metrics
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.engine.test_resume import OnePlatform
from tests.harness import FAST, Harness, RecordingChat, running_bot, wait_for

PLACE_2 = "⏳ You're #2 in line — I'll start as soon as the current job ends."
SLOW_TURN = SimConfig(speed=0.001, gen_seconds=30_000, busy="queue")  # a turn of about 30 s


def _generating(chat: RecordingChat) -> bool:
    return any("Generating video" in item.text for item in chat.log)


async def _sent(bot: Harness) -> list[str]:
    return [str(request["body"]) for request in await bot.requests("/run_sse")]


async def test_a_teammate_waits_in_line_and_a_queued_request_cancelled_never_reaches_nemo(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=3000)
    async with running_bot(tmp_path, db=14, sim=sim) as bot:
        group = ChatKey("console", "team")
        ada, bob, cy = bot.chat(), bot.chat(), bot.chat()
        first = asyncio.create_task(bot.engine.handle(
            bot.message("make a video of a volcano", chat=group, direct=False, user="Ada"), ada,
        ))
        await wait_for(lambda: _generating(ada))
        second = asyncio.create_task(bot.engine.handle(
            bot.message("make a video of a glacier", chat=group, direct=False, user="Bob"), bob,
        ))
        await wait_for(lambda: PLACE_2 in bob.texts)
        third = asyncio.create_task(bot.engine.handle(
            bot.message("make a video of a geyser", chat=group, direct=False, user="Cy"), cy,
        ))
        await wait_for(lambda: "⏳ You're #3 in line — I'll start as soon as the current job ends." in cy.texts)
        await bot.engine.handle(bot.message("/cancel", chat=group, direct=False, user="Cy"), cy)
        assert cy.texts[-1] == "🗑 Took 1 waiting request(s) of yours off the queue."
        await asyncio.gather(first, second, third)
        assert "▶️ Your turn, as you asked: “make a video of a glacier”" in bob.texts
        sent = await _sent(bot)
        assert len(sent) == 2
        assert "glacier" in sent[1]
        assert not any("geyser" in body for body in sent)


async def test_a_full_queue_refuses_and_queues_nothing(tmp_path: Path) -> None:
    team = TeamRules(queue_per_chat=1, queue_per_user=1)
    async with running_bot(tmp_path, db=14, sim=SLOW_TURN, team=team) as bot:
        group = ChatKey("console", "team")
        ada, bob, cy = bot.chat(), bot.chat(), bot.chat()
        dune = bot.message("make a video of a dune", chat=group, user="Ada")
        first = asyncio.create_task(bot.engine.handle(dune, ada))
        await wait_for(lambda: _generating(ada))
        reef = bot.message("make a video of a reef", chat=group, user="Bob")
        waiting = asyncio.create_task(bot.engine.handle(reef, bob))
        await wait_for(lambda: PLACE_2 in bob.texts)
        await bot.engine.handle(bot.message("make a video of a fjord", chat=group, user="Cy"), cy)
        assert cy.texts == [
            "🚦 1 requests are already waiting in this chat. Nothing was queued or charged; please send it again "
            "when some are done."
        ]
        assert await bot.store.waiting(group) == 1
        for task in (first, waiting):
            task.cancel()
        await asyncio.gather(first, waiting, return_exceptions=True)


async def test_cancel_sent_to_another_replica_stops_the_turn_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SLOW_TURN) as bot:
        other = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "other", **FAST))
        await bot.engine.resume({"console": OnePlatform(bot.chat())})
        await other.resume({"console": OnePlatform(bot.chat())})
        try:
            here, there = bot.chat(), bot.chat()
            turn = asyncio.create_task(bot.engine.handle(bot.message("make a video of a comet"), here))
            await wait_for(lambda: _generating(here))
            await other.handle(bot.message("/cancel"), there)
            assert there.texts == ["🛑 Stopped: “make a video of a comet”. Nothing more will be sent for it."]
            await asyncio.wait_for(turn, 10)
            assert any(item.kind == "finish" and item.text == "✖️ Cancelled." for item in here.log)
            shown = here.everything() + there.everything()
            assert shown.count("🛑") == 1
            assert len(await bot.requests("/run_sse")) == 1
        finally:
            await other.background.close()


async def test_members_stop_only_their_own_jobs_and_an_admin_stops_anyones(tmp_path: Path) -> None:
    team = TeamRules(admin_users=("console:user-Root",))
    async with running_bot(tmp_path, db=14, sim=SLOW_TURN, team=team) as bot:
        group = ChatKey("console", "team")
        ada, bob, root = bot.chat(), bot.chat(), bot.chat()
        turn = asyncio.create_task(bot.engine.handle(
            bot.message("make a video of a harbor", chat=group, direct=False, user="Ada"), ada,
        ))
        await wait_for(lambda: _generating(ada))
        await bot.engine.handle(bot.message("/cancel", chat=group, direct=False, user="Bob"), bob)
        assert bob.texts == ["Only whoever asked (Ada) or an admin can stop what is running now."]
        assert not turn.done()
        await bot.engine.handle(bot.message("/cancel", chat=group, direct=False, user="Root"), root)
        assert root.texts == ["🛑 Stopped: “make a video of a harbor” (Ada). Nothing more will be sent for it."]
        await asyncio.wait_for(turn, 10)


async def test_a_queued_request_survives_a_restart_and_is_served_after_it(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=5000, busy="queue")  # Nemo finishes the stopped turn first
    async with running_bot(tmp_path, db=14, sim=sim) as bot:
        group = ChatKey("console", "team")
        ada, bob = bot.chat(), bot.chat()
        lake = bot.message("make a video of a lake", chat=group, user="Ada")
        first = asyncio.create_task(bot.engine.handle(lake, ada))
        await wait_for(lambda: _generating(ada))
        queued = asyncio.create_task(bot.engine.handle(
            bot.message("make a video of a river", chat=group, direct=False, user="Bob"), bob,
        ))
        await wait_for(lambda: PLACE_2 in bob.texts)
        # The process stops: its turn and the handler waiting in line end with it; the request stays queued.
        await bot.engine.background.close()
        first.cancel()
        queued.cancel()
        await asyncio.gather(first, queued, return_exceptions=True)
        assert await bot.store.waiting(group) == 1

        restarted = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "next", **FAST))
        platform = OnePlatform(bot.chat())
        try:
            await restarted.resume({"console": platform})
            await wait_for(lambda: any("river" in text.lower() for text in platform.chat.texts[1:]), 40)
            assert platform.chat.texts[0] == "▶️ Your turn, as you asked: “make a video of a river”"
            await restarted.background.drain()
            sent = await _sent(bot)
            assert len(sent) == 2
            assert "river" in sent[1]
            assert await bot.store.waiting(group) == 0
        finally:
            await restarted.background.close()


RENDERS: dict[str, Any] = {"speed": 0.01, "gen_seconds": 100, "render_seconds": 200}  # renders of about 2 s


async def test_renders_run_while_the_chat_goes_on_and_each_reaches_its_request(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(**RENDERS)) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a forest"), chat)
        exports = []
        for edit in ("add a title Forest One", "add a title Forest Two", "add a title Forest Three"):
            requester = bot.chat()
            exports.append((requester, asyncio.create_task(bot.engine.handle(bot.message("export"), requester))))
            await wait_for(lambda requester=requester: any(item.kind == "progress" for item in requester.log))
            await _submitted(bot, len(exports))
            await _turns_ended(bot, bot.message("export").chat)  # the export's own request has let the chat go
            assert not requester.videos  # while its render runs on
            # The render is followed in the background: the next edit runs at once, not queued behind it.
            await bot.engine.handle(bot.message(edit), chat)
            assert not any("in line" in text for text in chat.texts)
        await asyncio.gather(*(task for _, task in exports))
        assert len(await _renders(bot)) == 3
        for requester, _ in exports:
            assert len(requester.videos) == 1
        videos = {requester.videos[0].path.read_bytes() for requester, _ in exports if requester.videos[0].path}
        assert len(videos) == 3


async def _renders(bot: Harness) -> list[dict[str, Any]]:
    return [r for r in await bot.requests("/api/render/proxy/lambda") if r["method"] == "POST"]


async def _turns_ended(bot: Harness, chat: ChatKey) -> None:
    """Wait until the chat's turn lock is free (a render may run): the request that submitted it has ended."""
    async with asyncio.timeout(10):
        while await bot.store.turn_lock(chat).holder() is not None:  # noqa: ASYNC110 - in the store
            await asyncio.sleep(0.02)


async def _submitted(bot: Harness, count: int) -> None:
    async with asyncio.timeout(10):
        while len(await _renders(bot)) < count:  # noqa: ASYNC110 - the simulator's log is read over HTTP
            await asyncio.sleep(0.02)


async def test_the_queue_depth_is_shown_in_the_metrics(tmp_path: Path) -> None:
    metrics = Metrics()
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, gen_seconds=4000, busy="queue")) as bot:
        config = EngineConfig(workdir=tmp_path / "work", **{**FAST, "allow_private_urls": True, "lock_lease": 0.6})
        engine = Engine(bot.nemo, bot.store, config, events=metrics)
        await engine.resume({"console": OnePlatform(bot.chat())})
        try:
            ada, bob = bot.chat(), bot.chat()
            first = asyncio.create_task(engine.handle(bot.message("make a video of a canal", user="Ada"), ada))
            await wait_for(lambda: _generating(ada))
            second = asyncio.create_task(engine.handle(bot.message("make a video of a bridge", user="Bob"), bob))

            def depth() -> float | None:
                return metrics.registry.get_sample_value("nemo_bot_queue_waiting")

            await wait_for(lambda: depth() == 1.0)
            await asyncio.gather(first, second)
            await wait_for(lambda: depth() == 0.0)
        finally:
            await engine.background.close()
