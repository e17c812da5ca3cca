"""When to poll a render next: predict its end from its progress (and past renders), then poll around it.

A render reports a percentage that grows roughly linearly. A line fitted through what the polls saw predicts
when it reaches 100 %; the next poll aims a little before that (by the prediction's own uncertainty), then polls
come every `near` seconds until the render is done. When the progress says nothing (no percentage, or a render
past its predicted end), polls fall back to the back-off schedule.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

JITTER = 3.0  # percentage points a reported progress may stray from the straight line
HISTORY = 20  # past render durations kept for the prior
FAR = 0.6  # far from the end, a poll goes this part of the way towards the prediction
NEAR_PART = 0.75  # with a fitted line, a poll goes at most this part of the way to the predicted end
PRIOR_PART = 0.3  # with nothing seen yet, the first poll comes at this part of the usual render's duration
LEAP = 2.0  # a poll waits at most this many times as long as the render has run so far
SPREAD = 20.0  # percentage points the samples must span before a fitted line is trusted over one from the start


class PollSchedule(Protocol):
    """When a render's next poll comes, from what the polls saw."""

    def observe(self, now: float, percent: float | None) -> None:
        """Record what a poll at `now` saw (None: no percentage in the reply)."""

    def failed(self, *, rate_limited: bool = False) -> None:
        """Record a poll that failed (HTTP 429 with `rate_limited`)."""

    def delay(self, now: float) -> float:
        """Seconds from `now` to the next poll."""

    def duration(self, now: float) -> float | None:
        """The render's duration, seen complete at `now` (None: not known closely enough)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """The timing knobs, in seconds: `near` apart around the predicted end; otherwise back-off."""

    initial: float
    near: float
    factor: float
    longest: float


class RenderDurations:
    """How long this process's recent renders took: the prior for the first poll of the next one."""

    def __init__(self) -> None:
        self._seen: deque[float] = deque(maxlen=HISTORY)

    def add(self, seconds: float | None) -> None:
        """Remember one render's duration (None: it was not seen closely enough to know)."""
        if seconds is not None and seconds > 0 and math.isfinite(seconds):
            self._seen.append(seconds)

    def expected(self) -> float | None:
        """The median of the recent durations, or None before the first."""
        return statistics.median(self._seen) if self._seen else None


@dataclass(slots=True)
class RenderPoller:
    """The poll schedule of one render, started at `started` on the caller's clock."""

    schedule: Schedule
    started: float
    prior: float | None = None
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, percent)
    backoff: float = 0.0  # the current back-off delay; 0 until the schedule falls back to it
    last_poll: float = 0.0
    retry_in: float | None = None  # set by a failed poll: the next delay

    def observe(self, now: float, percent: float | None) -> None:
        """Record what a poll at `now` saw (None: no percentage in the reply)."""
        self.last_poll = now - self.started
        if percent is not None and 0 < percent < 100:
            self.samples.append((self.last_poll, float(percent)))

    def failed(self, *, rate_limited: bool = False) -> None:
        """A poll failed: the next one backs off, to the longest delay after HTTP 429."""
        self.retry_in = self.schedule.longest if rate_limited else self._back_off(self.schedule.initial)

    def delay(self, now: float) -> float:
        """Seconds from `now` to the next poll."""
        if self.retry_in is not None:
            delay, self.retry_in = self.retry_in, None
            return delay
        elapsed = now - self.started
        end = self.predicted_end()
        if end is None:
            if self.prior is not None and elapsed < PRIOR_PART * self.prior:
                return PRIOR_PART * self.prior - elapsed
            return self._back_off(self.schedule.initial)
        if elapsed >= end:
            # Past the predicted end and not done: the prediction says no more; back off from `near`.
            return self._back_off(self.schedule.near)
        self.backoff = 0.0
        remaining, margin = end - elapsed, 1.5 * self._uncertainty(end)
        if margin >= remaining:
            # Too unsure to aim (a first small percentage): see more of the render, going part of the way.
            step = min(LEAP * elapsed, FAR * remaining)
        elif self._fitted():
            # Aim before the predicted end by its uncertainty.
            step = min(remaining - margin, NEAR_PART * remaining, LEAP * elapsed)
        else:
            # A line from the start through one point: go only part of the way, then fit a line.
            step = min(remaining - margin, FAR * remaining, LEAP * elapsed)
        # Never wait longer than has passed: one far leap on a poor prediction could overshoot the end by much.
        return max(self.schedule.near, step)

    def predicted_end(self) -> float | None:
        """Seconds from the start to 100 %, from the samples (else None)."""
        if not self.samples:
            return None
        if self._fitted():
            fitted = _line_end(self.samples)
            if fitted is not None:
                return fitted
        # One sample (or no slope yet): a straight line from the start.
        seconds, percent = self.samples[-1]
        return seconds * 100 / percent

    def duration(self, now: float) -> float | None:
        """The render's duration, when its completion was seen at `now` soon enough after the last poll to tell."""
        done = now - self.started
        if done - self.last_poll > 2 * self.schedule.near:
            return None
        return done - (done - self.last_poll) / 2

    def _fitted(self) -> bool:
        """Whether the samples span enough progress for a fitted line."""
        return bool(self.samples) and self.samples[-1][1] - self.samples[0][1] >= SPREAD

    def _uncertainty(self, end: float) -> float:
        percent = self.samples[-1][1]
        return end * JITTER / percent / math.sqrt(len(self.samples))

    def _back_off(self, first: float) -> float:
        delay = self.backoff or first
        self.backoff = min(delay * self.schedule.factor, self.schedule.longest)
        return delay


