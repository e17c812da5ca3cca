"""End to end: who may use the bot and each person's quota, through the engine, the simulator and a real Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.messages import Attachment
from bot.engine.quotas import window
from bot.engine.rules import Period, TeamRules
from bot.i18n import say
from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore
from tests.harness import FAST, Harness, RecordingChat, running_bot
from tests.store_fixtures import REDIS_HOST, REDIS_PORT

ADMIN = "console:user-Root"
GROUP = ChatKey("console", "team-room")


@pytest.fixture
def team() -> TeamRules:
    """A closed bot: Ada is listed, Root is the admin, everyone in the team's room may use it."""
    return TeamRules(allowed_users=("user-Ada",), admin_users=(ADMIN,), allowed_chats=("team-room",))


@pytest.fixture
async def bot(tmp_path: Path, team: TeamRules) -> AsyncIterator[Harness]:
    """A bot with the team's rules, the simulator's request log emptied after sign-in."""
    async with running_bot(tmp_path, db=14, team=team) as harness:
        await _forget(harness)
        yield harness


async def _forget(h: Harness) -> None:
    (await h.http.delete(f"{h.sim.url}/__sim/requests")).raise_for_status()


async def _nemo_log(h: Harness) -> list[dict[str, Any]]:
    """Every request the simulator saw since it was last emptied."""
    entries: list[dict[str, Any]] = (await h.http.get(f"{h.sim.url}/__sim/requests")).json()
    return entries


async def _say(h: Harness, text: str, user: str = "Ada", chat: ChatKey | None = None) -> RecordingChat:
    out = h.chat()
    await h.engine.handle(h.message(text, user=user, chat=chat, direct=chat is None), out)
    return out


@pytest.mark.parametrize(
    "text", ["make a video of a cat", "export", "status", "credits", "/new", "/apply 1a2b3c4d", "/usage"],
)
async def test_someone_not_allowed_gets_one_private_reply_and_nothing_reaches_nemo(bot: Harness, text: str) -> None:
    out = await _say(bot, text, user="Eve")
    [reply] = out.log
    assert reply.text == (
        "🔒 Sorry, this bot is open only to its team. Ask one of its admins to let you in: your id is "
        "console:user-Eve."
    )
    assert reply.meta["private"] is True
    assert await _nemo_log(bot) == []  # no token, no session, no credits, no balance


async def test_everyone_in_an_allowed_group_may_use_it(bot: Harness) -> None:
    out = await _say(bot, "make a video of a harbour", user="Eve", chat=GROUP)
    assert any("I'll generate" in text for text in out.texts)
    assert len(await bot.requests("/run_sse")) == 1
    elsewhere = await _say(bot, "make a video of a harbour", user="Eve", chat=ChatKey("console", "other-room"))
    assert elsewhere.texts[0].startswith("🔒")


async def test_allowed_roles_let_a_servers_members_in(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, team=TeamRules(allowed_roles=("discord:880",))) as h:
        chat = ChatKey("discord", "555")
        member = dataclasses.replace(
            h.message("credits", chat=chat, user="Eve", direct=False), guild_id="700", role_ids=("1", "880"),
        )
        stranger = dataclasses.replace(member, role_ids=("1",), message_id="other")
        allowed, refused = h.chat(), h.chat()
        await h.engine.handle(member, allowed)
        await h.engine.handle(stranger, refused)
        assert allowed.texts[0].startswith("💳 Credits:")
        assert refused.texts[0].startswith("🔒")


async def test_an_admin_allows_and_denies_people_in_chat(bot: Harness) -> None:
    assert (await _say(bot, "hello", user="Eve")).texts[0].startswith("🔒")
    assert (await _say(bot, "/allow user-Eve", user="Root")).texts == ["✅ console:user-Eve may use the bot now."]
    assert not (await _say(bot, "hello", user="Eve")).texts[0].startswith("🔒")
    assert len(await bot.requests("/run_sse")) == 1

    assert (await _say(bot, "/deny user-Ada", user="Root")).texts == ["🚫 console:user-Ada may no longer use the bot."]
    assert (await _say(bot, "hello", user="Ada")).texts[0].startswith("🔒")
    assert (await _say(bot, "/deny user-Root", user="Root")).texts == [
        "console:user-Root is an admin (ADMIN_USERS), so they can't be denied."]
    assert len(await bot.requests("/run_sse")) == 1


