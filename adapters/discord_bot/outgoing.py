"""One Discord chat as the engine's `Outgoing`, moved off the interaction token before it expires or is refused."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
import discord

from adapters.discord_bot.embeds import FRAME_NAME, THUMBNAIL_NAME, card_embed, video_embed
from adapters.discord_bot.formatting import ESCAPED, escape
from adapters.discord_bot.handoff import Deadline, Handoff, Live
from adapters.discord_bot.incoming import guild_limit
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.surfaces import (
    DEFAULT_FILE_LIMIT,
    NOBODY,
    ChannelSurface,
    Extra,
    Failure,
    InteractionSurface,
    Posted,
    Surface,
    classify,
    only,
)
from adapters.discord_bot.views import buttons
from bot.engine.card import Card
from bot.engine.ports import Clock, Limits, Outgoing, Post, Video
from bot.engine.refusals import NotDelivered, TooLarge
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

T = TypeVar("T")
Op = Callable[[Surface], Awaitable[T]]

MAX_MESSAGE = 2000
"""Discord's limit on a message's content, in characters."""


@dataclass(frozen=True, slots=True)
class Style:
    """How replies read: the user's language, and how often progress may change."""

    locale: str = "en"
    interval: float = 2.0


class DiscordOutgoing:
    """The engine's `Outgoing` for Discord: every call goes through the hand-off's lock, where replies go now.

    Only a delivery (the video, or the link standing in for it) may ping, and only `requester`, the user id of whoever
    asked; anything else pings nobody, whatever ids the agent's text echoes. Every other text may hold the agent's
    words (a reply, a timeline it titled) or a user's (a file name), so its Markdown is escaped but for bold and code;
    a delivery's is the bot's own, with the requester's mention, and goes as it is.
    """

    def __init__(
        self, primary: InteractionSurface | None, fallback: ChannelSurface | None, *, style: Style,
        deadline: Deadline | None = None, clock: Clock = time.time, requester: int | None = None,
    ) -> None:
        self._route = Handoff(primary, fallback, deadline=deadline, clock=clock, locale=style.locale)
        self._style = style
        self._delivery = only(requester)

    @property
    def limits(self) -> Limits:
        """2000 characters a message, escapes included; the current surface's file limit; the progress interval."""
        surface = self._route.surface
        upload = surface.limit if surface is not None else DEFAULT_FILE_LIMIT
        return Limits(
            text_length=MAX_MESSAGE, upload_bytes=upload, min_edit_interval=self._style.interval,
            platform_name="Discord", escaped=ESCAPED,
        )

    async def send(self, post: Post) -> object:
        """Post a message; a progress message's handle is kept to repost it on a hand-off."""
        if post.live:
            live = Live(*_drawn(post.text, post.card))
            live.buttons = tuple(post.buttons)
            self._route.progress.append(live)
            await self._render(live)
            return live
        if post.link is not None:
            # The link stands in for a video: it has to reach the person.
            await self._post(f"{post.text}\n{post.link}", file=post.image, required=True, mentions=self._delivery)
        elif post.private:
            await self._post_private(escape(post.text))
        else:
            await self._post(escape(post.text), file=post.image, view=buttons(post.buttons))
        return None

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Edit a progress message (a card is drawn as an embed), or repost it where replies go now."""
        assert isinstance(handle, Live)
        handle.done = handle.done or last
        if text is None:
            return
        content, embed, picture = _drawn(text, card)
        if handle.posted is not None and (content, picture) == (handle.text, handle.picture) and _same(
            embed, handle.embed,
        ):
            return  # the card changed only where Discord does not show it (its clock counts by itself)
        handle.text, handle.embed, handle.picture = content, embed, picture
        await self._render(handle)

    async def _render(self, live: Live) -> None:
        async with self._route.lock:
            await self._route.check_clock(self._warn)
            await self._attempt(lambda surface: self._draw(surface, live))

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Upload the MP4 once; a refusal says only why, the reply layer decides what the person gets instead."""
        extra = (video.thumbnail, THUMBNAIL_NAME) if video.thumbnail is not None else None
        await self._post(
            caption, file=path, required=True, mentions=self._delivery, embed=video_embed(video), extra=extra,
        )

    async def show_working(self) -> None:
        """Interactions already show "thinking..."; in a channel, show "typing..."."""
        surface = self._route.surface
        if isinstance(surface, ChannelSurface):
            try:
                await surface.typing()
            except discord.HTTPException as exc:
                log.info("typing indicator refused: %s", exc.status)

    async def watch(self, tick: float) -> None:
        """Leave the interaction token on time even when the job is quiet (no reply to trigger the check)."""
        await self._route.watch(tick, self._warn)

    async def close(self) -> None:
        """Remove the "thinking..." placeholder if the engine said nothing (a duplicate, a /cancel that worked)."""
        async with self._route.lock:
            await self._route.check_clock(self._warn)
            surface = self._route.surface
            if isinstance(surface, InteractionSurface) and surface.fresh:
                await self._attempt(lambda _: surface.discard_placeholder(), fall_back=False)

    async def _warn(self, text: str) -> None:
        await self._attempt(lambda target: target.post(text))

    async def _post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None, required: bool = False,
        mentions: discord.AllowedMentions = NOBODY, embed: discord.Embed | None = None, extra: Extra | None = None,
    ) -> None:
        async with self._route.lock:
            await self._route.check_clock(self._warn)
            await self._attempt(
                lambda surface: surface.post(
                    content, file=file, view=view, mentions=mentions, embed=embed, extra=extra,
                ),
                required=required,
            )

    async def _post_private(self, content: str) -> None:
        """Ephemeral where replies still go through the interaction; an ordinary message anywhere else."""

        async def post(surface: Surface) -> Posted:
            if isinstance(surface, InteractionSurface):
                return await surface.post_private(content)
            return await surface.post(content)

        async with self._route.lock:
            await self._route.check_clock(self._warn)
            await self._attempt(post)

    @staticmethod
    async def _draw(surface: Surface, live: Live) -> None:
        posted = live.posted
        # The buttons (Cancel) go with every edit until the last, which takes them away.
        view = None if live.done else buttons(live.buttons)
        if posted is not None and posted.surface is surface:
            # The picture goes again with each edit that shows it: an edit's embed can only show what it attaches.
            await surface.edit(posted, live.text, live.embed, live.picture, view)
        else:
            live.posted = await surface.post(live.text, embed=live.embed, extra=live.picture, view=view)

    async def _attempt(self, op: Op[T], *, fall_back: bool = True, required: bool = False) -> T | None:
        """Run one call; a dead token moves replies to the channel once; nothing is retried in a loop.

        A reply that could not be posted is logged and dropped (None), or with `required` raises `NotDelivered`.
        """
        route = self._route
        surface = route.surface
        if isinstance(surface, InteractionSurface) and route.token_expired():
            # Checked right before every request on the token: an earlier request under this lock (the expiry
            # warning, a moved progress message) may have taken the clock past the token's lifetime.
            route.leave_token()
            if not fall_back:
                return None
            return await self._attempt(op, required=required)
        if surface is None:
            log.warning("dropping a reply: this chat can no longer be reached")
            _lost(required, "this chat can no longer be reached")
            return None
        try:
            return await op(surface)
        except discord.HTTPException as exc:
            return await self._refused(exc, surface, op, fall_back=fall_back, required=required)
        except (aiohttp.ClientError, OSError) as exc:
            # discord.py hands transport failures (and timeouts) through unwrapped, after its own retries: one
            # reply is lost, the job goes on.
            log.warning("could not reach discord for a reply: %s", type(exc).__name__)
            _lost(required, f"could not reach discord ({type(exc).__name__})", exc)
            return None

    async def _refused(
        self, exc: discord.HTTPException, surface: Surface, op: Op[T], *, fall_back: bool, required: bool,
    ) -> T | None:
        """Discord refused a call: too large is raised; no followups left or a dead token is tried once more."""
        route = self._route
        failure = classify(exc)
        if failure is Failure.TOO_LARGE:
            raise TooLarge(f"{exc.status} {exc.code}") from exc
        if failure is Failure.FOLLOWUPS and isinstance(surface, InteractionSurface) and surface.followups_left:
            log.info("no followups left for this interaction; replies replace the original response")
            surface.followups_left = False
            return await self._attempt(op, fall_back=fall_back, required=required)
        if failure is Failure.TOKEN and surface is route.primary:
            log.warning("interaction token refused (%s %s); using channel messages", exc.status, exc.code)
            route.leave_token()
            if route.surface is not None and fall_back:
                return await self._attempt(op, required=required)
            _lost(required, f"interaction token refused ({exc.status} {exc.code})", exc)
            return None
        log.warning("discord refused a reply: %s %s", exc.status, exc.code)
        _lost(required, f"discord refused it ({exc.status} {exc.code})", exc)
        return None


