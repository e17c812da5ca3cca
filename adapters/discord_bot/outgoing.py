"""One Discord chat as the engine's `Outgoing`, moved off the interaction token before it expires or is refused."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
import discord

from adapters.discord_bot.incoming import guild_limit
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.surfaces import (
    DEFAULT_FILE_LIMIT,
    ChannelSurface,
    Failure,
    InteractionSurface,
    Posted,
    Surface,
    classify,
)
from adapters.discord_bot.views import buttons
from bot.engine.ports import Limits, Outgoing, Post, Video
from bot.engine.refusals import NotDelivered, TooLarge
from bot.i18n import say
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]

MAX_MESSAGE = 2000
"""Discord's limit on a message's content, in characters."""


class Live:
    """A progress message as Discord holds it: where it is posted now (it may be reposted on a hand-off)."""

    def __init__(self, text: str) -> None:
        self.text = text  # what the user sees now
        self.posted: Posted | None = None
        self.done = False


@dataclass(frozen=True, slots=True)
class Deadline:
    """When to leave the interaction token (`handoff_at`) and when to stop using it at all (`expires_at`: its
    lifetime, less a safety margin), epoch seconds. No request is made on the token from `expires_at` on, not even
    a courtesy edit."""

    handoff_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Style:
    """How replies read: the user's language, who to mention on delivery, how often progress may change."""

    locale: str = "en"
    mention: str | None = None
    interval: float = 2.0


