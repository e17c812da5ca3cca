"""Export: submit a render, follow it with back-off, and deliver the MP4 exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.engine.config import EngineConfig
from bot.engine.explain import explain
from bot.engine.leases import held
from bot.engine.polling import BackOff, PollSchedule, RenderDurations, RenderPoller, Schedule
from bot.engine.ports import Clock, NemoApi, Sleep, Store
from bot.engine.progress import Progress
from bot.engine.replies import Replies
from bot.i18n import say
from bot.nemo.errors import NemoError, RateLimited, RenderFailed, RenderNotFound, Transient, Unconfirmed
from bot.nemo.models import ProjectState, RenderStatus
from bot.nemo.wire import RenderState
from bot.store.keys import ChatKey
from bot.store.models import DeliveredExport, JobStatus, RenderJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2


def new_render_id() -> str:
    """A fresh, unique render id."""
    return f"render_{uuid.uuid4().hex}"


class Exporter:
    """Runs renders as durable jobs."""

    def __init__(
        self, nemo: NemoApi, store: Store, config: EngineConfig,
        sleep: Sleep = asyncio.sleep, user_cancelled: Callable[[ChatKey], bool] = lambda chat: True,
        clock: Clock = time.monotonic,
    ) -> None:
        self._nemo = nemo
        self._store = store
        self._config = config
        self._sleep = sleep
        self._clock = clock
        self._user_cancelled = user_cancelled
        self._durations = RenderDurations()
        self._schedule = Schedule(
            config.render_poll_initial, config.render_poll_near, config.render_poll_factor, config.render_poll_max,
        )

    async def start(self, job: RenderJob, state: ProjectState, out: Replies) -> None:
        """Save the job, submit the state's draft, and follow it to delivery."""
        async with self._owning(job):
            await self._store.put_render(job)
            progress = await out.start_progress(say("render_started", job.locale))
            await self._submit(job, state, out, progress)

    async def resume(self, job: RenderJob, out: Replies) -> bool:
        """Pick up a job left by a previous process; False while another live process follows it."""
        async with self._owning(job) as mine:
            if not mine:
                return False
            progress = await out.start_progress(say("render_started", job.locale))
            await self.follow(job, out, progress)
            return True

    def _owning(self, job: RenderJob) -> contextlib.AbstractAsyncContextManager[bool]:
        """One process follows a render at a time, so replicas never deliver or report it twice."""
        return held(self._store.render_lease(job.render_id), self._config.lock_lease)

    async def _submit(self, job: RenderJob, state: ProjectState, out: Replies, progress: Progress) -> None:
        try:
            await self._nemo.submit_render(job.session_id, state.draft, job.render_id)
        except Unconfirmed:
            # Unknown whether it arrived: polling tells (an unknown id is submitted then, under the same id).
            log.warning("render %s submit unconfirmed; following it", job.render_id)
        except RenderFailed:
            await self._failed(job, out, progress)
            return
        except NemoError as exc:
            await self._give_up(job, progress, explain(exc, job.locale, self._config.web_url))
            return
        await self.follow(job, out, progress, state)

    async def follow(self, job: RenderJob, out: Replies, progress: Progress, state: ProjectState | None = None) -> None:
        """Poll until the render ends; retry a failed render once with a new id; deliver the result.

        `state`: the project state the render was submitted from, when known (a resumed render fetches it).
        """
        try:
            status = await self._wait(job, progress)
        except RenderFailed:
            await self._failed(job, out, progress)
            return
        except TimeoutError:
            with contextlib.suppress(NemoError):
                await self._nemo.cancel_render(job.render_id)
            await self._give_up(job, progress, say("render_timeout", job.locale))
            return
        except NemoError as exc:
            await self._give_up(job, progress, explain(exc, job.locale, self._config.web_url))
            return
        except asyncio.CancelledError:
            if self._user_cancelled(job.chat_key):
                await self._abandon(job, progress)
            # Otherwise the process is shutting down: the job stays open and the next start resumes it.
            raise
        await self._deliver(job, status, out, progress, state)

    async def _failed(self, job: RenderJob, out: Replies, progress: Progress) -> None:
        await self._store.close_render(job.render_id, JobStatus.FAILED)
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
            await self._submit(retry, state, out, progress)

    async def _give_up(self, job: RenderJob, progress: Progress, text: str) -> None:
        await self._store.close_render(job.render_id, JobStatus.FAILED)
        await progress.finish(text)

    def _poller(self, job: RenderJob) -> PollSchedule:
        if not self._config.render_poll_predict:
            return BackOff(self._schedule)
        # Its start on our clock: a resumed render started before this process did.
        started = self._clock() - max(0.0, time.time() - job.created_at)
        return RenderPoller(self._schedule, started, self._durations.expected())

    async def _wait(self, job: RenderJob, progress: Progress) -> RenderStatus:
        poller = self._poller(job)
        async with asyncio.timeout(self._config.render_timeout):
            while True:
                await self._sleep(poller.delay(self._clock()))
                status = await self._poll(job, poller)
                if status is None:
                    continue
                if status.state is RenderState.COMPLETED:
                    self._durations.add(poller.duration(self._clock()))
                    return status
                if status.state in (RenderState.FAILED, RenderState.CANCELLED):
                    raise RenderFailed(job.render_id, status.error or "render failed")
                poller.observe(self._clock(), status.progress)
                await progress.update(say("render_progress", job.locale, percent=status.progress))

    async def _poll(self, job: RenderJob, poller: PollSchedule) -> RenderStatus | None:
        """The render's status; None after a passing failure (the next poll tries again, later)."""
        try:
            return await self._nemo.render_status(job.render_id)
        except Transient as exc:
            log.warning("polling render %s failed for now: %s", job.render_id, exc)
            poller.failed(rate_limited=isinstance(exc, RateLimited))
            return None
        except RenderNotFound:
            # The job was saved but its submit never arrived (a process died in between): submit it now, same id.
            log.info("render %s unknown to Nemo; submitting it", job.render_id)
            state = await self._nemo.state(job.session_id)
            return await self._nemo.submit_render(job.session_id, state.draft, job.render_id)

    async def _deliver(
        self, job: RenderJob, status: RenderStatus, out: Replies, progress: Progress, state: ProjectState | None,
    ) -> None:
        if state is None:
            state = await self._nemo.state(job.session_id)
        width, height, duration = _dimensions(state)
        path = self._config.workdir / f"{_slug(state.draft.title)}-{job.render_id[-8:]}.mp4"
        try:
            await self._download(job, status, path)
            # Claimed only now, with the file in hand, so a failed download leaves the job to a later try.
            if not await self._store.claim_delivery(job.render_id):
                log.info("render %s was delivered already", job.render_id)
            else:
                await out.send_video(
                    path, width=width, height=height, duration=duration,
                    caption=_caption(job, width, height, duration), link=status.output_url,
                    requester=job.requested_by,
                )
        finally:
            path.unlink(missing_ok=True)
        await self._store.close_render(job.render_id, JobStatus.DELIVERED)
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
                requester=job.requested_by,
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
        with contextlib.suppress(Exception):
            await asyncio.shield(progress.finish(say("cancelled", job.locale)))


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
