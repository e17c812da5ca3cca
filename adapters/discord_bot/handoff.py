"""Leaving Discord's interaction token before it expires: progress reposted as channel messages, old replies pointed
at them, or the person told plainly when there is nowhere else to post."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from adapters.discord_bot.surfaces import ChannelSurface, Extra, InteractionSurface, Posted, Surface
from bot.engine.ports import Button, Clock
from bot.i18n import say

log = logging.getLogger(__name__)

Warn = Callable[[str], Awaitable[object]]
"""Posts a notice where replies go now."""


class Live:
    """A progress message as Discord holds it: where it is posted now (it may be reposted on a hand-off)."""

    def __init__(self, text: str, embed: discord.Embed | None = None, picture: Extra | None = None) -> None:
        self.text = text  # the message's content now (escaped), as posted
        self.embed = embed  # the progress card drawn as an embed, if the message shows one
        self.picture = picture  # the file the embed's image is attached as
        self.posted: Posted | None = None
        self.done = False
        self.buttons: tuple[Button, ...] = ()  # under the message until its last edit


@dataclass(frozen=True, slots=True)
class Deadline:
    """When to leave the interaction token (`handoff_at`) and when to stop using it at all (`expires_at`: its
    lifetime, less a safety margin), epoch seconds. No request is made on the token from `expires_at` on, not even
    a courtesy edit."""

    handoff_at: float
    expires_at: float


class Handoff:
    """Where one job's replies go now: the interaction token until its hand-off time (or its refusal), then the
    channel. Its lock serializes every call, so a hand-off never races a send."""

    def __init__(
        self, primary: InteractionSurface | None, fallback: ChannelSurface | None, *, deadline: Deadline | None,
        clock: Clock, locale: str,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.surface: Surface | None = primary if primary is not None else fallback
        self.lock = asyncio.Lock()
        self.progress: list[Live] = []
        self._deadline = deadline
        self._expires_at = deadline.expires_at if deadline is not None else None  # kept after a hand-off
        self._clock = clock
        self._locale = locale

    def leave_token(self) -> None:
        """Post through the channel from now on (the token is spent or was refused)."""
        self.surface = self.fallback

    def token_expired(self) -> bool:
        """Whether the interaction token is past its lifetime by the (injectable) clock."""
        return self._expires_at is not None and self._clock() >= self._expires_at

    async def check_clock(self, warn: Warn) -> None:
        """Called under the lock before every call: hand off before the interaction token expires."""
        surface = self.surface
        deadline = self._deadline
        if deadline is None or not isinstance(surface, InteractionSurface):
            return
        now = self._clock()
        if now >= deadline.expires_at:
            self.leave_token()
            return
        if now < deadline.handoff_at:
            return
        if self.fallback is None:
            # Nowhere else to post: say so plainly while the token still works, and keep using it until expiry.
            self._deadline = Deadline(deadline.expires_at, deadline.expires_at)
            await warn(say("discord_expiring", self._locale))
            return
        self._deadline = None
        self.leave_token()
        await self._move(surface, self.fallback)

    async def watch(self, tick: float, warn: Warn) -> None:
        """Leave the interaction token on time even when the job is quiet (no reply to trigger the check)."""
        while isinstance(self.surface, InteractionSurface) and self._deadline is not None:
            async with self.lock:
                try:
                    await self.check_clock(warn)
                except Exception:
                    # The watcher runs beside the engine's work: a bug here must not cancel that work.
                    log.exception("token hand-off check failed")
            await asyncio.sleep(tick)

    async def _move(self, old: InteractionSurface, new: ChannelSurface) -> None:
        """Repost live progress as channel messages and point the old replies at them."""
        moved = say("discord_moved", self._locale)
        for progress in self.progress:
            posted = progress.posted
            if not progress.done and posted is not None and posted.surface is old:
                await _repost(progress, posted, new)
                if not self.token_expired():  # the repost may have taken the clock past the token's lifetime
                    await _quietly(old.edit(posted, moved))
        if old.fresh and not self.token_expired():
            await _quietly(old.post(moved))


async def _repost(progress: Live, posted: Posted, new: ChannelSurface) -> None:
    try:
        progress.posted = await new.post(
            progress.text, reply_to=posted.message_id, embed=progress.embed, extra=progress.picture,
        )
    except discord.HTTPException as exc:
        log.warning("could not move progress to the channel: %s %s", exc.status, exc.code)
        progress.posted = None


async def _quietly(call: Awaitable[object]) -> None:
    """A courtesy edit through a token about to expire: a refusal is logged, nothing more."""
    try:
        await call
    except discord.HTTPException as exc:
        log.info("could not point the interaction reply at the channel: %s %s", exc.status, exc.code)
