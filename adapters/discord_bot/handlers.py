"""Discord events in, engine messages out: acknowledge first, fetch files at once, run each job supervised."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord

from adapters.discord_bot.files import Downloader
from adapters.discord_bot.handoff import Deadline
from adapters.discord_bot.incoming import (
    addressed,
    addressee,
    bot_can_post,
    chat_key,
    guild_limit,
    is_direct,
    requester,
    role_ids,
    without_mention,
)
from adapters.discord_bot.options import TOKEN_LIFETIME, TOKEN_MARGIN, Options
from adapters.discord_bot.outgoing import DiscordOutgoing, Style
from adapters.discord_bot.surfaces import ChannelSurface, InteractionSurface
from bot.engine.engine import Engine
from bot.engine.messages import Incoming
from bot.engine.ports import Clock
from bot.engine.tasks import Supervisor
from bot.i18n import resolve_locale

log = logging.getLogger(__name__)


class Handlers:
    """What the client calls for slash commands, button presses and messages that address the bot."""

    def __init__(
        self, client: discord.Client, engine: Engine, config: Options, *, fetcher: Downloader,
        jobs: Supervisor, workdir: Path, clock: Clock = time.time,
    ) -> None:
        self._client = client
        self._engine = engine
        self._config = config
        self._fetcher = fetcher
        self._jobs = jobs
        self._workdir = workdir
        self._clock = clock

    async def command(
        self, interaction: discord.Interaction[Any], text: str, files: Sequence[discord.Attachment | None] = (),
    ) -> None:
        """A slash command: defer before any other I/O (3 s limit), then do the work in the background."""
        acked = await _defer(interaction)
        attached = tuple(item for item in files if item is not None)
        self._jobs.spawn(self._from_interaction(interaction, text, attached, acked), name=f"discord-{interaction.id}")

    async def press(self, interaction: discord.Interaction[Any], command: str) -> None:
        """A button press is what the button sends, as if typed (the engine routes it)."""
        await self.command(interaction, command)

    async def message(self, message: discord.Message) -> None:
        """A DM, a mention of the bot, or (with the content intent) a reply to it continues the chat's session."""
        me = self._client.user
        if me is None or not addressed(message, me, self._config.message_content):
            return
        self._jobs.spawn(self._from_message(message, me.id), name=f"discord-message-{message.id}")

    async def _from_interaction(
        self, interaction: discord.Interaction[Any], words: str, files: Sequence[discord.Attachment], acked: bool,
    ) -> None:
        locale = resolve_locale(interaction.locale.value)
        user = interaction.user
        direct = is_direct(interaction.channel)
        created = interaction.created_at.timestamp()
        out = DiscordOutgoing(
            InteractionSurface(interaction) if acked else None, self._fallback(interaction),
            style=Style(locale, self._config.progress_interval),
            deadline=Deadline(created + self._config.handoff_after, created + TOKEN_LIFETIME - TOKEN_MARGIN),
            clock=self._clock, requester=addressee(user, direct),
        )
        draft = Incoming(
            chat_key(interaction.channel, user.id), str(user.id), requester(user, direct), words,
            locale=locale, message_id=f"i{interaction.id}", direct=direct,
            guild_id=_id(interaction.guild_id), role_ids=role_ids(user),
        )
        await self._run(draft, files, out)

    async def _from_message(self, message: discord.Message, me_id: int) -> None:
        channel = await self._channel_of(message)
        direct = is_direct(message.channel)
        locale = resolve_locale(message.guild.preferred_locale.value if message.guild is not None else None)
        words = without_mention(message.content, me_id)
        if not words and not message.attachments:
            words = "/help"  # a bare mention asks what the bot can do
        guild_id = getattr(message.channel, "guild_id", None) or (message.guild.id if message.guild else None)
        target = self._client.get_partial_messageable(message.channel.id, guild_id=guild_id)
        out = DiscordOutgoing(
            None, ChannelSurface(target, guild_limit(message.guild), reply_to=message.id),
            style=Style(locale, self._config.progress_interval),
            clock=self._clock, requester=addressee(message.author, direct),
        )
        draft = Incoming(
            chat_key(channel, message.channel.id), str(message.author.id), requester(message.author, direct),
            words, locale=locale, message_id=str(message.id), direct=direct,
            guild_id=_id(guild_id), role_ids=role_ids(message.author),
        )
        await self._run(draft, message.attachments, out)

    async def _run(self, draft: Incoming, files: Sequence[discord.Attachment], out: DiscordOutgoing) -> None:
        scratch = self._workdir / f"discord-{uuid.uuid4().hex}"
        try:
            message = replace(draft, attachments=await self._fetcher.fetch(files, scratch))
            async with asyncio.TaskGroup() as group:
                watcher = group.create_task(out.watch(self._config.watch_tick), name=f"watch-{draft.message_id}")
                try:
                    await self._engine.handle(message, out)
                finally:
                    watcher.cancel()
            await out.close()
        finally:
            await asyncio.to_thread(shutil.rmtree, scratch, True)

    def _fallback(self, interaction: discord.Interaction[Any]) -> ChannelSurface | None:
        """Channel messages with the bot token, where the bot can post them."""
        if interaction.channel is None or not bot_can_post(interaction):
            return None
        target = self._client.get_partial_messageable(interaction.channel.id, guild_id=interaction.guild_id)
        return ChannelSurface(target, guild_limit(interaction.guild))

    async def _channel_of(self, message: discord.Message) -> object:
        """The message's channel; one not in the cache is fetched once, to know whether it is a thread."""
        channel = message.channel
        if isinstance(channel, discord.PartialMessageable) and channel.guild_id is not None:
            try:
                return await self._client.fetch_channel(channel.id)
            except discord.HTTPException as exc:
                log.info("could not look up channel %s: %s", channel.id, exc.status)
        return channel


def _id(snowflake: int | None) -> str | None:
    return None if snowflake is None else str(snowflake)


async def _defer(interaction: discord.Interaction[Any]) -> bool:
    """Acknowledge the interaction; False when Discord refused (10062: too late), never retried."""
    try:
        await interaction.response.defer(thinking=True)
    except discord.HTTPException as exc:
        log.warning("could not acknowledge interaction %s: %s %s", interaction.id, exc.status, exc.code)
        return False
    return True
