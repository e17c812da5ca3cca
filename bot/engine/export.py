"""Export: submit a render, follow it with back-off, and deliver the MP4 exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from bot import logfields
from bot.engine.card import CardMaker
from bot.engine.config import EngineConfig
from bot.engine.explain import Operation, explain
from bot.engine.leases import held
from bot.engine.polling import Polling, RenderPolls, Schedule
from bot.engine.ports import Clock, NemoApi, RenderOutcome, Sleep, Store, Telemetry
from bot.engine.progress import Progress
from bot.engine.replies import Replies
from bot.engine.telemetry import QUIET
from bot.i18n import say
from bot.nemo.draft import Draft
from bot.nemo.errors import (
    NemoError,
    RateLimited,
    RenderFailed,
    RenderNotFound,
    SessionNotFound,
    Transient,
    Unconfirmed,
)
from bot.nemo.models import ProjectState, RenderStatus
from bot.nemo.wire import RenderState
from bot.store.keys import ChatKey
from bot.store.models import DeliveredExport, JobStatus, RenderJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2

ReplaceSession = Callable[[ChatKey, str, str], Awaitable[object]]
"""Gives a chat a new session in place of one that expired: (chat, locale, the expired session's id)."""


def new_render_id() -> str:
    """A fresh, unique render id."""
    return f"render_{uuid.uuid4().hex}"


class Exporter:
    """Runs renders as durable jobs."""

    def __init__(
        self, nemo: NemoApi, store: Store, config: EngineConfig, replace_session: ReplaceSession,
        sleep: Sleep = asyncio.sleep, user_cancelled: Callable[[ChatKey], bool] = lambda chat: True,
        events: Telemetry = QUIET, clock: Clock = time.monotonic,
    ) -> None:
        self._nemo = nemo
        self._store = store
        self._config = config
        self._replace_session = replace_session
        self._sleep = sleep
        self._user_cancelled = user_cancelled
        self._following: set[str] = set()
        self._events = events
        self._polls = RenderPolls(
            Schedule(config.render_poll_initial, config.render_poll_near, config.render_poll_factor,
                     config.render_poll_max),
            predict=config.render_poll_predict, clock=clock,
        )
        self._submitted: dict[str, ProjectState] = {}  # render id -> the state it was submitted from, while followed

    async def start(
        self, job: RenderJob, state: ProjectState, out: Replies, submitted: asyncio.Event | None = None,
    ) -> None:
        """Save the job, submit the state's draft, and follow it to delivery; `submitted` is set once Nemo has the
        render (or it could not be submitted), when the chat may go on while the render is followed."""
        draft = state.draft
        try:
            async with self._owning(job):
                self._submitted[job.render_id] = state  # delivery needs no second fetch of it
                await self._store.put_render(job)
                progress = await self._card(job, out)
                with self._events.working("render"):
                    async with self._expiring(job, progress):
                        await self._submit(job, draft, out, progress, submitted)
        finally:
            if submitted is not None:
                submitted.set()

    async def resume(self, job: RenderJob, out: Replies) -> bool:
        """Pick up a job left by a previous process; False while another live process follows it."""
        async with self._owning(job) as mine:
            if not mine:
                return False
            current = await self._store.get_render(job.render_id)
            if current is None or not current.status.is_open:
                return True  # its follower finished it while this process waited for the lease
            progress = await self._card(job, out)
            with self._events.working("render"):
                async with self._expiring(job, progress):
                    await self.follow(job, out, progress)
            return True

    @contextlib.asynccontextmanager
    async def _expiring(self, job: RenderJob, progress: Progress) -> AsyncIterator[None]:
        """Session gone (1002) at any step of the render: the draft lived in it, so nothing of it can be exported."""
        try:
            yield
        except SessionNotFound:
            log.info("render %s: its session %s expired", job.render_id, job.session_id)
            await self._store.close_render(job.render_id, JobStatus.FAILED)
            try:
                await self._replace_session(job.chat_key, job.locale, job.session_id)
            except NemoError as exc:
                await progress.finish(self._explain(exc, job))
                return
            await progress.finish(say("render_project_expired", job.locale))

    @staticmethod
    async def _card(job: RenderJob, out: Replies) -> Progress:
        """The job's progress card, waiting until the first poll says more; timed from when the export was asked
        for (a render resumed after a restart has been under way since then)."""
        cards = CardMaker(job.locale, started_at=job.created_at)
        return await out.start_card(cards, cards.waiting())

    def follows(self, render_id: str) -> bool:
        """Whether this process follows the render now."""
        return render_id in self._following

    @contextlib.asynccontextmanager
    async def _owning(self, job: RenderJob) -> AsyncIterator[bool]:
        """One process follows a render at a time, so replicas never deliver or report it twice."""
        async with held(self._store.render_lease(job.render_id), self._config.lock_lease) as mine:
            if not mine:
                yield False
                return
            self._following.add(job.render_id)
            try:
                yield True
            finally:
                self._following.discard(job.render_id)
                self._submitted.pop(job.render_id, None)

    async def _submit(
        self, job: RenderJob, draft: Draft, out: Replies, progress: Progress, submitted: asyncio.Event | None = None,
    ) -> None:
        try:
            await self._nemo.submit_render(job.session_id, draft, job.render_id)
        except Unconfirmed:
            # Unknown whether it arrived: polling tells (an unknown id is submitted then, under the same id).
            log.warning("render %s submit unconfirmed; following it", job.render_id)
        except RenderFailed:
            await self._failed(job, out, progress)
            return
        except SessionNotFound:
            raise  # the project is gone, not just this render: see _expiring
        except NemoError as exc:
            await self._give_up(job, progress, self._explain(exc, job))
            return
        except asyncio.CancelledError:
            # Cancelled while the submit was on its way: it may have arrived, so it is stopped at Nemo too.
            if self._user_cancelled(job.chat_key):
                await self._abandon(job, progress)
            raise
        if submitted is not None:
            submitted.set()
        await self.follow(job, out, progress)

    async def follow(self, job: RenderJob, out: Replies, progress: Progress) -> None:
        """Poll until the render ends; retry a failed render once with a new id; deliver the result."""
        logfields.bind_render(job.render_id, job.chat_key)
        try:
            status = await self._wait(job, progress)
        except RenderFailed:
            await self._failed(job, out, progress)
            return
        except TimeoutError:
            with contextlib.suppress(NemoError):
                await self._nemo.cancel_render(job.render_id)
            await self._give_up(job, progress, say("render_timeout", job.locale), RenderOutcome.TIMED_OUT)
            return
        except SessionNotFound:
            raise  # the project is gone, not just this render: see _expiring
        except NemoError as exc:
            await self._give_up(job, progress, self._explain(exc, job))
            return
        except asyncio.CancelledError:
            if self._user_cancelled(job.chat_key):
                await self._abandon(job, progress)
            # Otherwise the process is shutting down: the job stays open and the next start resumes it.
            raise
        try:
            await self._deliver(job, status, out, progress)
        except SessionNotFound:
            raise
        except Transient as exc:
            # The video is made and the job stays open: the next start fetches it again.
            await progress.finish(self._explain(exc, job))
        except NemoError as exc:
            await self._give_up(job, progress, self._explain(exc, job))

    def _explain(self, exc: NemoError, job: RenderJob) -> str:
        return explain(exc, job.locale, self._config.web_url, during=Operation.EXPORT)

    async def _failed(self, job: RenderJob, out: Replies, progress: Progress) -> None:
        await self._store.close_render(job.render_id, JobStatus.FAILED)
        self._events.render_ended(job.platform, RenderOutcome.FAILED)
        if job.attempt >= MAX_ATTEMPTS:
            await progress.finish(say("render_failed", job.locale))
            return
        await progress.update(say("render_retry", job.locale))
        state = await self._nemo.state(job.session_id)
        retry = replace(
            job, render_id=new_render_id(), attempt=job.attempt + 1, created_at=time.time(),
            fingerprint=state.draft.fingerprint,
        )
        async with self._owning(retry):
            await self._store.put_render(retry)
            await self._submit(retry, state.draft, out, progress)

    async def _give_up(
        self, job: RenderJob, progress: Progress, text: str, outcome: RenderOutcome = RenderOutcome.ERROR,
    ) -> None:
        await self._store.close_render(job.render_id, JobStatus.FAILED)
        self._events.render_ended(job.platform, outcome)
        await progress.finish(text)

    async def _wait(self, job: RenderJob, progress: Progress) -> RenderStatus:
        polls = self._polls.of(job.created_at)  # when to poll: bot/engine/polling.py
        async with asyncio.timeout(self._config.render_timeout):
            while True:
                await self._sleep(polls.delay())
                status = await self._poll(job, polls)
                if status is not None:
                    if status.state is RenderState.COMPLETED:
                        polls.completed()
                        return status
                    if status.state in (RenderState.FAILED, RenderState.CANCELLED):
                        raise RenderFailed(job.render_id, status.error or "render failed")
                    polls.saw(status.progress)
                    await _show(progress, status, job.locale)

    async def _poll(self, job: RenderJob, polls: Polling) -> RenderStatus | None:
        """The render's status; None after a passing failure (the next poll tries again, later)."""
        try:
            return await self._nemo.render_status(job.render_id)
        except Transient as exc:
            log.warning("polling render %s failed for now: %s", job.render_id, exc)
            polls.failed(rate_limited=isinstance(exc, RateLimited))
            return None
        except RenderNotFound:
            # The job was saved but its submit never arrived (a process died in between): submit it now, same id.
            log.info("render %s unknown to Nemo; submitting it", job.render_id)
            state = await self._nemo.state(job.session_id)
            return await self._nemo.submit_render(job.session_id, state.draft, job.render_id)

    async def _deliver(self, job: RenderJob, status: RenderStatus, out: Replies, progress: Progress) -> None:
        completed = time.monotonic()
        state = self._submitted.get(job.render_id) or await self._nemo.state(job.session_id)
        width, height, duration = _dimensions(state)
        path = self._config.workdir / f"{_slug(state.draft.title)}-{job.render_id[-8:]}.mp4"
        try:
            await self._download(job, status, path)
            # Claimed only now, with the file in hand, so a failed download leaves the job to a later try.
            if not await self._store.claim_delivery(job.render_id):
                log.info("render %s was delivered already", job.render_id)
            else:
                if progress.cards is not None:
                    await progress.show(progress.cards.uploading())
                await out.send_video(
                    path, width=width, height=height, duration=duration,
                    caption=_caption(job, width, height, duration), link=status.output_url,
                    requester=job.requested_by, title=state.draft.title or "",
                )
                self._events.video_posted(job.platform, time.monotonic() - completed)
        finally:
            path.unlink(missing_ok=True)
        await self._store.close_render(job.render_id, JobStatus.DELIVERED)
        self._events.render_ended(job.platform, RenderOutcome.DELIVERED)
        if job.fingerprint:
            delivered = DeliveredExport(
                job.fingerprint, job.render_id, status.output_url, width, height, duration, state.draft.title,
            )
            await self._store.put_last_export(job.chat_key, job.session_id, delivered)
        await progress.finish(say("render_done", job.locale))

    async def again(self, job: RenderJob, last: DeliveredExport, out: Replies) -> bool:
        """Send the last delivered video of an unchanged timeline again; False when its file cannot be had."""
        path = self._config.workdir / f"{_slug(last.title)}-{last.render_id[-8:]}.mp4"
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            try:
                if last.output_url:
                    await self._nemo.download(last.output_url, path)
                else:
                    await self._nemo.download_render(last.render_id, path)
            except NemoError as exc:
                # The old file may be gone from the CDN: a new render is the way to the video then.
                log.info("the last video of render %s could not be fetched again: %s", last.render_id, exc)
                return False
            await out.send_text(say("export_unchanged", job.locale))
            await out.send_video(
                path, width=last.width, height=last.height, duration=last.duration,
                caption=_caption(job, last.width, last.height, last.duration), link=last.output_url,
                requester=job.requested_by, title=last.title or "",
            )
        finally:
            path.unlink(missing_ok=True)
        return True

    async def _download(self, job: RenderJob, status: RenderStatus, path: Path) -> int:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        if status.output_url:
            return await self._nemo.download(status.output_url, path)
        return await self._nemo.download_render(job.render_id, path)

    async def _abandon(self, job: RenderJob, progress: Progress) -> None:
        """A person cancelled: stop the render at Nemo and close the job."""
        with contextlib.suppress(Exception):
            await asyncio.shield(self._nemo.cancel_render(job.render_id))
        await asyncio.shield(self._store.close_render(job.render_id, JobStatus.FAILED))
        self._events.render_ended(job.platform, RenderOutcome.CANCELLED)
        with contextlib.suppress(Exception):
            await asyncio.shield(progress.finish(say("cancelled", job.locale)))


async def _show(progress: Progress, status: RenderStatus, locale: str) -> None:
    """A poll's news on the job's card: its place in line while it waits, else the bar and the time left."""
    cards = progress.cards
    if cards is None:
        await progress.update(say("render_progress", locale, percent=status.progress))
    elif status.state is RenderState.PENDING:
        await progress.show(cards.waiting(status.queue))
    else:
        await progress.show(cards.rendering(status.progress))


def _dimensions(state: ProjectState) -> tuple[int, int, float]:
    """Width, height and seconds of the rendered video, from the draft or else the canvas."""
    draft = state.draft
    width = draft.width or _int(state.canvas.get("width")) or 1920
    height = draft.height or _int(state.canvas.get("height")) or 1080
    return width, height, draft.duration_ms / 1000


def _slug(title: str | None) -> str:
    """A file-name-safe form of the video's title (`Red Panda` -> `red-panda`)."""
    words = re.findall(r"\w+", (title or "").lower())
    return "-".join(words)[:40].strip("-") or "video"


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _caption(job: RenderJob, width: int, height: int, duration: float) -> str:
    if job.requested_by:
        return say("video_caption_for", job.locale, name=job.requested_by, duration=duration)
    return say("video_caption", job.locale, duration=duration, width=width, height=height)