class DiscordOutgoing:
    """The engine's `Outgoing` for Discord: one lock serializes every call, so a hand-off never races a send."""

    def __init__(
        self, primary: InteractionSurface | None, fallback: ChannelSurface | None, *, style: Style,
        deadline: Deadline | None = None, clock: Clock = time.time,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._surface: Surface | None = primary if primary is not None else fallback
        self._style = style
        self._deadline = deadline
        self._expires_at = deadline.expires_at if deadline is not None else None  # kept after a hand-off
        self._clock = clock
        self._lock = asyncio.Lock()
        self._progress: list[Live] = []

    @property
    def limits(self) -> Limits:
        """2000 characters a message; the current surface's file limit; the configured progress interval."""
        upload = self._surface.limit if self._surface is not None else DEFAULT_FILE_LIMIT
        return Limits(text_length=MAX_MESSAGE, upload_bytes=upload, min_edit_interval=self._style.interval)

    async def send(self, post: Post) -> object:
        """Post a message; a progress message's handle is kept to repost it on a hand-off."""
        if post.live:
            live = Live(post.text)
            self._progress.append(live)
            await self._render(live)
            return live
        if post.link is not None:
            # The link stands in for a video: it has to reach the person, addressed to them.
            await self._post(self._addressed(f"{post.text}\n{post.link}"), required=True)
        else:
            await self._post(post.text, view=buttons(post.buttons))
        return None

    async def edit(self, handle: object, text: str | None, *, last: bool = False) -> None:
        """Edit a progress message, or repost it where replies go now."""
        assert isinstance(handle, Live)
        handle.done = handle.done or last
        if text is not None:
            handle.text = text
            await self._render(handle)

    async def _render(self, live: Live) -> None:
        async with self._lock:
            await self._check_clock()
            await self._attempt(lambda surface: self._draw(surface, live))

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Upload the MP4 once; a refusal is raised with Discord's wording for what the person gets instead."""
        locale = self._style.locale
        try:
            await self._post(self._addressed(caption), file=path, required=True)
        except TooLarge as exc:
            raise TooLarge(str(exc), note=say("discord_too_big_no_link", locale)) from exc
        except NotDelivered as exc:
            raise NotDelivered(str(exc), link_note=say("discord_upload_failed_link", locale)) from exc

    async def show_working(self) -> None:
        """Interactions already show "thinking..."; in a channel, show "typing..."."""
        surface = self._surface
        if isinstance(surface, ChannelSurface):
            try:
                await surface.typing()
            except discord.HTTPException as exc:
                log.info("typing indicator refused: %s", exc.status)

    async def watch(self, tick: float) -> None:
        """Leave the interaction token on time even when the job is quiet (no reply to trigger the check)."""
        while isinstance(self._surface, InteractionSurface) and self._deadline is not None:
            async with self._lock:
                try:
                    await self._check_clock()
                except Exception:
                    # The watcher runs beside the engine's work: a bug here must not cancel that work.
                    log.exception("token hand-off check failed")
            await asyncio.sleep(tick)

    async def close(self) -> None:
        """Remove the "thinking..." placeholder if the engine said nothing (a duplicate, a /cancel that worked)."""
        async with self._lock:
            await self._check_clock()
            surface = self._surface
            if isinstance(surface, InteractionSurface) and surface.fresh:
                await self._attempt(lambda _: surface.discard_placeholder(), fall_back=False)

    def _addressed(self, content: str) -> str:
        mention = self._style.mention
        return content if not mention or mention in content else f"{mention} {content}"

    async def _post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None, required: bool = False,
    ) -> None:
        async with self._lock:
            await self._check_clock()
            await self._attempt(lambda surface: surface.post(content, file=file, view=view), required=required)

    @staticmethod
    async def _draw(surface: Surface, live: Live) -> None:
        posted = live.posted
        if posted is not None and posted.surface is surface:
            await surface.edit(posted, live.text)
        else:
            live.posted = await surface.post(live.text)

    async def _attempt(
        self, op: Callable[[Surface], Awaitable[T]], *, fall_back: bool = True, required: bool = False,
    ) -> T | None:
        """Run one call; a dead token moves replies to the channel once; nothing is retried in a loop.

        A reply that could not be posted is logged and dropped (None), or with `required` raises `NotDelivered`.
        """
        surface = self._surface
        if isinstance(surface, InteractionSurface) and self._token_expired():
            # Checked right before every request on the token: an earlier request under this lock (the expiry
            # warning, a moved progress message) may have taken the clock past the token's lifetime.
            self._surface = self._fallback
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
            failure = classify(exc)
            if failure is Failure.TOO_LARGE:
                raise TooLarge(f"{exc.status} {exc.code}") from exc
            if failure is Failure.FOLLOWUPS and isinstance(surface, InteractionSurface) and surface.followups_left:
                log.info("no followups left for this interaction; replies replace the original response")
                surface.followups_left = False
                return await self._attempt(op, fall_back=fall_back, required=required)
            if failure is Failure.TOKEN and surface is self._primary:
                log.warning("interaction token refused (%s %s); using channel messages", exc.status, exc.code)
                self._surface = self._fallback
                if self._surface is not None and fall_back:
                    return await self._attempt(op, required=required)
                _lost(required, f"interaction token refused ({exc.status} {exc.code})", exc)
                return None
            log.warning("discord refused a reply: %s %s", exc.status, exc.code)
            _lost(required, f"discord refused it ({exc.status} {exc.code})", exc)
            return None
        except (aiohttp.ClientError, OSError) as exc:
            # discord.py hands transport failures (and timeouts) through unwrapped, after its own retries: one
            # reply is lost, the job goes on.
            log.warning("could not reach discord for a reply: %s", type(exc).__name__)
            _lost(required, f"could not reach discord ({type(exc).__name__})", exc)
            return None

    def _token_expired(self) -> bool:
        """Whether the interaction token is past its lifetime by the (injectable) clock."""
        return self._expires_at is not None and self._clock() >= self._expires_at

    async def _check_clock(self) -> None:
        """Called under the lock before every call: hand off before the interaction token expires."""
        surface = self._surface
        deadline = self._deadline
        if deadline is None or not isinstance(surface, InteractionSurface):
            return
        now = self._clock()
        if now >= deadline.expires_at:
            self._surface = self._fallback
            return
        if now < deadline.handoff_at:
            return
        if self._fallback is None:
            # Nowhere else to post: say so plainly while the token still works, and keep using it until expiry.
            self._deadline = Deadline(deadline.expires_at, deadline.expires_at)
            await self._attempt(lambda target: target.post(say("discord_expiring", self._style.locale)))
            return
        self._deadline = None
        self._surface = self._fallback
        await self._move(surface, self._fallback)

    async def _move(self, old: InteractionSurface, new: ChannelSurface) -> None:
        """Repost live progress as channel messages and point the old replies at them."""
        moved = say("discord_moved", self._style.locale)
        for progress in self._progress:
            posted = progress.posted
            if not progress.done and posted is not None and posted.surface is old:
                await self._repost(progress, posted, new)
                if not self._token_expired():  # the repost may have taken the clock past the token's lifetime
                    await _quietly(old.edit(posted, moved))
        if old.fresh and not self._token_expired():
            await _quietly(old.post(moved))

    async def _repost(self, progress: Live, posted: Posted, new: ChannelSurface) -> None:
        try:
            progress.posted = await new.post(progress.text, reply_to=posted.message_id)
        except discord.HTTPException as exc:
            log.warning("could not move progress to the channel: %s %s", exc.status, exc.code)
            progress.posted = None


def _lost(required: bool, reason: str, cause: BaseException | None = None) -> None:
    """A reply was not posted: dropped (already logged), or raised when it had to arrive."""
    if required:
        raise NotDelivered(reason) from cause


async def _quietly(call: Awaitable[object]) -> None:
    """A courtesy edit through a token about to expire: a refusal is logged, nothing more."""
    try:
        await call
    except discord.HTTPException as exc:
        log.info("could not point the interaction reply at the channel: %s %s", exc.status, exc.code)


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
