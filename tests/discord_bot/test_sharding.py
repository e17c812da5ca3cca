"""Shards: the settings that pick them, a StatefulSet pod's slice, the gateway identifying each, and slash commands
synced by the process holding shard 0 only."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import discord
import pytest
from pydantic import SecretStr, ValidationError

from adapters.discord_bot.client import DiscordBot
from adapters.discord_bot.options import Knobs
from adapters.discord_bot.sharding import Shards, ordinal_of, shards
from bot.app import Bot
from bot.app_discord import serve_discord
from bot.config import DiscordSettings, rejected
from bot.engine.config import EngineConfig
from tests.discord_bot.fake_discord import running
from tests.discord_bot.fake_gateway import FakeGateway, guild
from tests.discord_bot.payloads import GUILD, IN_CHANNEL
from tests.harness import FAST, running_bot, wait_for


@pytest.mark.parametrize(
    ("knobs", "hostname", "expected"),
    [
        (Knobs(), "anything", Shards()),
        (Knobs(shard_count=4), "anything", Shards(4)),
        (Knobs(shard_count=4, shard_ids=(3, 1, 3)), "anything", Shards(4, (1, 3))),
        (Knobs(shard_count=5, shards_per_pod=2), "nemo-bot-discord-0", Shards(5, (0, 1))),
        (Knobs(shard_count=5, shards_per_pod=2), "nemo-bot-discord-1", Shards(5, (2, 3))),
        (Knobs(shard_count=5, shards_per_pod=2), "nemo-bot-discord-2", Shards(5, (4,))),
        (Knobs(shard_count=4, shards_per_pod=2, pod_ordinal=1), "laptop", Shards(4, (2, 3))),
    ],
)
def test_the_shards_a_process_runs(knobs: Knobs, hostname: str, expected: Shards) -> None:
    assert shards(knobs, hostname) == expected


def test_only_the_holder_of_shard_0_syncs_commands() -> None:
    assert Shards().syncs_commands
    assert Shards(4).syncs_commands
    assert Shards(4, (0, 1)).syncs_commands
    assert not Shards(4, (2, 3)).syncs_commands


def test_a_pod_ordinal_comes_from_the_host_name() -> None:
    assert ordinal_of("nemo-bot-discord-12") == 12
    assert ordinal_of("nemo-bot-discord") is None
    assert ordinal_of("laptop.local") is None


@pytest.mark.parametrize(
    ("hostname", "message"),
    [
        ("laptop", "set DISCORD_POD_ORDINAL, or run in a StatefulSet"),
        ("nemo-bot-discord-3", "pod 3 has no shard: DISCORD_SHARD_COUNT=5 with DISCORD_SHARDS_PER_POD=2 covers pods 0"),
    ],
)
def test_a_pod_without_a_slice_is_refused_at_start(hostname: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        shards(Knobs(shard_count=5, shards_per_pod=2), hostname)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS and DISCORD_SHARDS_PER_POD need DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "between 0 and DISCORD_SHARD_COUNT - 1"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "1", "DISCORD_SHARDS_PER_POD": "2"}, "not both"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT"),
    ],
)
def test_shard_settings_that_cannot_work_are_named(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        DiscordSettings(_env_file=None)
    assert message in rejected(caught.value)


def test_shard_ids_are_read_as_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "8")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "4, 5,6")
    settings = DiscordSettings(_env_file=None)
    assert (settings.shard_count, settings.shard_ids) == (8, (4, 5, 6))


async def _no_identify_wait(self: DiscordBot, shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s between two IDENTIFYs (Discord's rate limit); the fake gateway has none."""


async def _served(tmp_path: Path, settings: DiscordSettings, shard_total: int) -> tuple[FakeGateway, list[str]]:
    """Serve Discord until every shard of this process has identified; the gateway and the command syncs seen."""
    gateway = FakeGateway([guild(GUILD, [IN_CHANNEL.channel()], [])])
    original = discord.http.Route.BASE
    async with running_bot(tmp_path, db=12) as h, running(tmp_path / "fake", gateway=gateway) as fake:
        bot = Bot(h.nemo, h.store, EngineConfig(workdir=tmp_path / "work", **dict(FAST)))
        task = asyncio.create_task(
            serve_discord(bot, settings.model_copy(update={"api_url": fake.api_url})),
        )
        try:
            await wait_for(lambda: len(gateway.identifies) == shard_total, 20)
            return gateway, [call.path for call in fake.find("PUT") if call.path.endswith("/commands")]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            discord.http.Route.BASE = original


async def test_a_process_identifies_with_its_shards_and_leaves_the_commands_to_shard_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DiscordBot, "before_identify_hook", _no_identify_wait)
    settings = DiscordSettings(
        _env_file=None, bot_token=SecretStr("bot-secret"), guild_ids=(GUILD,), shard_count=4, shard_ids=(2, 3),
    )
    gateway, syncs = await _served(tmp_path, settings, 2)
    assert [identify["shard"] for identify in gateway.identifies] == [[2, 4], [3, 4]]
    assert syncs == []


async def test_the_pod_holding_shard_0_syncs_the_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DiscordBot, "before_identify_hook", _no_identify_wait)
    settings = DiscordSettings(
        _env_file=None, bot_token=SecretStr("bot-secret"), guild_ids=(GUILD,), shard_count=4, shards_per_pod=2,
        pod_ordinal=0,
    )
    gateway, syncs = await _served(tmp_path, settings, 2)
    assert [identify["shard"] for identify in gateway.identifies] == [[0, 4], [1, 4]]
    assert syncs == [f"/applications/111/guilds/{GUILD}/commands"]