async def test_only_admins_may_give_orders(bot: Harness) -> None:
    out = await _say(bot, "/allow user-Eve", user="Ada")
    assert out.texts == ["🔒 Only the bot's admins can do that."]
    assert out.log[0].meta["private"] is True
    assert (await _say(bot, "hello", user="Eve")).texts[0].startswith("🔒")
    assert (await _say(bot, "/quota Ada lots", user="Root")).texts[0].startswith("Team commands: /allow <user>")


@pytest.mark.parametrize("team", [TeamRules(quota_turns=1, admin_users=(ADMIN,))])
async def test_a_request_over_quota_says_when_it_resets_and_sends_nothing(bot: Harness) -> None:
    await _say(bot, "make a video of a lighthouse")
    await _forget(bot)
    out = await _say(bot, "add a title 'Lighthouse'")
    [refusal] = out.texts
    assert refusal.startswith("🧮 You've reached your quota of 1 agent requests today, so this request was not sent.")
    assert " UTC (in " in refusal
    assert await _nemo_log(bot) == []

    # Free requests still work, and an admin has no quota at all.
    assert (await _say(bot, "status")).texts[0].startswith("Timeline")
    await _say(bot, "make a video of a harbour", user="Root", chat=GROUP)
    await _say(bot, "add a title 'Harbour'", user="Root", chat=GROUP)
    assert len(await bot.requests("/run_sse")) == 2


@pytest.mark.parametrize("team", [TeamRules(quota_turns=1)])
async def test_a_request_that_failed_before_nemo_worked_is_not_counted(bot: Harness, media: dict[str, Path]) -> None:
    # Refused before any upload: the turn the text asked for never went.
    exe = media["notes.exe"]
    attachment = Attachment(name=exe.name, size=exe.stat().st_size, path=exe)
    out = bot.chat()
    await bot.engine.handle(bot.message("make a video of this", attachments=(attachment,)), out)
    assert any("notes.exe" in text for text in out.texts)
    # Refused by Nemo before the stream started: out of credits.
    assert bot.nemo.user_id is not None
    bot.sim.world.set_credits(bot.nemo.user_id, 0)
    out = await _say(bot, "make a video of a cat")
    assert "credits" in out.texts[-1].lower()
    bot.sim.world.set_credits(bot.nemo.user_id, 1000)
    # The quota is still whole.
    out = await _say(bot, "make a video of a cat")
    assert any("I'll generate" in text for text in out.texts)
    assert (await _say(bot, "make it longer")).texts[0].startswith("🧮 You've reached your quota")


@pytest.mark.parametrize("team", [TeamRules(quota_exports=2)])
async def test_exports_have_their_own_quota_and_a_resent_video_is_not_counted(bot: Harness) -> None:
    await _say(bot, "make a video of a kite")
    assert len((await _say(bot, "export")).videos) == 1
    again = await _say(bot, "export")  # unchanged: the same video again, nothing rendered
    assert again.texts[0].startswith("The timeline has not changed")
    assert len(again.videos) == 1
    await _say(bot, "add a title 'Kite'")
    assert len((await _say(bot, "export")).videos) == 1
    await _say(bot, "add a title 'Kites'")
    refused = await _say(bot, "export")
    assert refused.texts[0].startswith("🧮 You've reached your quota of 2 exports today")
    assert len(await bot.requests("/api/render/proxy/lambda")) == 2


@pytest.mark.parametrize("team", [TeamRules(quota_exports=0)])
async def test_an_export_the_agent_asks_for_is_held_to_the_quota_too(bot: Harness) -> None:
    await bot.configure(gui_hint="Click Export to download your video.")
    out = await _say(bot, "make a video of a kite")
    assert out.texts[-1].startswith("🧮 You've reached your quota of 0 exports today")
    assert await bot.requests("/api/render/proxy/lambda") == []
    assert len(await bot.requests("/run_sse")) == 1


@pytest.mark.parametrize("team", [TeamRules(quota_credits=30, admin_users=(ADMIN,))])
async def test_credits_are_measured_from_the_balance_and_held_to_their_quota(bot: Harness) -> None:
    await _say(bot, "make a video of a kite")  # a generation costs the simulator's 30 credits
    refused = await _say(bot, "add a title 'Kite'")
    assert refused.texts[0].startswith("🧮 You've reached your quota of 30 credits today")
    usage = await _say(bot, "/usage", user="Root")
    assert "• console:user-Ada: 1 agent requests, 30 of 30 credits" in usage.texts[0]


