"""Holding a lease from the store: one process at a time, renewed while its work runs, its owner naming the process.

Every lease's owner value says which start of which process holds it (`Incarnation`), so a lease left by a process
that died can be told from one a live process holds (`bot.engine.liveness`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.engine.ports import Lease
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")

RENEWALS = 4  # renewals per lease: three can fail before it lapses
FIRST_RETRY = 0.05  # a failed renewal or release is tried again after this long, then after twice as long each time
LAST_RETRY = 2.0  # the longest wait between two tries of a release
_SEPARATOR = "/"

Later = Callable[[Coroutine[Any, Any, None], str], object]
"""Runs a coroutine in the background under a name (`Supervisor.spawn`)."""


@dataclass(frozen=True, slots=True)
class Incarnation:
    """One start of one process: the replica it runs as (its host name) and a random id of this start."""

    replica: str
    start: str

    @classmethod
    def new(cls, replica: str | None = None) -> Incarnation:
        """This process start, on this host unless `replica` names another."""
        name = (replica or socket.gethostname() or "bot").replace(_SEPARATOR, "-")
        return cls(name, uuid.uuid4().hex[:16])

    def owner(self) -> str:
        """A fresh owner value for one lease this start takes."""
        return _SEPARATOR.join((self.replica, self.start, uuid.uuid4().hex[:8]))


def holder_of(owner: str) -> Incarnation | None:
    """The process start an owner value names (None: one written without, by an older version)."""
    parts = owner.split(_SEPARATOR)
    return Incarnation(parts[0], parts[1]) if len(parts) == 3 and all(parts) else None


@dataclass(slots=True)
class Holding:
    """A lease asked for: true when taken; `lost` once the holder learnt that another took it while its work ran."""

    taken: bool
    lost: bool = False
    lapses_at: float = 0.0  # loop time at which the lease runs out unless renewed again

    def __bool__(self) -> bool:
        return self.taken


@contextlib.asynccontextmanager
async def held(lease: Lease, seconds: float, me: Incarnation, later: Later | None = None) -> AsyncIterator[Holding]:
    """Take `lease` for `seconds` as this process start, renewed while the block runs; false when another has it.

    A process that dies stops renewing, so its leases lapse after `seconds` (or sooner: see `bot.engine.liveness`).
    A renewal that fails (the store slow or away) is retried at once with a short back-off, well before the lease
    runs out; a lease that lapsed all the same is taken back when nobody took it meanwhile, and when someone did,
    `Holding.lost` is set and an error logged: the work goes on to report its own outcome, but no longer owns it.
    With `later`, a release that fails is tried again in the background through a store outage until the lease
    would have lapsed anyway, so a short outage never leaves a chat locked for the whole lease, and whoever waits
    on the block (a reply) does not wait for the tries.
    """
    loop = asyncio.get_running_loop()
    owner = me.owner()
    if not await lease.acquire(owner, seconds):
        yield Holding(False)
        return
    holding = Holding(True, lapses_at=loop.time() + seconds)
    keeper = asyncio.create_task(_keep(lease, owner, seconds, holding), name=f"renew-{owner}")
    try:
        yield holding
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await asyncio.shield(lease.release(owner))
        except StoreError as exc:
            if later is None:
                # The lease lapses on its own after `seconds`; the work's own outcome is what the user hears about.
                log.warning("could not release a lease: %s", exc)
            else:
                later(_let_go(lease, owner, holding.lapses_at), f"release-{owner}")


async def _let_go(lease: Lease, owner: str, lapses_at: float) -> None:
    """Release the lease, retrying while the store is unreachable and the lease has not lapsed on its own."""
    loop = asyncio.get_running_loop()
    delay = FIRST_RETRY
    while True:
        try:
            await asyncio.shield(lease.release(owner))
            return
        except StoreError as exc:
            if loop.time() + delay >= lapses_at:
                # The work's own outcome is what the user hears about; the lease lapses now by itself.
                log.warning("could not release a lease before it lapsed: %s", exc)
                return
            log.info("could not release a lease yet, trying again in %.2fs: %s", delay, exc)
        await asyncio.sleep(delay)
        delay = min(delay * 2, LAST_RETRY)


async def _keep(lease: Lease, owner: str, seconds: float, holding: Holding) -> None:
    """Renew the lease every quarter of it until cancelled, or until it is lost to another holder."""
    every = seconds / RENEWALS
    while not holding.lost:
        await asyncio.sleep(every)
        await _renew(lease, owner, seconds, holding, every)
        stop_if_cancelled()


async def _renew(lease: Lease, owner: str, seconds: float, holding: Holding, every: float) -> None:
    """One renewal, tried until it gets an answer: the lease extended, taken back, or found lost."""
    loop = asyncio.get_running_loop()
    pause = FIRST_RETRY
    while True:
        try:
            renewed_at = loop.time()
            if await settled(_extend_or_retake(lease, owner, seconds)):
                holding.lapses_at = renewed_at + seconds
                return
            log.error("lost a lease to another holder while its work ran: %r", lease)
            holding.lost = True
            return
        except StoreError as exc:
            log.warning("could not renew a lease (%s); trying again in %.2f s", type(exc).__name__, pause)
        stop_if_cancelled()
        await asyncio.sleep(pause)
        pause = min(pause * 2, every / 2)  # several tries before the next renewal would have been due


async def _extend_or_retake(lease: Lease, owner: str, seconds: float) -> bool:
    """Extend the lease; one that lapsed (the store was away longer than it) is taken back unless someone has it
    now. False: someone has."""
    if await lease.extend(owner, seconds):
        return True
    if await lease.acquire(owner, seconds):
        log.warning("a lease lapsed while its work ran; taken back: %r", lease)
        return True
    return False


async def settled(call: Coroutine[Any, Any, T]) -> T:
    """Await a store call to its end even when cancelled meanwhile, then raise the cancellation: redis-py can lose
    a connection whose command is cancelled halfway."""
    task = asyncio.ensure_future(call)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what this caller reports
        raise


def stop_if_cancelled() -> None:
    """Raise CancelledError when this task was asked to stop: redis-py may swallow a cancellation that lands inside
    a command (or turn it into a connection error), and a loop around store calls would then never stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
