"""Access on Discord: a refusal only its sender sees, nothing sent to Nemo, roles and servers that let people in,
and the admin commands with a user option."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.engine.rules import TeamRules
from tests.discord_bot.fake_discord import Call
from tests.discord_bot.payloads import CHANNEL, GUILD, USER, bot_mention, user
from tests.discord_bot.rig import Rig, open_rig
from tests.harness import running_bot

REFUSAL = "🔒 Sorry, this bot is open only to its team. Ask one of its admins to let you in: your id is discord:7."
EPHEMERAL = 1 << 6


@asynccontextmanager
async def _rig(tmp_path: Path, team: TeamRules) -> AsyncIterator[Rig]:
    async with running_bot(tmp_path, db=12, team=team) as h, open_rig(tmp_path, harness=h) as rig:
        (await h.http.delete(f"{h.sim.url}/__sim/requests")).raise_for_status()
        yield rig


async def _nemo_log(rig: Rig) -> list[Any]:
    entries: list[Any] = (await rig.h.http.get(f"{rig.h.sim.url}/__sim/requests")).json()
    return entries


def _steps(calls: list[Call]) -> list[tuple[str, str]]:
    """Each call on an interaction's token: its method and what it acted on."""
    return [(call.method, call.path.rsplit("/", 1)[-1] if "@original" in call.path or "callback" in call.path
             else "followup") for call in calls]


async def _refused_privately(rig: Rig, payload: dict[str, Any]) -> None:
    await rig.feed(payload)
    calls = rig.webhook(payload)
    # "thinking..." is resolved, the refusal goes as an ephemeral followup, then the placeholder is removed.
    assert _steps(calls) == [("POST", "callback"), ("PATCH", "@original"), ("POST", "followup"),
                             ("DELETE", "@original")]
    assert calls[2].content == REFUSAL
    assert calls[2].body["flags"] & EPHEMERAL
    assert await _nemo_log(rig) == []


async def test_a_slash_command_from_someone_not_allowed_is_refused_privately(tmp_path: Path) -> None:
    async with _rig(tmp_path, TeamRules(allowed_users=("discord:1",))) as rig:
        await _refused_privately(rig, rig.make.command("video", {"prompt": "make a video of a cat"}))


async def test_a_button_pressed_by_someone_not_allowed_is_refused_the_same_way(tmp_path: Path) -> None:
    async with _rig(tmp_path, TeamRules(allowed_users=("discord:1",))) as rig:
        await _refused_privately(rig, rig.make.press("nemo:export"))
        await _refused_privately(rig, rig.make.press("nemo:apply:1a2b3c4d"))


async def test_a_mention_from_someone_not_allowed_gets_an_ordinary_reply(tmp_path: Path) -> None:
    async with _rig(tmp_path, TeamRules(allowed_users=("discord:1",))) as rig:
        await rig.feed(rig.make.message(f"{bot_mention()} make a video of a cat"))
        [reply] = rig.fake.find("POST", f"/channels/{CHANNEL}/messages")
        assert reply.content == REFUSAL
        assert await _nemo_log(rig) == []


async def test_a_role_or_the_server_lets_its_members_in(tmp_path: Path) -> None:
    async with _rig(tmp_path, TeamRules(allowed_roles=("880",), allowed_chats=("discord:9999",))) as rig:
        with_role = rig.make.command("credits")
        with_role["member"]["roles"] = ["1", "880"]
        without = rig.make.command("credits")
        await rig.feed(with_role)
        await rig.feed(without)
        assert rig.webhook(with_role, "PATCH")[0].content.startswith("💳 Credits: ")
        assert rig.webhook(without, "POST")[1].content == REFUSAL

    async with _rig(tmp_path / "server", TeamRules(allowed_chats=(f"discord:{GUILD}",))) as rig:
        anyone = rig.make.command("credits")
        await rig.feed(anyone)
        assert rig.webhook(anyone, "PATCH")[0].content.startswith("💳 Credits: ")


def _with_user(payload: dict[str, Any], user_id: int, **options: Any) -> dict[str, Any]:
    """A command with a user option (and others), as Discord sends one: the user resolved beside it."""
    payload["data"]["options"] = [{"name": "user", "type": 6, "value": str(user_id)}] + [
        {"name": name, "type": 4 if isinstance(value, int) else 3, "value": value} for name, value in options.items()]
    payload["data"]["resolved"] = {"users": {str(user_id): user(user_id, "bob")}}
    return payload


async def test_an_admin_lets_someone_in_and_sets_their_quota_with_a_user_option(tmp_path: Path) -> None:
    team = TeamRules(admin_users=(f"discord:{USER}",), allowed_users=("discord:1",))
    async with _rig(tmp_path, team) as rig:
        allow = _with_user(rig.make.command("allow"), 42)
        quota = _with_user(rig.make.command("quota"), 42, limit=2, kind="exports")
        await rig.feed(allow)
        await rig.feed(quota)
        assert rig.webhook(allow, "PATCH")[0].content == "✅ discord:42 may use the bot now."
        assert rig.webhook(quota, "PATCH")[0].content == "🧮 discord:42's quota is now 2 exports a day."

        theirs = rig.make.command("usage", user_id=42)
        await rig.feed(theirs)
        assert rig.webhook(theirs, "PATCH")[0].content.startswith("📊 Your use today: 0 of 2 exports.")
