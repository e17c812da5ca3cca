"""Export: submit a render, follow it with back-off, and deliver the MP4 exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

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
from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import DeliveredExport, DeliveryRecord, DeliveryState, JobStatus, RenderJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
STORE_PATIENCE = 300.0  # seconds a store write after a sent video is tried for (a Redis restart takes less)
DOWNLOAD_ATTEMPTS = 4  # tries to fetch a finished render's file, 2 s, 4 s and 8 s apart at the default timings
_T = TypeVar("_T")

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
        # Who claims deliveries: the log of a possible duplicate names the process that began the unconfirmed send.
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
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
        lease = self._store.render_lease(job.render_id)
        async with held(lease, self._config.lock_lease, self._config.incarnation) as mine:
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
            else:
                # The process is shutting down: the job stays open and the next start resumes it (with a new card).
                with contextlib.suppress(Exception):
                    await asyncio.shield(progress.finish(say("render_after_restart", job.locale)))
            raise
        await self._deliver_or_explain(job, status, out, progress)

    async def _deliver_or_explain(self, job: RenderJob, status: RenderStatus, out: Replies, progress: Progress) -> None:
        try:
            await self._deliver(job, status, out, progress)
        except SessionNotFound:
            raise
        except asyncio.CancelledError:
            # /cancel while the video was fetched or sent: the job ends here, not in a replica's later delivery.
            if self._user_cancelled(job.chat_key):
                await self._abandon(job, progress)
            raise
        except NemoError as exc:
            # A download that failed for now was tried again already (see _patiently): the person is told to export
            # again, so the job is closed rather than left for a replica to fetch again, and deliver twice.
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
        state = self._submitted.get(job.render_id)
        if state is None:
            state = await self._patiently(job, "reading the project", lambda: self._nemo.state(job.session_id))
        width, height, duration = _dimensions(state)
        before = await self._store.get_delivery(job.render_id)
        if before is not None and before.state is DeliveryState.SENT:
            log.info("render %s was delivered already (confirmed by %s)", job.render_id, before.owner)
        else:
            path = self._config.workdir / f"{_slug(state.draft.title)}-{job.render_id[-8:]}.mp4"
            try:
                # Fetched before the claim, so a failed download leaves no claim behind.
                await self._patiently(job, "downloading", lambda: self._download(job, status, path))
                async with self._claimed(job, before) as mine:
                    if mine:
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
        await self._kept(job, "closing the job", lambda: self._store.close_render(job.render_id, JobStatus.DELIVERED))
        self._events.render_ended(job.platform, RenderOutcome.DELIVERED)
        if job.fingerprint:
            delivered = DeliveredExport(
                job.fingerprint, job.render_id, status.output_url, width, height, duration, state.draft.title,
            )
            await self._kept(
                job, "keeping the video", lambda: self._store.put_last_export(job.chat_key, job.session_id, delivered),
            )
        await progress.finish(say("render_done", job.locale))

    async def _kept(self, job: RenderJob, what: str, write: Callable[[], Awaitable[object]]) -> None:
        """A store write after the video went out, tried again while the store is away (a Redis restart): the
        person has the video, so no failure here may read as "try again". Given up after STORE_PATIENCE seconds
        (logged): a job left open then is resumed later, and its confirmed delivery is not sent again."""
        delay, waited = self._config.render_poll_initial, 0.0
        while True:
            try:
                await write()
                return
            except StoreUnavailable as exc:
                if waited >= STORE_PATIENCE:
                    log.error("render %s: gave up %s after the video was sent: %s", job.render_id, what, exc)
                    return
                log.warning("render %s: %s failed for now (%s); trying again", job.render_id, what, exc)
            await self._sleep(delay)
            waited += delay
            delay = min(delay * 2, self._config.render_poll_max)

    @contextlib.asynccontextmanager
    async def _claimed(self, job: RenderJob, before: DeliveryRecord | None) -> AsyncIterator[bool]:
        """Claim the delivery, let the block send the video, confirm it: a crash between any two steps leaves a
        claim without a confirmation, and whoever resumes the job sends again. Yields False when it is confirmed
        already (nothing to send)."""
        claim = await self._store.claim_delivery(job.render_id, self._owner, time.time())
        if claim.state is DeliveryState.SENT:
            log.info("render %s was delivered already (confirmed by %s)", job.render_id, claim.owner)
            yield False
            return
        if claim.sends > 1:
            # Whether that upload reached the chat cannot be asked of the platform: this send may post it twice.
            owner, since = (before.owner, before.since) if before is not None else ("another process", 0.0)
            log.warning(
                "render %s: a send begun by %s at %s was never confirmed; sending again, a possible duplicate "
                "(send %d)", job.render_id, owner, _when(since), claim.sends,
            )
        yield True
        await self._kept(job, "confirming the delivery", lambda: self._store.confirm_delivery(
            job.render_id, self._owner, time.time(),
        ))

    async def join(self, job: RenderJob, out: Replies) -> bool:
        """Join an open render of the same timeline in the chat instead of rendering it again: follow it here, or
        leave it to the process that follows it; False when there is none."""
        if not job.fingerprint:
            return False
        same = [
            other for other in await self._store.open_renders_in(job.chat_key)
            if (other.session_id, other.fingerprint) == (job.session_id, job.fingerprint)
        ]
        if not same:
            return False
        await out.send_text(say("export_joined", job.locale))
        for other in same:
            if not await self.resume(other, out):
                log.info("render %s is followed elsewhere; the export joined it", other.render_id)
        return True

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

    async def _patiently(self, job: RenderJob, what: str, call: Callable[[], Awaitable[_T]]) -> _T:
        """Read what a finished render needs (its project, its file), trying a passing failure again after a growing
        pause: the render is made, so reading again costs nothing, and the job stays the one open job of its
        timeline meanwhile."""
        delay = self._config.render_poll_initial
        for attempt in range(1, DOWNLOAD_ATTEMPTS):
            try:
                return await call()
            except Transient as exc:
                log.warning("%s of render %s failed for now (try %d): %s", what, job.render_id, attempt, exc)
            await self._sleep(delay)
            delay = min(delay * 2, self._config.render_poll_max)
        return await call()

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


def _when(stamp: float) -> str:
    """A claim's time for the log, in UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(stamp)) if stamp else "an unknown time"


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _caption(job: RenderJob, width: int, height: int, duration: float) -> str:
    if job.requested_by:
        return say("video_caption_for", job.locale, name=job.requested_by, duration=duration)
    return say("video_caption", job.locale, duration=duration, width=width, height=height)