def _drawn(text: str, card: Card | None) -> tuple[str, discord.Embed | None, Extra | None]:
    """A progress message's content, embed and picture: a card is all embed (its picture the embed's image), plain
    progress all text."""
    if card is None:
        return escape(text), None, None
    embed = card_embed(card)
    if card.image is None:
        return "", embed, None
    embed.set_image(url=f"attachment://{FRAME_NAME}")
    return "", embed, (card.image, FRAME_NAME)


def _same(one: discord.Embed | None, other: discord.Embed | None) -> bool:
    if one is None or other is None:
        return one is other
    return one.to_dict() == other.to_dict()


def _lost(required: bool, reason: str, cause: BaseException | None = None) -> None:
    """A reply was not posted: dropped (already logged), or raised when it had to arrive."""
    if required:
        raise NotDelivered(reason) from cause


class DiscordPlatform:
    """How the engine reaches a Discord chat again (renders resumed after a restart): channel messages."""

    def __init__(self, client: discord.Client, config: Options, clock: Clock) -> None:
        self._client = client
        self._config = config
        self._clock = clock

    @property
    def name(self) -> str:
        """The platform name in chat keys."""
        return PLATFORM

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str = "en") -> Outgoing:
        """Post in the chat's channel or thread, replying to the user's message when it was one."""
        channel_id = int(chat.thread_id or chat.chat_id)
        guild = getattr(self._client.get_channel(channel_id), "guild", None)
        limit = guild_limit(guild if isinstance(guild, discord.Guild) else None)
        quoted = int(reply_to) if reply_to and reply_to.isdigit() else None  # "i..." ids are interactions
        surface = ChannelSurface(self._client.get_partial_messageable(channel_id), limit, reply_to=quoted)
        return DiscordOutgoing(
            None, surface, style=Style(interval=self._config.progress_interval, locale=locale), clock=self._clock,
        )
