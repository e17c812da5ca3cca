"""Which process starts are alive: this one says so in the store while it runs, so the leases of one that died can be
freed at once instead of after their whole lease (a restart frees its predecessor's, /cancel any chat's)."""

from __future__ import annotations

import asyncio
import logging

from bot.engine.leases import Incarnation, holder_of, settled, stop_if_cancelled
from bot.engine.ports import Lease, ProcessStore
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

BEATS = 3  # heartbeats per heartbeat lifetime: two can fail before a live process looks dead


class Liveness:
    """This process start's heartbeat, and the judge of whether a lease's holder still runs."""

    def __init__(self, store: ProcessStore, me: Incarnation, heartbeat: float) -> None:
        self._store = store
        self._me = me
        self._heartbeat = heartbeat

    async def beat(self) -> None:
        """Say once that this start runs, for one heartbeat's lifetime."""
        await self._store.mark_alive(self._me.start, self._heartbeat)

    async def beating(self) -> None:
        """Say it every third of a heartbeat until cancelled (then say this start has stopped); meanwhile free the
        leases this replica's earlier starts left, as their heartbeats lapse."""
        try:
            while True:
                try:
                    await settled(self._beat_and_free())
                except StoreError as exc:
                    log.warning("could not mark this process alive: %s", exc)
                stop_if_cancelled()
                await asyncio.sleep(self._heartbeat / BEATS)
        finally:
            try:
                await asyncio.shield(self._store.mark_gone(self._me.start))
            except StoreError as exc:
                log.info("could not mark this process gone (its heartbeat lapses by itself): %s", exc)

    async def _beat_and_free(self) -> None:
        await self.beat()
        await self.free_predecessors()

    async def dead(self, owner: str) -> bool:
        """Whether a lease's owner is a process start that no longer runs (an owner of unknown start: not known)."""
        start = holder_of(owner)
        if start is None or start.start == self._me.start:
            return False
        return not await self._store.is_alive(start.start)

    async def free_predecessors(self) -> int:
        """Free every lease held by an earlier start of this replica that is no longer alive; how many were freed."""
        freed = 0
        for lease, owner in await self._store.held_leases():
            start = holder_of(owner)
            if start is not None and start.replica == self._me.replica and await self.dead(owner):
                freed += await lease.release(owner)
        if freed:
            log.info("freed %d lease(s) left by an earlier start of this process", freed)
        return freed

    async def free_if_dead(self, lease: Lease) -> bool:
        """Free `lease` when the process holding it no longer runs; True when it was freed."""
        owner = await lease.holder()
        if owner is None or not await self.dead(owner):
            return False
        freed = await lease.release(owner)
        if freed:
            log.info("freed %r: the process holding it no longer runs", lease)
        return freed
