"""The store's part for the turn journal: the agent turns running now on any replica, one hash field each, so a turn
whose process died can be told about by a live one. Whoever deletes a dead turn's field tells its story, once."""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from bot.store.atomic import decoded
from bot.store.errors import CorruptRecord
from bot.store.keys import Keys
from bot.store.models import TurnRecord
from bot.store.seam import operation

log = logging.getLogger(__name__)


class JournalRecords:
    """Turns running now, under the store's prefix; mixed into `RedisStore`."""

    _redis: Redis
    _keys: Keys

    @operation
    async def put_turn(self, turn: TurnRecord) -> None:
        """Record (or update) a running turn."""
        await self._redis.hset(self._keys.turns(), turn.job_id, turn.to_json())

    @operation
    async def drop_turn(self, job_id: str) -> bool:
        """The turn is over (or about to be told about); False when it was gone already."""
        return bool(await self._redis.hdel(self._keys.turns(), job_id))

    @operation
    async def turns(self) -> list[TurnRecord]:
        """Every turn recorded as running, on any replica; unreadable records are dropped on the way."""
        found = []
        for job_id, text in (await self._redis.hgetall(self._keys.turns())).items():
            try:
                found.append(TurnRecord.from_json(decoded(text) or ""))
            except CorruptRecord:
                log.warning("a turn record could not be read; it is dropped")
                await self._redis.hdel(self._keys.turns(), job_id)
        return found
