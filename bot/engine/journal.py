"""The turn journal: each agent turn is recorded in the store while it runs (what was asked, whether it went to the
agent, its progress message), so that if its process dies a live one can close the message and tell what became of
the request (`bot.engine.recovery`).

The record follows the turn through a context variable: the relay notes that the request is about to go out, the
reply layer notes the progress message, and neither knows about the journal otherwise. Only the turn's own task
writes it (a render it starts runs as a job of its own, with its own account).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from bot.engine.intake import taken
from bot.engine.jobs import current_job
from bot.engine.messages import Incoming
from bot.engine.ports import TurnJournalStore
from bot.store.errors import StoreError
from bot.store.keys import ChatKey
from bot.store.models import RunningJob, TurnRecord

log = logging.getLogger(__name__)

DROP_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)  # seconds between tries to close a record: a Redis restart is waited out


@dataclasses.dataclass(slots=True)
class _Entry:
    store: TurnJournalStore
    record: TurnRecord


_ENTRY: ContextVar[_Entry | None] = ContextVar("turn_record", default=None)


def _current() -> _Entry | None:
    entry = _ENTRY.get()
    return entry if entry is not None and entry.record.job_id == current_job() else None


async def note_sent(session_id: str) -> None:
    """The turn's request is about to go to the agent: recorded first (raises StoreError when it cannot be, and then
    it must not go), so a death from here on is never told as "not sent"."""
    entry = _current()
    if entry is None:
        return
    entry.record = dataclasses.replace(entry.record, sent=True, session_id=session_id)
    await entry.store.put_turn(entry.record)


async def note_rendering(render_id: str) -> None:
    """The export's render is about to be recorded (it is resumed from that record): noted first (raises StoreError
    when it cannot be, and then the render must not start), so a death is never told as "not sent" once it runs."""
    entry = _current()
    if entry is None:
        return
    entry.record = dataclasses.replace(entry.record, render_id=render_id)
    await entry.store.put_turn(entry.record)


async def note_card(handle: object) -> None:
    """The turn opened a progress message: kept, so a death leaves it closed rather than saying "working" forever."""
    entry = _current()
    if entry is None or not isinstance(handle, int | str) or isinstance(handle, bool):
        return
    entry.record = dataclasses.replace(entry.record, card=handle)
    try:
        await entry.store.put_turn(entry.record)
    except StoreError as exc:
        log.warning("could not note the progress message of turn %s: %s", entry.record.job_id, exc)


class Journal:
    """Records the turns this process runs, from their start until they end."""

    def __init__(self, store: TurnJournalStore, process: str, stopped_by_person: Callable[[], bool]) -> None:
        self._store = store
        self._process = process
        self._stopped_by_person = stopped_by_person

    async def keeping(self, msg: Incoming, job: RunningJob, work: Awaitable[object], kind: str = "") -> None:
        """Run `work` (the job's task) with its turn recorded; the record goes when it ends, but a turn's stays when
        the process is shutting down, so the next start tells what became of it."""
        await self.following(msg.chat, msg.locale, msg.message_id, job, work, kind)

    async def following(
        self, chat: ChatKey, locale: str, reply_to: str | None, job: RunningJob, work: Awaitable[object],
        kind: str = "",
    ) -> None:
        """As `keeping`, for any job of the chat, of `kind` (default: the job's; a render's record only has its
        card closed after a death, an export's only says when it never got to its render)."""
        record = TurnRecord(
            job.job_id, str(chat), self._process, locale, job.label, reply_to=reply_to, started_at=time.time(),
            kind=kind or job.kind,
        )
        token = _ENTRY.set(_Entry(self._store, record))
        try:
            try:
                await self._store.put_turn(record)
            except StoreError as exc:
                log.warning("could not record turn %s: %s", job.job_id, exc)
            else:
                await taken()  # on record: the inbox the request came through may let it go
            await work
        except asyncio.CancelledError:
            # Shutting down: a render says so on its card and is resumed from its own record; a turn's record stays,
            # for the next start to tell what became of it.
            if self._stopped_by_person() or record.kind == "render":
                await self._drop(job.job_id)
            raise
        except BaseException:
            await self._drop(job.job_id)
            raise
        else:
            await self._drop(job.job_id)
        finally:
            _ENTRY.reset(token)

    async def _drop(self, job_id: str) -> None:
        await asyncio.shield(self._dropping(job_id))

    async def _dropping(self, job_id: str) -> None:
        for delay in (*DROP_DELAYS, None):
            try:
                await self._store.drop_turn(job_id)
                return
            except StoreError as exc:
                if delay is None:
                    # Left behind, it is told about as cut short once this process has ended: say so here.
                    log.warning("could not close the record of turn %s: %s", job_id, exc)
                    return
            await asyncio.sleep(delay)
