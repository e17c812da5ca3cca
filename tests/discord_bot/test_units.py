"""The adapter's pure parts: settings, error sorting; and a long text as a channel sees it."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from adapters.discord_bot.outgoing import MAX_MESSAGE, DiscordOutgoing, Style
from adapters.discord_bot.surfaces import ChannelSurface, Failure, classify
from bot.app_discord import discord_options
from bot.config import DiscordSettings
from bot.engine.messages import DEFAULT_ACTIONS
from tests.discord_bot.payloads import CHANNEL
from tests.discord_bot.rig import open_rig


def test_settings_read_a_comma_list_of_guilds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("DISCORD_API_URL", "http://127.0.0.1:9/api/v10/")
    config = discord_options(DiscordSettings(_env_file=None))
    assert config.guild_ids == (123, 456)
    assert config.api_url == "http://127.0.0.1:9/api/v10"
    assert config.handoff_after == 13 * 60


def test_settings_default_to_the_real_api_and_global_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_GUILD_IDS", raising=False)
    monkeypatch.delenv("DISCORD_API_URL", raising=False)
    config = discord_options(DiscordSettings(_env_file=None))
    assert config.guild_ids == ()
    assert config.api_url == "https://discord.com/api/v10"


class _Response:
    """The two attributes discord.HTTPException reads from a response."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "refused"


@pytest.mark.parametrize(
    ("status", "code", "failure"),
    [(413, 0, Failure.TOO_LARGE), (400, 40005, Failure.TOO_LARGE), (404, 10062, Failure.TOKEN),
     (401, 50027, Failure.TOKEN), (400, 40094, Failure.FOLLOWUPS), (403, 50013, Failure.OTHER)],
)
def test_refusals_are_sorted_by_what_comes_next(status: int, code: int, failure: Failure) -> None:
    exc = discord.HTTPException(_Response(status), {"code": code, "message": "no"})
    assert classify(exc) == failure


async def test_long_text_is_split_and_buttons_go_under_the_last_part(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        channel = rig.client.get_partial_messageable(CHANNEL)
        out = DiscordOutgoing(None, ChannelSurface(channel, 10 * 1024 * 1024), style=Style("en"))
        await rig.replies(out).send_text("lorem ipsum " * 400, DEFAULT_ACTIONS)

        posts = rig.fake.find("POST", f"/channels/{CHANNEL}/messages")
        assert len(posts) == 3
        assert all(0 < len(post.content) <= MAX_MESSAGE for post in posts)
        assert " ".join(post.content for post in posts).split() == ("lorem ipsum " * 400).split()
        assert [bool(post.custom_ids) for post in posts] == [False, False, True]
