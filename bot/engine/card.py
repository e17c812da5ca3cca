"""The progress card: one per job, showing its stage, a bar, the time it has taken, the time left, its place in line.

The engine makes each state of the card as a value (`Card`) with its plain text; a platform that can draw more
(Discord's embeds: a colour per stage, timestamps the app counts by itself) draws the value, the others show the
text. The time left comes from the render's own progress rate, and only once it has moved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.i18n import say

BAR_CELLS = 10
Clock = Callable[[], float]


class Stage(StrEnum):
    """What a job is doing now."""

    QUEUED = "queued"
    GENERATING = "generating"
    EDITING = "editing"
    WORKING = "working"
    RENDERING = "rendering"
    UPLOADING = "uploading"


_TITLES = {
    Stage.QUEUED: "card_queued",
    Stage.GENERATING: "card_generating",
    Stage.EDITING: "card_editing",
    Stage.WORKING: "card_working",
    Stage.RENDERING: "card_rendering",
    Stage.UPLOADING: "card_uploading",
}


@dataclass(frozen=True, slots=True)
class Card:
    """One state of a job's card; `text` is all of it as plain text (with **bold**) for platforms without cards.

    Times are epoch seconds, so a platform can show them as timestamps its app keeps current.
    """

    stage: Stage
    title: str
    text: str
    started_at: float
    bar: str | None = None
    percent: int | None = None
    eta_at: float | None = None
    queue: int | None = None
    note: str | None = None
    image: Path | None = None
    started_label: str = ""
    eta_label: str = ""
    queue_label: str = ""


def bar(percent: int, cells: int = BAR_CELLS) -> str:
    """`▰▰▰▰▰▱▱▱▱▱ 48%`: filled cells for the share done, rounded down (a full bar means done)."""
    percent = max(0, min(percent, 100))
    filled = percent * cells // 100
    return f"{'▰' * filled}{'▱' * (cells - filled)} {percent}%"


def clock_time(seconds: float) -> str:
    """Elapsed time as a clock shows it: `0:42`, `12:05`, `1:02:03`."""
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Eta:
    """The time left from the progress rate: the percent gained since the first reading over the time it took.

    Nothing is promised before the progress has moved once; a reading that goes backwards starts over.
    """

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None

    def observe(self, at: float, percent: int) -> float | None:
        """Take a reading at `at` (epoch seconds); returns when the work should be done, or None if unknown."""
        first = self._first
        if first is None or percent < first[1]:
            self._first = (at, percent)
            return None
        gained, spent = percent - first[1], at - first[0]
        if gained <= 0 or spent <= 0 or percent >= 100:
            return None
        # To the nearest ten seconds: an estimate is no finer, and a steady one spares platforms needless edits.
        return round((at + (100 - percent) * spent / gained) / 10) * 10


class CardMaker:
    """The cards of one job, in the user's language, timed from when the job started."""

    def __init__(self, locale: str, clock: Clock = time.time, started_at: float | None = None) -> None:
        self._locale = locale
        self._clock = clock
        self.started_at = clock() if started_at is None else started_at
        self._eta = Eta()
        self._image: Path | None = None

    def show(self, image: Path | None) -> None:
        """Show this picture (a frame of what is being made) on the job's cards from now on."""
        self._image = image

    def card(self, stage: Stage, *, note: str | None = None) -> Card:
        """The card for a stage without a measure of progress (the agent's tools report none)."""
        return self._made(stage, note=note)

    def waiting(self, queue: int | None = None) -> Card:
        """The card of a render waiting to start, with its place in line when the service tells it."""
        return self._made(Stage.QUEUED, queue=queue)

    def rendering(self, percent: int) -> Card:
        """The card of a render at `percent`, with the time left once the rate is known."""
        now = self._clock()
        return self._made(Stage.RENDERING, percent=percent, eta_at=self._eta.observe(now, percent), now=now)

    def uploading(self) -> Card:
        """The card while the finished video is being sent."""
        return self._made(Stage.UPLOADING, percent=100)

    def _made(
        self, stage: Stage, *, percent: int | None = None, eta_at: float | None = None, queue: int | None = None,
        note: str | None = None, now: float | None = None,
    ) -> Card:
        now = self._clock() if now is None else now
        locale = self._locale
        title = say(_TITLES[stage], locale)
        lines = [say("card_head", locale, title=title, elapsed=clock_time(now - self.started_at))]
        drawn = bar(percent) if percent is not None else None
        if drawn:
            lines.append(drawn)
        if eta_at is not None:
            lines.append(_eta_text(eta_at - now, locale))
        if queue is not None:
            lines.append(say("card_queue", locale, place=queue))
        if note:
            lines.append(note)
        return Card(
            stage, title, "\n".join(lines), self.started_at, drawn, percent, eta_at, queue, note, self._image,
            say("card_label_started", locale), say("card_label_eta", locale), say("card_label_queue", locale),
        )


def _eta_text(seconds: float, locale: str) -> str:
    if seconds < 60:
        return say("card_eta_soon", locale)
    return say("card_eta_minutes", locale, minutes=math.ceil(seconds / 60))
