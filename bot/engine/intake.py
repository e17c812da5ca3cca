"""Receipts of updates kept in a durable inbox: the adapter hands an update on with its receipt, and the engine
settles the receipt once the request has left a durable trace (its turn record, a place in a queue) or has been
answered, so the inbox lets the update go. Until then the inbox hands it to a live process again
if this one dies, and the engine's dedupe lets that same delivery run again: nothing paid has gone out before it.

A receipt travels in a context variable, so it follows the update into the task the adapter starts for it without
any port or message field knowing about inboxes. An update with no receipt (polling, the console) settles nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from bot.store.errors import StoreError

log = logging.getLogger(__name__)


class Receipt:
    """One update taken from the inbox; `settle` lets the inbox forget it (once, whoever calls first)."""

    def __init__(self, key: str, done: Callable[[], Awaitable[None]]) -> None:
        self.key = key  # this delivery of the update (its inbox entry): an attempt of the same one may run again
        self._done = done
        self.handed = False  # work was started for it that settles the receipt itself
        self.settled = False
        self._with: list[Receipt] = []  # receipts settled with this one (an album's later parts)

    def joined(self, other: Receipt) -> None:
        """Settle `other` when this one is settled: its update is part of this one's request."""
        other.handed = True
        self._with.append(other)

    async def settle(self) -> None:
        """The update was taken: acknowledge it in the inbox. A failure leaves it there, to be handed on again after
        a lease, when the engine's dedupe ignores it."""
        if self.settled:
            return
        self.settled = True
        try:
            await self._done()
        except StoreError as exc:
            log.warning("could not let an update go from the inbox: %s", exc)
        for other in self._with:
            await other.settle()


_RECEIPT: ContextVar[Receipt | None] = ContextVar("receipt", default=None)


@contextlib.contextmanager
def carrying(receipt: Receipt) -> Iterator[Receipt]:
    """Hand an update on with `receipt`: tasks started meanwhile carry it."""
    token = _RECEIPT.set(receipt)
    try:
        yield receipt
    finally:
        _RECEIPT.reset(token)


def handed_over() -> None:
    """Say that work was started for the current update that settles its receipt when the message is on record."""
    receipt = _RECEIPT.get()
    if receipt is not None:
        receipt.handed = True


def current() -> Receipt | None:
    """The receipt of the update being handed on now (None: it came without one)."""
    return _RECEIPT.get()


def delivery() -> str:
    """The current update's delivery (its inbox entry), or "" when it came without a receipt."""
    receipt = _RECEIPT.get()
    return receipt.key if receipt is not None else ""


async def taken() -> None:
    """The current request has left a durable trace (or was answered, seen before, or refused): the inbox may let
    its update go."""
    receipt = _RECEIPT.get()
    if receipt is not None:
        await receipt.settle()
