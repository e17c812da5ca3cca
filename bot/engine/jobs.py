"""The jobs this process runs (agent turns, renders), known to every replica through the store, and stopped from any.

Each job is a task here and a `RunningJob` record in the store, renewed while it runs, so `/cancel` on any replica
sees what runs in the chat and whose it is. A cancel of a job this process runs stops its task at once; one running
elsewhere is put on that replica's cancel list in the store, which it reads several times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from bot.engine.ports import JobStore, Sleep
from bot.engine.tasks import Supervisor
from bot.store.errors import StoreError
from bot.store.keys import ChatKey
from bot.store.models import RunningJob

log = logging.getLogger(__name__)

LABEL_CHARS = 60  # how much of a request a "stopped ..." reply quotes
_CURRENT: ContextVar[str | None] = ContextVar("job", default=None)


def current_job() -> str | None:
    """The id of the job the current task works for (its progress messages' Cancel button stops that one)."""
    return _CURRENT.get()


async def _as_job(job_id: str, work: Coroutine[Any, Any, Any]) -> Any:
    _CURRENT.set(job_id)
    return await work


def label_of(text: str) -> str:
    """A request as a reply may quote it: one line, at most LABEL_CHARS characters."""
    line = " ".join(text.split())
    return line if len(line) <= LABEL_CHARS else line[: LABEL_CHARS - 1] + "…"


def new_job(person: str, user_name: str, label: str, kind: str) -> RunningJob:
    """A job record for work about to start (its liveness is set when it is registered)."""
    return RunningJob(f"job_{uuid.uuid4().hex[:16]}", person, user_name, label_of(label), kind, 0.0)


@dataclass(frozen=True, slots=True)
class Stopped:
    """What a /cancel found in a chat: the jobs it stopped, and those it could not (someone else's)."""

    stopped: tuple[RunningJob, ...]
    refused: tuple[RunningJob, ...]


@dataclass(slots=True)
class _Local:
    chat: ChatKey
    job: RunningJob
    task: asyncio.Task[Any]


class Jobs:
    """Runs jobs as tasks, registered in the store while they run, and stops them when a person asks."""

    def __init__(
        self, store: JobStore, lease: float, supervisor: Supervisor, sleep: Sleep = asyncio.sleep, process: str = "",
    ) -> None:
        self._store = store
        self._lease = lease
        self._supervisor = supervisor
        self._sleep = sleep
        # This process start, as job records, cancels and heartbeats name it.
        self.process = process or f"bot-{uuid.uuid4().hex[:12]}"
        self._local: dict[str, _Local] = {}
        self._stopping: set[asyncio.Task[Any]] = set()  # tasks a person stopped (not the process shutting down)
        self._asked: dict[str, bool] = {}  # jobs a person stopped, until `run` has seen how they ended

    async def run(self, chat: ChatKey, job: RunningJob, work: Coroutine[Any, Any, Any]) -> bool:
        """Run `work` as the job and wait for it; False when a person stopped it (the caller then says nothing more:
        the /cancel reply said what stopped). Cancelling the caller stops the job too."""
        task = await self._start(chat, job, work)
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            await asyncio.wait({task})
            raise
        if task.cancelled():
            if self._asked.pop(job.job_id, False):
                return False
            raise asyncio.CancelledError  # stopped by the process shutting down, not by a person
        task.result()
        return True

    async def spawn(self, chat: ChatKey, job: RunningJob, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` as the job in the background (a render followed while the chat goes on)."""
        return await self._start(chat, job, work)

    async def _start(self, chat: ChatKey, job: RunningJob, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        job = replace(job, alive_until=time.time() + self._lease, process=self.process)
        try:
            # Registered before it starts, so the record never outlives a job that ends at once.
            await self._store.put_running(chat, job)
        except StoreError as exc:
            log.warning("could not register job %s: %s", job.job_id, exc)
        except asyncio.CancelledError:
            work.close()
            raise
        task = self._supervisor.spawn(_as_job(job.job_id, work), name=f"{job.kind}-{job.job_id}")
        self._local[job.job_id] = _Local(chat, job, task)
        task.add_done_callback(lambda _: self._ended(chat, job.job_id))
        return task

    def _ended(self, chat: ChatKey, job_id: str) -> None:
        local = self._local.pop(job_id, None)
        if local is not None:
            self._stopping.discard(local.task)
        self._supervisor.spawn(self._forget(chat, job_id), name=f"forget-{job_id}")

    async def _forget(self, chat: ChatKey, job_id: str) -> None:
        with contextlib.suppress(StoreError):
            await self._store.drop_running(chat, job_id)

    def stopped_by_person(self) -> bool:
        """Whether the current task is a job a person stopped (rather than the process shutting down)."""
        task = asyncio.current_task()
        return task is not None and task in self._stopping

    def here(self, chat: ChatKey) -> list[asyncio.Task[Any]]:
        """The tasks of the chat's jobs this process runs (every topic of it)."""
        return [
            local.task for local in self._local.values()
            if (local.chat.platform, local.chat.chat_id) == (chat.platform, chat.chat_id) and not local.task.done()
        ]

    def stop_here(self, job_id: str) -> bool:
        """Stop a job this process runs, as a person asked; False when it does not run here."""
        local = self._local.get(job_id)
        if local is None or local.task.done():
            return False
        self._stopping.add(local.task)
        self._asked[job_id] = True
        local.task.cancel()
        return True

    def stop_tasks(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Stop these job tasks as a person would (the chat is gone: its renders are cancelled at Nemo too)."""
        for local in self._local.values():
            if local.task in tasks:
                self._asked[local.job.job_id] = True
        for task in tasks:
            self._stopping.add(task)
            task.cancel()

    async def cancel(
        self, chat: ChatKey, person: str, admin: bool, job_id: str = "", running: Sequence[RunningJob] | None = None,
    ) -> Stopped:
        """Stop the chat's running jobs `person` may stop (their own; any, for an admin), wherever they run; with
        `job_id`, that job only. `running`: the chat's jobs, when the caller has just read them."""
        stopped, refused = [], []
        for job in await self._store.running(chat) if running is None else running:
            if job_id and job.job_id != job_id:
                continue
            if not admin and job.person != person:
                refused.append(job)
                continue
            if self.stop_here(job.job_id):
                stopped.append(job)
            elif await self._store.is_alive(job.process):
                await self._store.publish_cancel(job.process, job.job_id)
                stopped.append(job)
            else:
                # Its process died (its work is left to a restart or another replica): nothing runs to be stopped.
                await self._store.drop_running(chat, job.job_id)
        return Stopped(tuple(stopped), tuple(refused))

    async def keep_alive(self) -> None:
        """Renew this process's job records until shutdown, so other replicas see them as running."""
        while True:
            await self._sleep(self._lease / 3)
            until = time.time() + self._lease
            for local in list(self._local.values()):
                if local.task.done():
                    continue
                try:
                    await self._store.put_running(local.chat, replace(local.job, alive_until=until))
                except StoreError as exc:
                    log.warning("could not renew job %s: %s", local.job.job_id, exc)

    async def listen(self, every: float = 0.25) -> None:
        """Stop the jobs other replicas ask this one to stop, looking every `every` seconds until shutdown."""
        while True:
            await self._sleep(every)
            try:
                asked = await self._store.take_cancels(self.process)
            except StoreError as exc:
                log.warning("could not look for cancels: %s", exc)
                await self._sleep(1.0)
                continue
            for job_id in asked:
                if self.stop_here(job_id):
                    log.info("stopped job %s, as asked from another replica", job_id)
