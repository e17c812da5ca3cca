"""Per-person quotas on the shared credits: calendar windows in UTC, a reservation taken before a paid request, given
back when Nemo did no work on it, and the credits a request spent.

A request reserves what it will spend (one agent turn, one export) with an atomic increment before anything is sent;
the Nemo client's wrapper (`bot.engine.metered`) marks what Nemo actually worked on; when the request ends, every
reservation Nemo never worked on is given back, and the credits the turn took are added.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot.engine.ports import Clock, QuotaStore
from bot.engine.rules import Kind, Period, QuotaRules
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

RESERVED = (Kind.TURNS, Kind.EXPORTS)
"""What is counted ahead of the request (credits are known only after it)."""


@dataclass(frozen=True, slots=True)
class Window:
    """One quota period: its name in the store, and its start and end in epoch seconds."""

    name: str
    starts: float
    ends: float

    def left(self, now: float) -> float:
        """Seconds until the quota resets."""
        return max(0.0, self.ends - now)


def window(period: Period, now: float) -> Window:
    """The calendar period (in UTC) that `now` falls in: a day, an ISO week from Monday, or a month."""
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    if period is Period.DAY:
        start, end, name = today, today + dt.timedelta(days=1), f"day-{today.isoformat()}"
    elif period is Period.WEEK:
        start = today - dt.timedelta(days=today.weekday())
        year, week, _ = start.isocalendar()
        end, name = start + dt.timedelta(days=7), f"week-{year}-W{week:02d}"
    else:
        start = today.replace(day=1)
        end = start + dt.timedelta(days=calendar.monthrange(start.year, start.month)[1])
        name = f"month-{start:%Y-%m}"
    return Window(name, _epoch(start), _epoch(end))


def _epoch(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


Balance = Callable[[], Awaitable[int | None]]
"""Reads the shared balance's available credits (None when it could not be read)."""


@dataclass(slots=True)
class Spending:
    """One request's quota bookkeeping: what it reserved, what Nemo worked on, the balance before its turn."""

    person: str
    window: Window
    measure_credits: bool = False
    reserved: set[Kind] = field(default_factory=set)
    spent: set[Kind] = field(default_factory=set)
    balance_before: int | None = None


_CURRENT: ContextVar[Spending | None] = ContextVar("spending", default=None)


def current() -> Spending | None:
    """The quota bookkeeping of the request this task serves, if it is one the gate let through."""
    return _CURRENT.get()


def mark(kind: Kind) -> None:
    """Nemo worked on the current request's paid call of `kind`: its reservation is kept."""
    spending = _CURRENT.get()
    if spending is not None:
        spending.spent.add(kind)


@dataclass(frozen=True, slots=True)
class Reached:
    """A quota the request would go over."""

    kind: Kind
    limit: int
    window: Window


class Quotas:
    """Reserves, gives back and counts each person's use in the current period."""

    def __init__(self, store: QuotaStore, rules: QuotaRules, balance: Balance, wall: Clock) -> None:
        self._store = store
        self._rules = rules
        self._balance = balance
        self._wall = wall

    def window(self) -> Window:
        """The period now."""
        return window(self._rules.quota_period, self._wall())

    def now(self) -> float:
        """Epoch seconds now."""
        return self._wall()

    async def limits(self, person: str, exempt: bool) -> dict[Kind, int | None]:
        """The person's limits: their own where an admin set one, else the settings'; none for an admin."""
        return self._effective(await self._store.get_limits(person), exempt)

    def _effective(self, own: Mapping[str, int], exempt: bool) -> dict[Kind, int | None]:
        if exempt:
            return dict.fromkeys(Kind)
        return {kind: own.get(kind.value, self._rules.limit(kind)) for kind in Kind}

    async def open(
        self, person: str, exempt: bool, kinds: frozenset[Kind], own: Mapping[str, int] | None = None,
    ) -> Spending | Reached:
        """Reserve `kinds` for one request, or say which quota it would go over (then nothing stays reserved).

        `own`: the person's own limits when the caller has just read them (else they are read here)."""
        spending = Spending(person, self.window())
        if not kinds:
            return spending
        if own is None:
            own = await self._store.get_limits(person)
        limits = self._effective(own, exempt)
        # Credits are measured wherever a credit quota is in force, for admins too (their use shows in /usage).
        spending.measure_credits = Kind.TURNS in kinds and (
            self._rules.quota_credits is not None or Kind.CREDITS.value in own
        )
        for kind in (kind for kind in RESERVED if kind in kinds):
            if not await self.reserve(spending, kind, limits[kind]):
                await self.settle(spending, measure=False)
                return Reached(kind, limits[kind] or 0, spending.window)
        credits = limits[Kind.CREDITS]
        if Kind.TURNS in kinds and credits is not None and await self.used(spending, Kind.CREDITS) >= credits:
            await self.settle(spending, measure=False)
            return Reached(Kind.CREDITS, credits, spending.window)
        return spending

    async def reserve(self, spending: Spending, kind: Kind, limit: int | None) -> bool:
        """Count one `kind` ahead of the request; False when that would pass `limit`."""
        counted = await self._store.count_use(
            spending.window.name, spending.window.ends, spending.person, kind.value, 1, limit,
        )
        if counted is None:
            return False
        spending.reserved.add(kind)
        return True

    async def used(self, spending: Spending, kind: Kind) -> int:
        """The person's use of `kind` so far this period."""
        # Adding nothing reads the count with the same command that keeps it.
        counted = await self._store.count_use(spending.window.name, spending.window.ends, spending.person, kind, 0)
        return counted or 0

    async def settle(self, spending: Spending, *, measure: bool = True) -> None:
        """Give back what Nemo never worked on; add the credits the request's turn took."""
        for kind in spending.reserved - spending.spent:
            await self._count(spending, kind, -1)
        spending.reserved &= spending.spent
        before = spending.balance_before
        if not (measure and before is not None and Kind.TURNS in spending.spent):
            return
        after = await self._balance()
        # Several chats spend one balance: a drop larger than this turn's share may land here, and a refund of
        # someone else's held credits may hide some of it; never count less than nothing.
        if after is not None and before > after:
            await self._count(spending, Kind.CREDITS, before - after)

    async def _count(self, spending: Spending, kind: Kind, amount: int) -> None:
        try:
            await self._store.count_use(spending.window.name, spending.window.ends, spending.person, kind, amount)
        except StoreError as exc:
            # The request itself went as it went: a count off by one is logged, not told to the person.
            log.warning("could not count %s %s for %s: %s", amount, kind, spending.person, exc)

    async def overview(self, window: Window) -> Mapping[str, Mapping[str, int]]:
        """Everyone's use in `window`."""
        return await self._store.uses(window.name)


@contextlib.contextmanager
def serving(spending: Spending) -> Iterator[None]:
    """Make `spending` the bookkeeping of the request this task serves (tasks it starts inherit it)."""
    token = _CURRENT.set(spending)
    try:
        yield
    finally:
        _CURRENT.reset(token)
