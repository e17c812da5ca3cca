"""Teams: the gate every message passes (who may use the bot, within which quota) and the team commands.

The engine hooks in at one place, `Team.gate`, around its dispatch: a person not allowed gets one polite reply and
nothing reaches Nemo; a team command is answered here; a paid request over its quota is refused with the time the
quota resets; any other request goes on with its reservations, settled when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping

from bot.engine.access import Person, Standing, is_admin, standing
from bot.engine.admin import ADMIN_ONLY, TEAM_COMMANDS, Order, parse
from bot.engine.messages import Incoming
from bot.engine.metered import Metered
from bot.engine.ports import Clock, Events, QuotaStore
from bot.engine.quotas import Quotas, Reached, current, serving
from bot.engine.replies import Replies
from bot.engine.routing import Intent, Route
from bot.engine.rules import Kind, TeamRules, matches
from bot.engine.telemetry import QUIET
from bot.engine.wording import Wording
from bot.i18n import say
from bot.store.models import Grant

log = logging.getLogger(__name__)


def kinds_of(decision: Route) -> frozenset[Kind]:
    """What a request will spend: an agent turn for a prompt (or an applied edit), an export for an export."""
    if decision.intent is Intent.EXPORT:
        return frozenset({Kind.EXPORTS})
    paid = decision.intent in (Intent.AGENT, Intent.APPLY, Intent.UPLOAD) and decision.text.strip()
    return frozenset({Kind.TURNS}) if paid else frozenset()


class Team:
    """Access and quotas for one engine; every replica shares them through the store."""

    def __init__(
        self, nemo: Metered, store: QuotaStore, rules: TeamRules, wall: Clock = time.time, events: Events = QUIET,
    ) -> None:
        self._nemo = nemo
        self._store = store
        self._rules = rules
        self._events = events
        self._quotas = Quotas(store, rules, nemo.available, wall)

    @contextlib.asynccontextmanager
    async def gate(self, msg: Incoming, decision: Route, out: Replies) -> AsyncIterator[bool]:
        """Yields whether the engine should go on with the request (False: it was answered or refused here)."""
        person = Person.of(msg)
        admin = is_admin(self._rules, person)
        # One round trip for both: the quotas are read whenever the request is paid, which most are.
        grant, own = (None, None) if admin else await self._store.get_grant_and_limits(person.key)
        stands = standing(self._rules, person, grant)
        if stands is Standing.REFUSED:
            log.info("refused %s: not allowed", person.key)
            await out.send_text(say("access_refused", msg.locale, user=person.key), private=True)
            yield False
            return
        if decision.intent in TEAM_COMMANDS:
            await self._command(msg, decision, person, admin, out)
            yield False
            return
        opened = await self._quotas.open(person.key, admin, kinds_of(decision), own)
        if isinstance(opened, Reached):
            self._events.quota_refused(msg.chat.platform, opened.kind.value)
            await out.send_text(self._words(msg).reached(opened, self._quotas.now()))
            yield False
            return
        measure = True
        with serving(opened):
            try:
                yield True
            except asyncio.CancelledError:
                measure = False  # shutting down: no time to ask Nemo for the balance again
                raise
            finally:
                await self._quotas.settle(opened, measure=measure)

    async def may_export(self, msg: Incoming, out: Replies) -> bool:
        """Reserve an export the request did not ask for by name (the agent asked for one); False: over quota."""
        spending = current()
        if spending is None or Kind.EXPORTS in spending.reserved:
            return True
        person = Person.of(msg)
        limits = await self._quotas.limits(person.key, is_admin(self._rules, person))
        if await self._quotas.reserve(spending, Kind.EXPORTS, limits[Kind.EXPORTS]):
            return True
        reached = Reached(Kind.EXPORTS, limits[Kind.EXPORTS] or 0, spending.window)
        self._events.quota_refused(msg.chat.platform, Kind.EXPORTS.value)
        await out.send_text(self._words(msg).reached(reached, self._quotas.now()))
        return False

    async def quota_note(self, msg: Incoming) -> str:
        """The caller's quota left this period, as a line to put under the balance ("" when none applies)."""
        person = Person.of(msg)
        if is_admin(self._rules, person):
            return "\n" + say("quota_none", msg.locale)
        window = self._quotas.window()
        limits = await self._quotas.limits(person.key, False)
        if all(limit is None for limit in limits.values()):
            return ""
        used = (await self._quotas.overview(window)).get(person.key, {})
        return "\n" + self._words(msg).remaining(limits, used, window, self._quotas.now())

    async def _command(self, msg: Incoming, decision: Route, person: Person, admin: bool, out: Replies) -> None:
        if decision.intent in ADMIN_ONLY and not admin:
            await out.send_text(say("admin_only", msg.locale), private=True)
            return
        order = parse(decision.intent, decision.text, msg.chat.platform)
        if order is None:
            await out.send_text(say("admin_usage", msg.locale))
        elif order.intent is Intent.USAGE:
            await out.send_text(await self._usage(msg, person, admin))
        else:
            await out.send_text(await self._order(order, msg.locale))

    async def _order(self, order: Order, locale: str) -> str:
        """Do what an admin ordered; returns what to tell them."""
        words = Wording(locale, self._rules.quota_period)
        if order.intent is Intent.ALLOW:
            await self._store.put_grant(order.person, Grant.ALLOW)
            return say("allow_done", locale, user=order.person)
        if order.intent is Intent.DENY:
            platform, _, ident = order.person.partition(":")
            if matches(self._rules.admin_users, platform, ident):
                return say("deny_admin", locale, user=order.person)
            await self._store.put_grant(order.person, Grant.DENY)
            return say("deny_done", locale, user=order.person)
        await self._store.put_limit(order.person, order.kind.value, order.limit)
        if order.limit is None:
            return say(
                "quota_default", locale, user=order.person, kind=words.kind(order.kind),
                limit=words.limit(self._rules.limit(order.kind)),
            )
        return say("quota_set", locale, user=order.person, limit=order.limit, kind=words.kind(order.kind),
                   per=words.per())

    async def _usage(self, msg: Incoming, person: Person, admin: bool) -> str:
        """Everyone's use this period for an admin, the caller's own for anyone else; and the shared balance."""
        window = self._quotas.window()
        words, now = self._words(msg), self._quotas.now()
        everyone = await self._quotas.overview(window)
        if admin:
            lines = [words.header(window, now)]
            for who, used in sorted(everyone.items()):
                lines.append(words.line(who, used, await self._limits_of(who)))
            if not everyone:
                lines.append(say("usage_nobody", msg.locale))
        else:
            used = everyone.get(person.key, {})
            lines = [words.own(used, await self._quotas.limits(person.key, False))]
            note = await self.quota_note(msg)
            if note:
                lines.append(note.strip())
        credits = await self._nemo.credits()
        lines.append(say("credits", msg.locale, available=credits.available, frozen=credits.frozen,
                         total=credits.total))
        return "\n".join(lines)

    async def _limits_of(self, who: str) -> Mapping[Kind, int | None]:
        platform, _, ident = who.partition(":")
        return await self._quotas.limits(who, matches(self._rules.admin_users, platform, ident))

    def _words(self, msg: Incoming) -> Wording:
        return Wording(msg.locale, self._rules.quota_period)
