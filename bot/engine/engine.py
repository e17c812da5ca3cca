"""The conversation engine: one Nemo session per chat, intents routed, turns serialized, renders delivered."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot import logfields
from bot.engine.charts import chart_of
from bot.engine.config import MAX_PROMPT_CHARS, EngineConfig
from bot.engine.drawing import Drawing
from bot.engine.explain import Operation, explain
from bot.engine.export import Exporter, new_render_id
from bot.engine.gui import Translated
from bot.engine.leases import held
from bot.engine.messages import Action, Attachment, Incoming
from bot.engine.metered import Metered
from bot.engine.ports import Clock, Load, NemoApi, Outgoing, Pictures, Platform, Sleep, Store, Telemetry
from bot.engine.refusals import ChatGone
from bot.engine.relay import Relay
from bot.engine.replies import Replies, ReplyLayer
from bot.engine.routing import Intent, Route, route
from bot.engine.tasks import Supervisor
from bot.engine.team import Team
from bot.engine.telemetry import QUIET, reporting_failures
from bot.engine.turns import Turns
from bot.i18n import say, timeline
from bot.i18n.tables import GuiAction
from bot.nemo.draft import summarize
from bot.nemo.errors import NemoError, SessionNotFound
from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession, JobStatus, RenderJob

log = logging.getLogger(__name__)

STALE_RENDER = 24 * 3600.0  # a render older than a day is not worth resuming: its output may be gone
MAX_OFFERS = 3  # edits offered for one tap after one reply: more would bury the conversation

# What a request's failure interrupted, when its endpoint does not say (bot.engine.explain).
_DURING = {Intent.EXPORT: Operation.EXPORT, Intent.STATUS: Operation.STATUS, Intent.CREDITS: Operation.CREDITS}


class Engine:
    """Turns normalized messages into Nemo calls and replies."""

    def __init__(
        self, nemo: NemoApi, store: Store, config: EngineConfig,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep, events: Telemetry = QUIET,
        pictures: Pictures | None = None,
    ) -> None:
        # Every call to Nemo goes through the meter, so quotas count only what Nemo worked on.
        self._nemo = nemo = Metered(nemo)
        self._store = store
        self._team = Team(nemo, store, config.team, events=events)
        self._sleep = sleep
        self._config = config
        self._events = events
        self.background = Supervisor()
        self._relay = Relay(nemo, store, config, clock, sleep, events, self.background)
        self._cancelling: set[ChatKey] = set()
        self._turns = Turns(nemo, store, config)
        self._exporter = Exporter(
            nemo, store, config, self._turns.replace, sleep, user_cancelled=self._cancelling.__contains__,
            events=events,
        )
        self._running: dict[ChatKey, asyncio.Task[None]] = {}
        self._resumed: dict[str, tuple[ChatKey, asyncio.Task[Any]]] = {}  # render id -> its chat, its follower
        self.replies = ReplyLayer(self.background, clock, Drawing(pictures, config.workdir / "pictures"))

    async def handle(self, msg: Incoming, chat: Outgoing) -> None:
        """Handle one message; never raises (every failure becomes a friendly reply)."""
        logfields.bind_message(msg.chat)
        out = self.replies.to(msg.chat, chat, msg.locale)
        during = Operation.AGENT
        try:
            if msg.message_id and not await self._store.first_sighting(msg.chat, msg.message_id):
                log.info("ignoring a message seen before in %s", msg.chat)
                return
            decision = route(msg.text, bool(msg.attachments))
            during = _DURING.get(decision.intent, Operation.AGENT)
            self._events.message_in(msg.chat.platform, decision.intent.value)
            if msg.truncated or decision.size > MAX_PROMPT_CHARS:
                await out.send_text(say("prompt_too_long", msg.locale, limit=MAX_PROMPT_CHARS), private=True)
                return
            async with self._team.gate(msg, decision, out) as admitted:
                if admitted:
                    await self._dispatch(msg, decision, out)
        except ChatGone as exc:
            log.info("stopped replying in %s: %s", msg.chat, exc)
        except NemoError as exc:
            log.warning("nemo error in %s: %s", msg.chat, exc)
            await self._tell(out, explain(exc, msg.locale, self._config.web_url, during=during))
        except StoreUnavailable as exc:
            log.warning("store unavailable in %s: %s", msg.chat, exc)
            await self._tell(out, say("store_unavailable", msg.locale))
        except Exception:
            log.exception("handler failed in %s", msg.chat)
            await self._tell(out, say("error_internal", msg.locale))

    async def resume(self, platforms: Mapping[str, Platform]) -> int:
        """Resume every unfinished render left by a previous process, and keep adopting those whose follower dies
        while this one runs (another replica killed); returns how many were picked up now."""
        found = await self._pick_up(platforms)
        self.background.watch(self._adopting(dict(platforms)), name="adopt-renders")
        return found

    async def _adopting(self, platforms: Mapping[str, Platform]) -> None:
        """Every half lease, pick up open renders nobody here follows: one whose follower died is taken over once
        its lease lapses (the waiting task retries every half lease), so within one lease of the lapse."""
        while True:
            await self._sleep(self._config.lock_lease / 2)
            try:
                await self._pick_up(platforms)
            except StoreUnavailable as exc:
                log.warning("could not look for renders to take over: %s", exc)

    async def _pick_up(self, platforms: Mapping[str, Platform]) -> int:
        jobs = [
            job for job in await self._store.open_renders()
            if job.platform in platforms and job.render_id not in self._resumed
            and not self._exporter.follows(job.render_id)
        ]
        stale = [job for job in jobs if job.created_at < time.time() - STALE_RENDER]
        for job in stale:
            log.warning("render %s is too old to resume; closing it", job.render_id)
            await self._store.close_render(job.render_id, JobStatus.FAILED)
        jobs = [job for job in jobs if job not in stale]
        for job in jobs:
            chat = job.chat_key
            out = self.replies.to(chat, platforms[job.platform].outgoing(chat, job.reply_to, job.locale), job.locale)
            task = self.background.spawn(self._resume_one(job, out), name=f"resume-{job.render_id}")
            self._resumed[job.render_id] = (chat, task)
            task.add_done_callback(functools.partial(self._resume_done, job.render_id))
        return len(jobs)

    def _resume_done(self, render_id: str, task: asyncio.Task[Any]) -> None:
        self._resumed.pop(render_id, None)

    async def chat_moved(self, old: ChatKey, new: ChatKey) -> None:
        """The chat now has another id (a Telegram group upgraded to a supergroup): its project and renders follow."""
        if await self._store.move_chat(old, new):
            log.info("chat %s moved to %s", old, new)

    async def chat_gone(self, chat: ChatKey) -> None:
        """The bot may no longer post in the chat (blocked, removed): its turns and renders stop, nothing is retried.

        Every topic of the chat is closed; open renders are cancelled at Nemo and closed as failed, here and in
        the store (for renders another process follows, or resumes later).
        """
        def here(key: ChatKey) -> bool:
            return (key.platform, key.chat_id) == (chat.platform, chat.chat_id)

        work = [(key, task) for key, task in self._running.items() if here(key)]
        work += [(key, task) for key, task in self._resumed.values() if here(key)]
        work = [(key, task) for key, task in work if not task.done() and task is not asyncio.current_task()]
        for key, task in work:
            self._cancelling.add(key)  # as a /cancel: the render is stopped at Nemo and its job closed
            task.cancel()
        if work:
            await asyncio.wait({task for _, task in work})
        for key, _ in work:
            self._cancelling.discard(key)
        for job in await self._store.open_renders():
            if here(job.chat_key):
                await self._store.close_render(job.render_id, JobStatus.FAILED)
        log.info("closed the open work of %s: the bot can no longer post there", chat)

    async def _resume_one(self, job: RenderJob, out: Replies) -> None:
        try:
            # Another live process may be following this render: wait for its lease to lapse or the job to end.
            while not await self._exporter.resume(job, out):
                await self._sleep(self._config.lock_lease / 2)
                current = await self._store.get_render(job.render_id)
                if current is None or not current.status.is_open:
                    return
        except ChatGone as exc:
            log.info("render %s has nowhere to go: %s", job.render_id, exc)
            await self._store.close_render(job.render_id, JobStatus.FAILED)
        except NemoError as exc:
            await self._store.close_render(job.render_id, JobStatus.FAILED)
            await self._tell(out, explain(exc, job.locale, self._config.web_url, during=Operation.EXPORT))
        except StoreUnavailable as exc:
            # The job stays open in the store, so the next start resumes it.
            log.warning("store unavailable resuming render %s: %s", job.render_id, exc)
            await self._tell(out, say("store_unavailable", job.locale))

    async def _dispatch(self, msg: Incoming, decision: Route, out: Replies) -> None:
        intent = decision.intent
        if intent in (Intent.HELP, Intent.START):
            await out.send_text(say("help", msg.locale, limit_mb=self._config.max_upload_mb))
            if intent is Intent.START:
                await self._locked(msg, out, self._turns.session)
        elif intent is Intent.CANCEL:
            await self._cancel(msg, out)
        elif intent is Intent.CREDITS:
            credits = await self._nemo.credits()
            await out.send_text(
                say("credits", msg.locale, available=credits.available, frozen=credits.frozen, total=credits.total)
                + await self._team.quota_note(msg)
            )
        elif intent is Intent.STATUS:
            await self._status(msg, out)
        elif intent is Intent.NEW:
            await self._locked(msg, out, self._new)
        elif intent is Intent.APPLY:
            await self._locked(msg, out, lambda m, o: self._apply(m, decision, o))
        elif intent is Intent.AGENT and not decision.text.strip():
            await out.send_text(say("video_usage", msg.locale))
        else:
            await self._locked(msg, out, lambda m, o: self._work(m, decision, o))

    async def _work(self, msg: Incoming, decision: Route, out: Replies) -> None:
        items: tuple[Attachment, ...] = ()
        if decision.intent is not Intent.EXPORT:
            screened = await self._turns.screen(msg, decision, out)
            if screened is None:
                return
            items = screened
        session = await self._turns.session(msg, out)
        try:
            await self._work_in(session, msg, decision, items, out)
        except SessionNotFound:
            await self._restart(msg, decision, items, out)

    async def _restart(self, msg: Incoming, decision: Route, items: tuple[Attachment, ...], out: Replies) -> None:
        """The project expired (1002): a new one, the person told once, and the request carried on where it is free."""
        session = await self._turns.replace(msg.chat, msg.locale)
        if decision.intent is Intent.EXPORT:
            # The draft lived in the old session: the new one has nothing to render, and rendering is not re-asked.
            await out.send_text(say("render_project_expired", msg.locale))
            return
        await out.send_text(say("session_restarted", msg.locale))
        # Carrying on charges nothing twice. Uploads are free. An agent turn lets SessionNotFound out only from the
        # state read before it or from /run_sse refusing the message at the HTTP/envelope level, before the stream
        # began (the client raises refusals only then; once events flow, failures are StreamDropped or NemoTimeout,
        # and the relay's own checks after the turn never raise): so the message was not taken, and is sent again.
        await self._work_in(session, msg, decision, items, out)

    async def _work_in(
        self, session: ChatSession, msg: Incoming, decision: Route, items: tuple[Attachment, ...], out: Replies,
    ) -> None:
        if decision.intent is Intent.EXPORT:
            await self._export(session, msg, out)
            return
        session, prompt = await self._turns.upload(session, msg, decision, items, out)
        if prompt:
            await out.show_working()
            with reporting_failures(self._events, msg.chat.platform):
                asked = await self._relay.turn(msg.chat, session.session_id, prompt, out, msg.locale)
            await self._follow_up(session, msg, asked, out)

    async def _follow_up(self, session: ChatSession, msg: Incoming, asked: Translated, out: Replies) -> None:
        """Do what the agent told the person to do in its web editor: offer edits, show the timeline, export."""
        for edit in asked.edits[:MAX_OFFERS]:
            offer_id = await self._store.put_offer(msg.chat, edit)
            await out.offer(say("gui_edit_offer", msg.locale, edit=edit), Action.APPLY, offer_id)
        if GuiAction.TIMELINE in asked.asks:
            await self._show_timeline(session, msg, out)
        if GuiAction.EXPORT in asked.asks:
            await self._export(session, msg, out)

    async def _apply(self, msg: Incoming, decision: Route, out: Replies) -> None:
        """One tap on an offered edit: the edit goes to the agent once, as if the person had typed it."""
        edit = await self._store.take_offer(msg.chat, decision.text.strip()) if decision.text.strip() else None
        if edit is None:
            await out.send_text(say("gui_edit_gone", msg.locale))
            return
        await self._work(msg, Route(Intent.AGENT, edit), out)

    async def _export(self, session: ChatSession, msg: Incoming, out: Replies) -> None:
        if not await self._team.may_export(msg, out):
            return
        state = await self._nemo.state(session.session_id)
        if not state.draft.is_ready:
            await out.send_text(say("nothing_to_export", msg.locale))
            return
        await out.show_working()
        job = RenderJob(
            render_id=new_render_id(), chat_key=msg.chat, session_id=session.session_id,
            created_at=time.time(), requested_by=None if msg.direct else msg.user_name,
            locale=msg.locale, platform=msg.chat.platform, reply_to=msg.message_id,
            fingerprint=state.draft.fingerprint,
        )
        last = await self._store.get_last_export(msg.chat, session.session_id)
        # Rendering an unchanged timeline again would only give the same video: send that one.
        if last is not None and last.fingerprint == job.fingerprint and await self._exporter.again(job, last, out):
            return
        if await self._exporter.join(job, out):  # the same timeline is rendering already: no second render
            return
        await self._exporter.start(job, state.draft, out)

    async def _status(self, msg: Incoming, out: Replies) -> None:
        session = await self._store.get_session(msg.chat)
        if session is None:
            await out.send_text(say("timeline_empty", msg.locale))
            return
        await self._show_timeline(session, msg, out)

    async def _show_timeline(self, session: ChatSession, msg: Incoming, out: Replies) -> None:
        try:
            state = await self._nemo.state(session.session_id)
        except SessionNotFound:
            # Reading is free: the person gets the new project's (empty) timeline, told once why it is empty.
            session = await self._turns.replace(msg.chat, msg.locale, session.session_id)
            await out.send_text(say("session_restarted", msg.locale))
            state = await self._nemo.state(session.session_id)
        if not state.draft.is_ready:
            await out.send_text(say("timeline_empty", msg.locale))
            return
        text = timeline.summary(summarize(state.draft), msg.locale)
        await out.send_timeline(chart_of(state.draft, msg.locale), text)

    async def _new(self, msg: Incoming, out: Replies) -> None:
        await self._store.drop_session(msg.chat)
        await out.send_text(say("new_session", msg.locale))
        await self._turns.session(msg, out)

    async def _cancel(self, msg: Incoming, out: Replies) -> None:
        task = self._running.get(msg.chat)
        if task is None or task.done():
            await out.send_text(say("nothing_to_cancel", msg.locale), private=True)
            return
        self._cancelling.add(msg.chat)
        task.cancel()

    async def _locked(
        self, msg: Incoming, out: Replies, work: Callable[[Incoming, Replies], Awaitable[object]],
    ) -> None:
        """Run paid or stateful work under the chat's lock; a busy chat gets a note, never a second job."""
        chat = msg.chat
        async with held(self._store.turn_lock(chat), self._config.lock_lease) as mine:
            if not mine:
                await out.send_text(say("busy", msg.locale), private=True)
                return
            task = asyncio.create_task(_run(work, msg, out, self._events), name=f"turn-{chat}")
            self._running[chat] = task
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError:
                # The handler itself is being cancelled (shutdown): stop the turn too, then unwind.
                task.cancel()
                await asyncio.wait({task})
                raise
            finally:
                self._running.pop(chat, None)
                self._cancelling.discard(chat)
        if task.cancelled():
            await out.send_text(say("cancelled", msg.locale))
            return
        task.result()

    @staticmethod
    async def _tell(out: Replies, text: str) -> None:
        """An error, to whoever asked (privately where the platform can)."""
        try:
            await out.send_text(text, private=True)
        except ChatGone:
            log.info("an error message had nowhere to go")
        except Exception:
            log.exception("could not send an error message")


async def _run(
    work: Callable[[Incoming, Replies], Awaitable[object]], msg: Incoming, out: Replies, load: Load,
) -> None:
    with load.working("turn"):
        await work(msg, out)
