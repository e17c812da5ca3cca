"""How quotas and use are said, in the user's language: the period, its reset in UTC, and counts of each kind."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine.quotas import Reached, Window
from bot.engine.rules import Kind, Period
from bot.i18n import say

# Catalogue keys by value, written out so that every key is named in full.
_KINDS = {Kind.TURNS: "quota_kind_turns", Kind.EXPORTS: "quota_kind_exports", Kind.CREDITS: "quota_kind_credits"}
_THIS = {Period.DAY: "quota_this_day", Period.WEEK: "quota_this_week", Period.MONTH: "quota_this_month"}
_PER = {Period.DAY: "quota_per_day", Period.WEEK: "quota_per_week", Period.MONTH: "quota_per_month"}


@dataclass(frozen=True, slots=True)
class Wording:
    """Phrases about quotas in one language, for one period length."""

    locale: str
    period: Period

    def kind(self, kind: Kind) -> str:
        """What a kind counts: "agent requests", "exports", "credits"."""
        return say(_KINDS[kind], self.locale)

    def this(self) -> str:
        """"today", "this week", "this month"."""
        return say(_THIS[self.period], self.locale)

    def per(self) -> str:
        """"a day", "a week", "a month"."""
        return say(_PER[self.period], self.locale)

    def limit(self, limit: int | None) -> str:
        """A limit, or "no limit"."""
        return say("quota_no_limit", self.locale) if limit is None else str(limit)

    def reset(self, window: Window, now: float) -> dict[str, str]:
        """When the quota resets: the UTC time, and how long from now."""
        at = dt.datetime.fromtimestamp(window.ends, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        left = window.left(now)
        if left >= 2 * 3600:
            wait = say("quota_wait_hours", self.locale, hours=math.ceil(left / 3600))
        elif left >= 120:
            wait = say("quota_wait_minutes", self.locale, minutes=math.ceil(left / 60))
        else:
            wait = say("quota_wait_soon", self.locale)
        return {"reset": at, "wait": wait}

    def reached(self, reached: Reached, now: float) -> str:
        """The refusal of a request over its quota, with when the quota resets."""
        return say(
            "quota_reached", self.locale, limit=reached.limit, kind=self.kind(reached.kind), this=self.this(),
            **self.reset(reached.window, now),
        )

    def remaining(
        self, limits: Mapping[Kind, int | None], used: Mapping[str, int], window: Window, now: float,
    ) -> str:
        """What is left of each limited kind this period, and when it resets."""
        items = [
            say("quota_left", self.locale, left=max(0, limit - used.get(kind.value, 0)), limit=limit,
                kind=self.kind(kind))
            for kind, limit in limits.items() if limit is not None
        ]
        return say("quota_remaining", self.locale, this=self.this(), items=", ".join(items),
                   **self.reset(window, now))

    def uses(self, used: Mapping[str, int], limits: Mapping[Kind, int | None]) -> str:
        """Counts of each kind used (out of its limit where there is one), or "nothing yet"."""
        items = []
        for kind in Kind:
            count, limit = used.get(kind.value, 0), limits.get(kind)
            if limit is not None:
                items.append(say("usage_count_of", self.locale, used=count, limit=limit, kind=self.kind(kind)))
            elif count:
                items.append(say("usage_count", self.locale, used=count, kind=self.kind(kind)))
        return ", ".join(items) or say("usage_nothing", self.locale)

    def header(self, window: Window, now: float) -> str:
        """The first line of everyone's use."""
        return say("usage_header", self.locale, this=self.this(), **self.reset(window, now))

    def line(self, person: str, used: Mapping[str, int], limits: Mapping[Kind, int | None]) -> str:
        """One person's use, for an admin."""
        return say("usage_line", self.locale, user=person, uses=self.uses(used, limits))

    def own(self, used: Mapping[str, int], limits: Mapping[Kind, int | None]) -> str:
        """The caller's own use."""
        return say("usage_own", self.locale, this=self.this(), uses=self.uses(used, limits))