def _line_end(samples: list[tuple[float, float]]) -> float | None:
    """Where the least-squares line through the samples reaches 100 %, when it rises."""
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_p = sum(p for _, p in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    slope = sum((t - mean_t) * (p - mean_p) for t, p in samples) / spread
    if slope <= 0:
        return None
    return mean_t + (100 - mean_p) / slope


@dataclass(slots=True)
class BackOff:
    """The schedule without prediction: poll at once, then back off from `initial` to `longest`."""

    schedule: Schedule
    next_delay: float = 0.0

    def observe(self, now: float, percent: float | None) -> None:
        """Progress changes nothing here."""

    def failed(self, *, rate_limited: bool = False) -> None:
        """A failed poll changes nothing here either (the client already waited once on HTTP 429)."""

    def delay(self, now: float) -> float:
        """The next delay of the back-off."""
        delay = self.next_delay
        self.next_delay = min(delay * self.schedule.factor, self.schedule.longest) if delay else self.schedule.initial
        return delay

    def duration(self, now: float) -> float | None:
        """Nothing is learnt from a back-off schedule."""
        return None


class RenderPolls:
    """The render polls of one process: one schedule per render, and the durations of the renders it saw end."""

    def __init__(
        self, schedule: Schedule, *, predict: bool = True, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schedule = schedule
        self._predict = predict
        self._clock = clock
        self._durations = RenderDurations()

    def of(self, created_at: float) -> Polling:
        """The schedule of a render submitted at `created_at` (wall-clock seconds; a resumed one started earlier)."""
        if not self._predict:
            return Polling(BackOff(self._schedule), self._clock, self._durations)
        started = self._clock() - max(0.0, time.time() - created_at)
        return Polling(RenderPoller(self._schedule, started, self._durations.expected()), self._clock, self._durations)


@dataclass(slots=True)
class Polling:
    """One render's polls on the process's clock: how long to wait, what each poll saw, and its end."""

    schedule: PollSchedule
    clock: Callable[[], float]
    durations: RenderDurations

    def delay(self) -> float:
        """Seconds to wait before the next poll."""
        return self.schedule.delay(self.clock())

    def saw(self, percent: float | None) -> None:
        """A poll saw the render still running, at `percent` (None: no percentage)."""
        self.schedule.observe(self.clock(), percent)

    def failed(self, *, rate_limited: bool = False) -> None:
        """A poll failed for now (HTTP 429 with `rate_limited`)."""
        self.schedule.failed(rate_limited=rate_limited)

    def completed(self) -> None:
        """A poll saw the render done: its duration is remembered for the next renders' first polls."""
        self.durations.add(self.schedule.duration(self.clock()))