@pytest.mark.parametrize("team", [TeamRules(quota_turns=3, quota_exports=2, admin_users=(ADMIN,))])
async def test_usage_shows_everyone_to_an_admin_and_their_own_to_anyone_else(bot: Harness) -> None:
    await _say(bot, "make a video of a kite")
    await _say(bot, "export")
    await _say(bot, "make a video of a boat", user="Bob", chat=GROUP)
    await _say(bot, "/quota user-Bob 10", user="Root")

    admin = (await _say(bot, "/usage", user="Root")).texts[0].splitlines()
    assert admin[0].startswith("📊 Use today (it resets at ")
    assert admin[1:3] == [
        "• console:user-Ada: 1 of 3 agent requests, 1 of 2 exports",
        "• console:user-Bob: 1 of 10 agent requests, 0 of 2 exports",
    ]
    assert admin[3].startswith("💳 Credits: ")

    own = (await _say(bot, "/usage", user="Ada")).texts[0].splitlines()
    assert own[0] == "📊 Your use today: 1 of 3 agent requests, 1 of 2 exports."
    assert own[1].startswith("🧮 Your quota today: 2 of 3 agent requests left, 1 of 2 exports left. It resets at ")
    assert own[2].startswith("💳 Credits: ")
    assert "user-Bob" not in "\n".join(own)

    credits = (await _say(bot, "credits", user="Ada")).texts[0].splitlines()
    assert credits[0].startswith("💳 Credits: ")
    assert credits[1].startswith("🧮 Your quota today: 2 of 3")
    assert (await _say(bot, "credits", user="Root")).texts[0].splitlines()[1] == (
        "🛡 You're an admin: no quota applies to you.")
    assert (await _say(bot, "/quota user-Bob default exports", user="Root")).texts == [
        "🧮 console:user-Bob is back on the usual quota of exports: 2."]


async def test_counts_hold_with_two_replicas_racing_at_the_limit(tmp_path: Path) -> None:
    team = TeamRules(quota_turns=3)
    async with running_bot(tmp_path, db=14, team=team) as h:
        client = Redis(host=REDIS_HOST, port=REDIS_PORT, db=14, decode_responses=True)
        # Another replica: its own connection to the same Redis, its own engine.
        config = EngineConfig(workdir=tmp_path / "other", team=team, allow_private_urls=True, **FAST)
        other = Engine(h.nemo, RedisStore(client, "e2e"), config)
        try:
            chats = [h.chat() for _ in range(12)]
            await asyncio.gather(*(
                (h.engine if index % 2 else other).handle(
                    h.message("make a video of a kite", chat=ChatKey("console", f"room-{index}")), out)
                for index, out in enumerate(chats)
            ))
        finally:
            await other.background.close()
            await client.aclose()
        refused = [out for out in chats if out.texts and out.texts[0].startswith("🧮 You've reached your quota")]
        assert (len(refused), len(await h.requests("/run_sse"))) == (9, 3)
        today = window(Period.DAY, time.time()).name
        assert await h.store.uses(today) == {"console:user-Ada": {"turns": 3}}


class _LosesSessions(RedisStore):
    """A store that cannot be reached the first time the chat's session is looked up."""

    failed = False

    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        if not self.failed:
            self.failed = True
            raise StoreUnavailable("Redis unavailable (ConnectionError)")
        return await super().get_session(chat)


async def test_a_store_failure_before_sending_is_not_counted(tmp_path: Path) -> None:
    team = TeamRules(quota_turns=1)
    async with running_bot(tmp_path, db=14, team=team) as h:
        client = Redis(host=REDIS_HOST, port=REDIS_PORT, db=14, decode_responses=True)
        engine = Engine(h.nemo, _LosesSessions(client, "e2e"), EngineConfig(
            workdir=tmp_path / "flaky", team=team, allow_private_urls=True, **FAST))
        try:
            failed, worked = h.chat(), h.chat()
            await engine.handle(h.message("make a video of a cat"), failed)
            await engine.handle(h.message("make a video of a cat"), worked)
        finally:
            await engine.background.close()
            await client.aclose()
        assert failed.texts == [say("store_unavailable", "en")]
        assert any("I'll generate" in text for text in worked.texts)
        assert len(await h.requests("/run_sse")) == 1
