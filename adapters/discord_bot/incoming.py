"""Which chat a Discord event belongs to, who asked, and whether the bot can post there with its own token."""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord_bot.options import PLATFORM
from adapters.discord_bot.surfaces import DEFAULT_FILE_LIMIT
from bot.store.keys import ChatKey


def chat_key(channel: object, fallback_id: int) -> ChatKey:
    """A channel or DM is one chat; a thread is its own chat under its parent channel."""
    if isinstance(channel, discord.Thread):
        return ChatKey(PLATFORM, str(channel.parent_id), str(channel.id))
    channel_id = getattr(channel, "id", None)
    return ChatKey(PLATFORM, str(channel_id if isinstance(channel_id, int) else fallback_id))


def is_direct(channel: object) -> bool:
    """A one-to-one DM (not a group DM, not a server channel)."""
    return isinstance(channel, discord.DMChannel)


def requester(user: discord.abc.User, direct: bool) -> str:
    """How replies name the user: a mention in shared channels (so the delivery pings them), else their name."""
    return user.display_name if direct else user.mention


def addressee(user: discord.abc.User, direct: bool) -> int | None:
    """Whom a delivery may ping: the user, where `requester` names them by mention (shared channels); else nobody."""
    return None if direct else user.id


def role_ids(user: discord.abc.User) -> tuple[str, ...]:
    """The ids of a server member's roles (none outside a server), for the access lists that name roles."""
    if not isinstance(user, discord.Member):
        return ()
    # The ids as the event carried them: `Member.roles` resolves them through a cached guild, which a server where
    # only the user installed the app never has.
    return tuple(str(role_id) for role_id in user._roles)


def bot_can_post(interaction: discord.Interaction[Any]) -> bool:
    """Whether channel messages with the bot token can reach this chat once the interaction token is gone.

    True in a server where the bot itself is installed, and in the bot's own DM; false where the app is
    installed only for the user (a server without the bot, a group DM, a DM between other people).
    """
    if interaction.guild_id is not None:
        return interaction.is_guild_integration()
    return interaction.context.dm_channel is True


def guild_limit(guild: discord.Guild | None) -> int:
    """The largest file the bot may post in a guild (its boost tier), 10 MiB elsewhere."""
    return guild.filesize_limit if guild is not None else DEFAULT_FILE_LIMIT


def addressed(message: discord.Message, me: discord.abc.User, replies_too: bool) -> bool:
    """A message for the bot: in its DM, mentioning it, or (with the content intent) replying to it."""
    if message.author.bot:
        return False
    if isinstance(message.channel, discord.DMChannel):
        return True
    if any(user.id == me.id for user in message.mentions):
        return True
    resolved = message.reference.resolved if message.reference is not None else None
    return replies_too and isinstance(resolved, discord.Message) and resolved.author.id == me.id


def without_mention(content: str, me_id: int) -> str:
    """The message text with the bot's mention removed."""
    return re.sub(rf"<@!?{me_id}>", " ", content).strip()
