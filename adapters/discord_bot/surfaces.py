"""Where replies land: the interaction's own messages (its 15-minute token) or channel messages (the bot token)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import discord
from discord.utils import MISSING

DEFAULT_FILE_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
"""10 MiB: what Discord accepts per file where nothing larger is known."""

# Discord error codes that end an interaction token for good: retrying them only adds invalid requests.
UNKNOWN_INTERACTION = 10062
UNKNOWN_WEBHOOK = 10015
INVALID_WEBHOOK_TOKEN = 50027
TOO_MANY_FOLLOWUPS = 40094
TOKEN_CODES = frozenset({UNKNOWN_INTERACTION, UNKNOWN_WEBHOOK, INVALID_WEBHOOK_TOKEN})
TOO_LARGE_CODES = frozenset({40005, 50045})

PRIVATE_PLACEHOLDER = "🔒"
"""What stands for a moment in place of "thinking..." before a reply only its sender sees."""
Extra = tuple[Path, str]
"""A second file to attach (a video's thumbnail, which its embed shows) and the name it is attached under."""

NOBODY = discord.AllowedMentions.none()
"""What a message may ping, whatever its text says (`<@id>`, `<@&role>`, @everyone, @here): nobody."""


def only(user_id: int | None) -> discord.AllowedMentions:
    """What a delivery may ping: the one person it is addressed to (None: nobody)."""
    if user_id is None:
        return NOBODY
    return discord.AllowedMentions(everyone=False, users=[discord.Object(user_id)], roles=False, replied_user=False)


class Failure(StrEnum):
    """What a refused Discord request means for the next step."""

    TOKEN = "token"  # the interaction token is gone: use channel messages, or give up
    TOO_LARGE = "too_large"  # the file was refused for its size: send a link instead
    FOLLOWUPS = "followups"  # a user-installed app used its 5 followups: only the original can change now
    OTHER = "other"  # anything else: log it, never loop on it


def classify(exc: discord.HTTPException) -> Failure:
    """Sort a refused request by what to do next."""
    if exc.status == 413 or exc.code in TOO_LARGE_CODES:
        return Failure.TOO_LARGE
    if exc.code in TOKEN_CODES:
        return Failure.TOKEN
    if exc.code == TOO_MANY_FOLLOWUPS:
        return Failure.FOLLOWUPS
    return Failure.OTHER


@dataclass(frozen=True, slots=True)
class Posted:
    """A message the bot posted, and the surface that can edit it."""

    surface: Surface
    message_id: int
    original: bool = False
    generation: int = 0  # which content of the original response this is (it may be replaced later)


class Surface(Protocol):
    """A place replies can be posted and edited."""

    @property
    def limit(self) -> int:
        """Largest file in bytes this place accepts from the bot."""

    async def post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None,
        reply_to: int | None = None, mentions: discord.AllowedMentions = NOBODY, embed: discord.Embed | None = None,
        extra: Extra | None = None,
    ) -> Posted:
        """Post a message (with files, an embed or buttons) that pings only whom `mentions` allows."""

    async def edit(
        self, posted: Posted, content: str, embed: discord.Embed | None = None, extra: Extra | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Replace a posted message's text, embed and buttons (None: none), and its files with `extra`, pinging
        nobody."""


class InteractionSurface:
    """The interaction's response: the deferred original first, then followups."""

    def __init__(self, interaction: discord.Interaction[Any]) -> None:
        self._interaction = interaction
        self.fresh = True  # the deferred "thinking..." placeholder still shows
        self.followups_left = True  # false once Discord refuses more followups (40094)
        self._generation = 0

    @property
    def limit(self) -> int:
        """The interaction's `attachment_size_limit` (the guild's boosts and the user's plan)."""
        return self._interaction.filesize_limit

    async def post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None,
        reply_to: int | None = None, mentions: discord.AllowedMentions = NOBODY, embed: discord.Embed | None = None,
        extra: Extra | None = None,
    ) -> Posted:
        """Fill the placeholder if it is still there, otherwise send a followup (or, with none left, replace the
        original's content: the newest reply stays visible)."""
        with _attach(file, extra) as attached:
            if self.fresh or not self.followups_left:
                message = await self._interaction.edit_original_response(
                    content=content, attachments=attached or MISSING, view=view or MISSING,
                    allowed_mentions=mentions, embed=embed or MISSING,
                )
                self.fresh = False
                self._generation += 1
                return Posted(self, message.id, original=True, generation=self._generation)
            sent = await self._interaction.followup.send(
                content, files=attached or MISSING, view=view or MISSING, allowed_mentions=mentions, wait=True,
                embed=embed or MISSING,
            )
            return Posted(self, sent.id)

    async def post_private(self, content: str) -> Posted:
        """An ephemeral followup, seen only by whoever used the command; the placeholder, if still there, goes."""
        placeholder = self.fresh
        if placeholder:
            # The first followup after a public "thinking..." takes its place, public whatever its flags: the
            # placeholder is resolved first, so the followup can be ephemeral, then removed.
            await self._interaction.edit_original_response(content=PRIVATE_PLACEHOLDER, allowed_mentions=NOBODY)
            self.fresh = False
        sent = await self._interaction.followup.send(content, ephemeral=True, allowed_mentions=NOBODY, wait=True)
        if placeholder:
            await self._interaction.delete_original_response()
        return Posted(self, sent.id)

    async def edit(
        self, posted: Posted, content: str, embed: discord.Embed | None = None, extra: Extra | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Edit the original response (unless a newer reply replaced it) or a followup."""
        with _attach(None, extra) as attached:
            if posted.original:
                if posted.generation == self._generation:
                    await self._interaction.edit_original_response(
                        content=content, allowed_mentions=NOBODY, embed=embed, attachments=attached or MISSING,
                        view=view,
                    )
            else:
                await self._interaction.followup.edit_message(
                    posted.message_id, content=content, allowed_mentions=NOBODY, embed=embed,
                    attachments=attached or MISSING, view=view,
                )

    async def discard_placeholder(self) -> None:
        """Remove the "thinking..." placeholder when nothing was said in it."""
        if self.fresh:
            self.fresh = False
            await self._interaction.delete_original_response()


class ChannelSurface:
    """Ordinary messages in a channel, thread or DM, sent with the bot token (no expiry)."""

    def __init__(self, channel: discord.PartialMessageable, limit: int, reply_to: int | None = None) -> None:
        self._channel = channel
        self._limit = limit
        self._reply_to = reply_to  # the user's message: the first reply quotes it

    @property
    def limit(self) -> int:
        """The guild's upload limit (its boost tier), 10 MiB in DMs."""
        return self._limit

    async def post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None,
        reply_to: int | None = None, mentions: discord.AllowedMentions = NOBODY, embed: discord.Embed | None = None,
        extra: Extra | None = None,
    ) -> Posted:
        """Send a channel message, as a reply to the user's message the first time."""
        target = reply_to or self._reply_to
        self._reply_to = None
        # `mentions` never allows `replied_user`: quoting the person's message does not ping them.
        options: dict[str, Any] = {"allowed_mentions": mentions}
        if target:
            options["reference"] = discord.MessageReference(
                message_id=target, channel_id=self._channel.id, fail_if_not_exists=False,
            )
        if view is not None:
            options["view"] = view
        if embed is not None:
            options["embed"] = embed
        with _attach(file, extra) as attached:
            if attached:
                options["files"] = attached
            sent = await self._channel.send(content, **options)
        return Posted(self, sent.id)

    async def edit(
        self, posted: Posted, content: str, embed: discord.Embed | None = None, extra: Extra | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Edit a message the bot sent here."""
        with _attach(None, extra) as attached:
            await self._channel.get_partial_message(posted.message_id).edit(
                content=content, allowed_mentions=NOBODY, embed=embed, attachments=attached or MISSING, view=view,
            )

    async def typing(self) -> None:
        """Show "typing..." for a few seconds."""
        await self._channel.typing()


@contextmanager
def _attach(path: Path | None, extra: Extra | None = None) -> Iterator[list[discord.File]]:
    """Fresh `discord.File`s per attempt (each opens its file at once), closed even if the request never ran."""
    named = [(path, path.name)] if path is not None else []
    named += [extra] if extra is not None else []
    attached: list[discord.File] = []
    try:
        for source, name in named:
            attached.append(discord.File(source, filename=name))
        yield attached
    finally:
        for item in attached:
            item.close()
