"""The store's part for teams: admins' grants, per-person quotas, and use per quota period (counted atomically)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from redis.asyncio import Redis

from bot.store.atomic import decoded
from bot.store.keys import Keys
from bot.store.models import Grant
from bot.store.seam import operation

# A period's counts outlive its end by a day (a late give-back still finds them), then go.
USAGE_RETENTION = 24 * 3600.0


class TeamRecords:
    """Grants, quotas and use, under the store's prefix; mixed into `RedisStore`, whose client and keys it uses."""

    _redis: Redis
    _keys: Keys

    @operation
    async def get_grant(self, person: str) -> Grant | None:
        """What an admin said about `person` in chat (allow or deny), if anything."""
        return _grant(await self._redis.hget(self._keys.grants(), person))

    @operation
    async def get_grant_and_limits(self, person: str) -> tuple[Grant | None, dict[str, int]]:
        """`get_grant` and `get_limits` in one round trip: the gate reads both for every message."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hget(self._keys.grants(), person)
            pipe.hgetall(self._keys.quotas(person))
            grant, raw = await pipe.execute()
        return _grant(grant), _limits(raw)

    @operation
    async def put_grant(self, person: str, grant: Grant) -> None:
        """Allow or deny `person`, replacing what was said before."""
        await self._redis.hset(self._keys.grants(), person, grant.value)

    @operation
    async def get_limits(self, person: str) -> dict[str, int]:
        """The quotas an admin set for `person`: kind -> limit (kinds not set follow the settings)."""
        return _limits(await self._redis.hgetall(self._keys.quotas(person)))

    @operation
    async def put_limit(self, person: str, kind: str, limit: int | None) -> None:
        """Set `person`'s own limit of `kind`; None puts them back on the settings' default."""
        key = self._keys.quotas(person)
        if limit is None:
            await self._redis.hdel(key, kind)
        else:
            await self._redis.hset(key, kind, str(limit))

    @operation
    async def count_use(
        self, window: str, until: float, person: str, kind: str, amount: int = 1, limit: int | None = None,
    ) -> int | None:
        """Add `amount` to `person`'s use of `kind` in the period `window` (ending at epoch `until`); returns the new
        count. With `limit`, an addition that would pass it is taken back at once and None returned.

        One atomic increment, then a decrement when it went over: of several processes racing at the limit, exactly
        as many pass as it leaves room for.
        """
        key, field = self._keys.usage(window), f"{kind}:{person}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, field, amount)
            pipe.pexpireat(key, round((until + USAGE_RETENTION) * 1000))
            total, _ = await pipe.execute()
        if limit is not None and amount > 0 and int(total) > limit:
            await self._redis.hincrby(key, field, -amount)
            return None
        return int(total)

    @operation
    async def uses(self, window: str) -> dict[str, dict[str, int]]:
        """Everyone's use in the period `window`: person -> kind -> count (people with none are left out)."""
        found: dict[str, dict[str, int]] = {}
        for field, value in _texts(await self._redis.hgetall(self._keys.usage(window))).items():
            kind, _, person = field.partition(":")
            with contextlib.suppress(ValueError):
                if int(value) > 0:
                    found.setdefault(person, {})[kind] = int(value)
        return found


def _grant(raw: bytes | str | None) -> Grant | None:
    """A stored grant; an unreadable one counts as none (the settings decide)."""
    text = decoded(raw)
    with contextlib.suppress(ValueError):
        return None if text is None else Grant(text)
    return None


def _limits(raw: Mapping[bytes | str, bytes | str]) -> dict[str, int]:
    """A person's stored quotas: kind -> limit (unreadable ones left out)."""
    return {kind: int(value) for kind, value in _texts(raw).items() if value.isdigit()}


def _texts(raw: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """A hash as text, whatever the client decodes."""
    return {decoded(key) or "": decoded(value) or "" for key, value in raw.items()}
