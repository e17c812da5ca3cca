"""Progress messages edited in place: bursts coalesced, one edit per interval per chat, the final text always lands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from bot.engine.card import Card, CardMaker
from bot.engine.fitting import truncate
from bot.engine.ports import Clock, Outgoing, Post, Sleep
from bot.engine.refusals import EditRefused, ReplyRefused, SlowDown
from bot.engine.tasks import Supervisor
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

_MAX_PACES = 10_000

Shown = tuple[str, Card | None]
"""A progress message's content: its text, and the card it is the plain form of (None: text alone)."""


@dataclass(slots=True)
class Pace:
    """When the next progress edit in one chat may go out (edits count toward a platform's flood limits)."""

    interval: float
    last_edit: float = float("-inf")
    blocked_until: float = float("-inf")

    def next_edit(self) -> float:
        """The earliest time of the next ordinary edit."""
        return max(self.last_edit + self.interval, self.blocked_until)

    def flooded(self, until: float) -> None:
        """The platform said to send nothing more in this chat before `until`."""
        self.blocked_until = max(self.blocked_until, until)


class Paces:
    """One `Pace` per chat, shared by every progress message in it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._paces: dict[ChatKey, Pace] = {}

    def of(self, chat: ChatKey, interval: float) -> Pace:
        """The chat's pace, made on first use."""
        if chat not in self._paces and len(self._paces) >= _MAX_PACES:
            now = self._clock()
            self._paces = {key: pace for key, pace in self._paces.items() if pace.next_edit() > now}
        return self._paces.setdefault(chat, Pace(interval))


@dataclass(frozen=True, slots=True)
class Pacing:
    """What a progress message runs on: the chat's pace, the clock, and the supervisor of its flusher task."""

    pace: Pace
    supervisor: Supervisor
    clock: Clock
    sleep: Sleep = asyncio.sleep


class Progress:
    """One progress message; an update edits at once when the pace allows, else a flusher edits when it does."""

    def __init__(
        self, out: Outgoing, handle: object, text: str, pacing: Pacing, card: Card | None = None,
        cards: CardMaker | None = None,
    ) -> None:
        self.cards = cards  # the job's cards, when this message shows one
        self._out = out
        self._handle = handle
        self._shown: Shown = (text, card)
        self._wanted: Shown = (text, card)
        self._pacing = pacing
        self._closed = asyncio.Event()
        self._editing = asyncio.Lock()
        self._flusher: asyncio.Task[Any] | None = None

    async def update(self, text: str, card: Card | None = None) -> None:
        """Ask for `text` (the plain form of `card`, when there is one) to be shown; bursts collapse into the latest."""
        limits = self._out.limits
        if self._closed.is_set() or not limits.can_edit:
            return
        self._wanted = (truncate(text, limits.text_length, limits.counting, limits.escaped), card)
        if self._wanted == self._shown or (self._flusher is not None and not self._flusher.done()):
            return  # nothing new, or the running flusher shows the newest text when the pace allows
        pace = self._pacing.pace
        if pace.next_edit() <= self._pacing.clock() and not self._editing.locked():
            async with self._editing:
                await self._edit(self._wanted)
        if self._wanted != self._shown and not self._closed.is_set():
            self._flusher = self._pacing.supervisor.spawn(self._flush(), "progress-flush")

    @property
    def closed(self) -> bool:
        """Whether the final text is shown (later updates are ignored)."""
        return self._closed.is_set()

    async def show(self, card: Card) -> None:
        """Show a card (as its text where the platform draws no cards)."""
        await self.update(card.text, card)

    async def finish(self, text: str) -> None:
        """Show the final text (waiting out a flood block first); later updates are ignored."""
        if self._closed.is_set():
            return
        self._closed.set()
        limits = self._out.limits
        final = truncate(text, limits.text_length, limits.counting, limits.escaped)
        async with self._editing:  # an edit in flight lands first, then the final one
            await self._final(final, limits.can_edit)

    async def _flush(self) -> None:
        pacing = self._pacing
        while not self._closed.is_set() and self._wanted != self._shown:
            delay = pacing.pace.next_edit() - pacing.clock()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), delay)
                continue
            async with self._editing:
                if not self._closed.is_set():
                    await self._edit(self._wanted)

    async def _edit(self, shown: Shown) -> None:
        pacing = self._pacing
        pacing.pace.last_edit = pacing.clock()
        text, card = shown
        try:
            await self._out.edit(self._handle, text, card=card)
        except SlowDown as slow:
            # Skip ahead: the newest text goes out once the block is over.
            pacing.pace.flooded(pacing.clock() + slow.seconds)
            return
        except ReplyRefused as exc:
            log.warning("progress edit refused: %s", exc)
        finally:
            # Paced from when the platform answered, so a slow request never lets the next one in early.
            pacing.pace.last_edit = pacing.clock()
        self._shown = shown

    async def _final(self, text: str, can_edit: bool) -> None:
        if not can_edit:
            if text != self._shown[0]:
                await self._out.send(Post(text, quoted=False))
            return
        if (text, None) == self._shown:
            await self._out.edit(self._handle, None, last=True)  # nothing to change: only the end is marked
            return
        pacing = self._pacing
        blocked = pacing.pace.blocked_until - pacing.clock()
        if blocked > 0:
            await pacing.sleep(blocked)
        pacing.pace.last_edit = pacing.clock()
        try:
            await self._out.edit(self._handle, text, last=True)
        except EditRefused as exc:
            # The message is gone or cannot be edited: the final word still has to reach the chat.
            log.info("final progress edit refused (%s); sending it as a new message", exc)
            await self._out.send(Post(text, quoted=False))
        self._shown = (text, None)
