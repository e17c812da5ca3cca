"""The conversation engine: one Nemo session per chat, intents routed, turns serialized, renders delivered."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from bot import logfields
from bot.engine.access import Person, is_admin
from bot.engine.charts import chart_of
from bot.engine.config import MAX_PROMPT_CHARS, EngineConfig
from bot.engine.drawing import Drawing
from bot.engine.explain import Operation, explain
from bot.engine.export import Exporter, new_render_id
from bot.engine.gate import TurnGate
from bot.engine.gui import Translated
from bot.engine.intake import delivery, taken
from bot.engine.jobs import Jobs, label_of, new_job
from bot.engine.journal import Journal, note_rendering
from bot.engine.leases import held
from bot.engine.lineup import Lineup, Served
from bot.engine.liveness import Liveness
from bot.engine.messages import Action, Attachment, Incoming
from bot.engine.metered import Metered
from bot.engine.ports import Clock, Load, NemoApi, Outgoing, Pictures, Platform, Sleep, Store, Telemetry
from bot.engine.recovery import Recovery
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
from bot.nemo.models import ProjectState
from bot.store.errors import StoreError, StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession, JobStatus, QueueRefusal, RenderJob, RunningJob

log = logging.getLogger(__name__)

STALE_RENDER = 24 * 3600.0  # a render older than a day is not worth resuming: its output may be gone
MAX_OFFERS = 3  # edits offered for one tap after one reply: more would bury the conversation

# The renders a request started: its handler waits for them after the chat's lock is let go, so its replies
# (a Discord interaction, say) stay open until the video is posted, while the chat takes further requests.
_AFTER: ContextVar[list[asyncio.Task[Any]] | None] = ContextVar("renders_started", default=None)

# What a request's failure interrupted, when its endpoint does not say (bot.engine.explain).
_DURING = {Intent.EXPORT: Operation.EXPORT, Intent.STATUS: Operation.STATUS, Intent.CREDITS: Operation.CREDITS}


class Engine:
    """Turns normalized messages into Nemo calls and replies."""

    def __init__(
        self, nemo: NemoApi, store: Store, config: EngineConfig,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep, events: Telemetry = QUIET,
        pictures: Pictures | None = None, gate: TurnGate | None = None,
    ) -> None:
        """`gate`: the process's cap on agent turns, shared by every engine in it (else one of this engine's own)."""
        self._gate = gate or TurnGate(config.max_concurrent_turns)
        # Every call to Nemo goes through the meter, so quotas count only what Nemo worked on.
        self._nemo = nemo = Metered(nemo)
        self._store = store
        self._team = Team(nemo, store, config.team, events=events)
        self._sleep = sleep
        self._config = config
        self._events = events
        self.background = Supervisor()
        self._jobs = Jobs(store, config.lock_lease, self.background, sleep, config.incarnation.start)
        self._relay = Relay(
            nemo, store, config, clock, sleep, events, self.background,
            user_cancelled=lambda chat: self._jobs.stopped_by_person(),
        )
        self._lineup = Lineup(store, config.team, config.lock_lease)
        self._platforms: dict[str, Platform] = {}  # how to reach a chat outside a message (set by `resume`)
        self._serving: set[ChatKey] = set()  # chats whose queue a task here is serving
        self._turns = Turns(nemo, store, config)
        self._exporter = Exporter(
            nemo, store, config, self._turns.replace, sleep,
            user_cancelled=lambda chat: self._jobs.stopped_by_person(), events=events, clock=clock,
        )
        self._resumed: dict[str, tuple[ChatKey, asyncio.Task[Any]]] = {}  # render id -> its chat, its follower
        self._liveness = Liveness(store, config.incarnation, config.heartbeat)
        self.replies = ReplyLayer(self.background, clock, Drawing(pictures, config.workdir / "pictures"))
        self._journal = Journal(store, config.incarnation.start, self._jobs.stopped_by_person)
        self._recovery = Recovery(nemo, store, self.replies, config, self.background, sleep)

    @property
    def process(self) -> str:
        """This process start, as the store's records of its work name it."""
        return self._config.incarnation.start

    @property
    def lease(self) -> float:
        """How long work a dead process held stays its own before a live one takes it over."""
        return self._config.lock_lease

    async def handle(self, msg: Incoming, chat: Outgoing) -> None:
        """Handle one message; never raises (every failure becomes a friendly reply)."""
        logfields.bind_message(msg.chat)
        out = self.replies.to(msg.chat, chat, msg.locale)
        during = Operation.AGENT
        renders: list[asyncio.Task[Any]] = []
        started = _AFTER.set(renders)
        try:
            if msg.message_id and not await self._store.first_sighting(msg.chat, msg.message_id, by=delivery()):
                log.info("ignoring a message seen before in %s", msg.chat)
                await taken()
                return
            decision = route(msg.text, bool(msg.attachments))
            during = _DURING.get(decision.intent, Operation.AGENT)
            self._events.message_in(msg.chat.platform, decision.intent.value)
            if msg.truncated or decision.size > MAX_PROMPT_CHARS:
                await out.send_text(say("prompt_too_long", msg.locale, limit=MAX_PROMPT_CHARS), private=True)
                return
            async with self._team.gate(msg, decision, out) as admitted:
                if admitted:
                    await self._dispatch(msg, decision, out, chat)
        except asyncio.CancelledError:
            await out.close_open(say("interrupted", msg.locale))  # shutting down: no card is left saying "working"
            raise
        except Exception as exc:
            await self._failed(exc, msg, out, during)
        finally:
            _AFTER.reset(started)
        await _ended(renders)

    async def _failed(self, exc: Exception, msg: Incoming, out: Replies, during: Operation) -> None:
        """Every failure of a request becomes a friendly reply to whoever asked."""
        if isinstance(exc, ChatGone):
            log.info("stopped replying in %s: %s", msg.chat, exc)
        elif isinstance(exc, NemoError):
            log.warning("nemo error in %s: %s", msg.chat, exc)
            await self._tell(out, explain(exc, msg.locale, self._config.web_url, during=during))
        elif isinstance(exc, StoreUnavailable):
            log.warning("store unavailable in %s: %s", msg.chat, exc)
            await self._tell(out, say("store_unavailable", msg.locale))
        else:
            log.error("handler failed in %s", msg.chat, exc_info=exc)
            await self._tell(out, say("error_internal", msg.locale))
        await out.close_open(say("turn_failed", msg.locale))  # a job that failed without closing its card

    async def resume(self, platforms: Mapping[str, Platform]) -> int:
        """Resume every unfinished render left by a previous process, serve the queues it left, and keep adopting
        renders whose follower dies while this one runs (another replica killed); returns how many renders were
        picked up now. Also starts listening for cancels sent from other replicas."""
        # Alive from now on; the locks an earlier start of this process left are freed before anything waits on them.
        await self._liveness.beat()
        await self._liveness.free_predecessors()
        self.background.watch(self._liveness.beating(), name="heartbeat")
        self._platforms = dict(platforms)
        self.background.watch(self._jobs.listen(), name="cancels")
        self.background.watch(self._jobs.keep_alive(), name="jobs-alive")
        await self._serve_queues()
        await self._recovery.sweep(platforms)  # turns a dead process left: their cards closed, their askers told
        self.background.watch(self._adopting(dict(platforms)), name="adopt-renders")
        return await self._pick_up(platforms)

    async def _adopting(self, platforms: Mapping[str, Platform]) -> None:
        """Every half lease, pick up open renders nobody here follows: one whose follower died is taken over once
        its lease lapses (the waiting task retries every half lease), so within one lease of the lapse. Queues a
        dead replica was serving are served here the same way."""
        while True:
            await self._sleep(self._config.lock_lease / 2)
            try:
                await self._pick_up(platforms)
                await self._serve_queues()
                await self._recovery.sweep(platforms)
            except StoreUnavailable as exc:
                log.warning("could not look for renders to take over: %s", exc)

    async def _serve_queues(self) -> None:
        """Serve the queues nobody serves (a dead replica's), and count what waits in them all."""
        total = 0
        for chat in await self._store.queued_chats():
            waiting = await self._store.waiting(chat)
            total += waiting
            if waiting and chat.platform in self._platforms:
                await self._kick(chat)
        self._events.queue_depth(total)

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
            record = new_job(job.person or "", job.requested_by or "", "", "render")
            following = self._journal.following(chat, job.locale, job.reply_to, record, self._resume_one(job, out))
            task = await self._jobs.spawn(chat, record, following)
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

        work = [task for task in self._jobs.here(chat) if task is not asyncio.current_task()]
        # As a /cancel: renders are stopped at Nemo and their jobs closed.
        self._jobs.stop_tasks(work)
        if work:
            await asyncio.wait(set(work))
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
            # The job stays open in the store, so a live replica (this one included) takes it up again once the
            # store is back. Nobody asked anything just now: no message, and none that reads as "try again".
            log.warning("store unavailable resuming render %s: %s", job.render_id, exc)
            await out.close_open(say("render_card_moved", job.locale))  # taken up again, on a card of its own

    async def _dispatch(self, msg: Incoming, decision: Route, out: Replies, chat: Outgoing) -> None:
        intent = decision.intent
        if intent in (Intent.HELP, Intent.START):
            await out.send_text(say("help", msg.locale, limit_mb=self._config.max_upload_mb))
            if intent is Intent.START:
                await self._locked(msg, decision, out, chat, queue=False)
        elif intent is Intent.CANCEL:
            await self._cancel(msg, out, decision.text.strip())
        elif intent is Intent.CREDITS:
            credits = await self._nemo.credits()
            await out.send_text(
                say("credits", msg.locale, available=credits.available, frozen=credits.frozen, total=credits.total)
                + await self._team.quota_note(msg)
            )
        elif intent is Intent.STATUS:
            await self._status(msg, out)
        elif intent is Intent.AGENT and not decision.text.strip():
            await out.send_text(say("video_usage", msg.locale))
        else:
            await self._locked(msg, decision, out, chat)

    def _work_for(self, decision: Route) -> Callable[[Incoming, Replies], Awaitable[object]]:
        """The paid or stateful work a request asks for, run under its chat's lock."""
        if decision.intent is Intent.START:
            return self._turns.session
        if decision.intent is Intent.NEW:
            return self._new
        if decision.intent is Intent.APPLY:
            return lambda m, o: self._apply(m, decision, o)
        return lambda m, o: self._work(m, decision, o)

    async def _work(self, msg: Incoming, decision: Route, out: Replies) -> None:
        items: tuple[Attachment, ...] = ()
        if decision.intent is not Intent.EXPORT:
            screened = await self._turns.screen(msg, decision, out)
            if screened is None:
                return
            items = screened
        # An agent turn waits for its place before anything is set up, so a queued one holds only its chat's lock.
        async with self._place(msg, decision, out):
            session, fresh = await self._turns.find_or_create(msg, out)
            try:
                await self._work_in(session, msg, decision, items, out, fresh=fresh)
            except SessionNotFound:
                await self._restart(msg, decision, items, out)

    def _place(self, msg: Incoming, decision: Route, out: Replies) -> contextlib.AbstractAsyncContextManager[None]:
        """A place among the process's agent turns (an export needs none), the chat told once when it must wait."""
        if decision.intent is Intent.EXPORT:
            return contextlib.nullcontext()
        return self._gate.place(lambda: out.send_text(say("turn_queued", msg.locale)))

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
        *, fresh: bool = False,
    ) -> None:
        if decision.intent is Intent.EXPORT:
            await self._export(session, msg, out)
            return
        session, prompt = await self._turns.upload(session, msg, decision, items, out)
        if prompt:
            await out.show_working()
            with reporting_failures(self._events, msg.chat.platform):
                asked = await self._relay.turn(
                    msg.chat, session.session_id, prompt, out, msg.locale, fresh=fresh and not items,
                )
            try:
                await self._follow_up(session, msg, asked, out)
            except StoreError as exc:
                # The paid message has gone out: a store failure now must never read as "try again".
                log.warning("store failed after a turn in %s: %s", msg.chat, exc)
                await out.went_through()

    async def _follow_up(self, session: ChatSession, msg: Incoming, asked: Translated, out: Replies) -> None:
        """Do what the agent told the person to do in its web editor: offer edits, show the timeline, export."""
        for edit in asked.edits[:MAX_OFFERS]:
            offer_id = await self._store.put_offer(msg.chat, edit)
            await out.offer(say("gui_edit_offer", msg.locale, edit=edit), Action.APPLY, offer_id)
        if GuiAction.TIMELINE in asked.asks:
            # The turn has just kept the project's state: the timeline is drawn from it, not fetched again.
            await self._show_timeline(session, msg, out, await self._store.get_last_state(msg.chat, session.session_id))
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
        person = Person.of(msg).key
        job = RenderJob(
            render_id=new_render_id(), chat_key=msg.chat, session_id=session.session_id,
            created_at=time.time(), requested_by=None if msg.direct else msg.user_name,
            locale=msg.locale, platform=msg.chat.platform, reply_to=msg.message_id,
            fingerprint=state.draft.fingerprint, person=person,
        )
        last = await self._store.get_last_export(msg.chat, session.session_id)
        # Rendering an unchanged timeline again would only give the same video: send that one.
        if last is not None and last.fingerprint == job.fingerprint and await self._exporter.again(job, last, out):
            return
        if await self._exporter.join(job, out):  # the same timeline is rendering already: no second render
            return
        # The render is followed in the background: once Nemo has it, the chat is free for the next request.
        submitted = asyncio.Event()
        record = new_job(person, msg.user_name, "", "render")
        # Its own replies: the render's card and failures are its own, apart from the turn that asked for it.
        await note_rendering(job.render_id)  # cut short from here on, the render is resumed from its own record
        rendering = self._rendering(job, state, msg, out.detached(), submitted)
        render = await self._jobs.spawn(msg.chat, record, self._journal.keeping(msg, record, rendering))
        after = _AFTER.get()
        if after is not None:
            after.append(render)
        waiting = asyncio.ensure_future(submitted.wait())
        try:
            await asyncio.wait({render, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()

    async def _rendering(
        self, job: RenderJob, state: ProjectState, msg: Incoming, out: Replies, submitted: asyncio.Event,
    ) -> None:
        """A render followed in the background: its failures reach whoever asked, as a request's do."""
        try:
            await self._exporter.start(job, state, out, submitted)
        except Exception as exc:
            if isinstance(exc, StoreUnavailable) and out.opened:
                out.paid = True  # past its card the render may have reached Nemo: not "storage down, not sent"
            await self._failed(exc, msg, out, Operation.EXPORT)

    async def _status(self, msg: Incoming, out: Replies) -> None:
        session = await self._store.get_session(msg.chat)
        if session is None:
            await out.send_text(say("timeline_empty", msg.locale))
            return
        await self._show_timeline(session, msg, out)

    async def _show_timeline(
        self, session: ChatSession, msg: Incoming, out: Replies, known: dict[str, Any] | None = None,
    ) -> None:
        try:
            state = (
                ProjectState.from_wire(known, session.session_id) if known is not None
                else await self._nemo.state(session.session_id)
            )
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

    async def _cancel(self, msg: Incoming, out: Replies, job_id: str) -> None:
        """Stop the caller's running jobs and take their waiting requests off the queue, wherever they run; an admin
        with nothing of their own running or waiting stops everything running in the chat. With `job_id` (a
        progress message's Cancel button), that job only, if the caller may stop it."""
        person = Person.of(msg)
        admin = is_admin(self._config.team, person)
        if job_id:
            removed, found = 0, await self._jobs.cancel(msg.chat, person.key, admin, job_id)
        else:
            running, queued = await self._store.running(msg.chat), await self._store.queued(msg.chat)
            own = any(job.person == person.key for job in running) or any(
                request.person == person.key for _, request in queued
            )
            removed = await self._lineup.remove(msg.chat, person.key, queued)
            found = await self._jobs.cancel(msg.chat, person.key, admin and not own, running=running)
        jobs = ", ".join(self._named(job, person.key, msg.locale) for job in found.stopped)
        if jobs and removed:
            await out.send_text(say("cancel_stopped_and_unqueued", msg.locale, jobs=jobs, count=removed))
        elif jobs:
            await out.send_text(say("cancel_stopped", msg.locale, jobs=jobs))
        elif removed:
            await out.send_text(say("cancel_unqueued", msg.locale, count=removed))
        elif found.refused:
            names = ", ".join(dict.fromkeys(job.user_name or job.person for job in found.refused))
            await out.send_text(say("cancel_not_yours", msg.locale, names=names), private=True)
        else:
            freed = await self._liveness.free_if_dead(self._store.turn_lock(msg.chat))  # a dead process's lock
            await out.send_text(say("lock_freed" if freed else "nothing_to_cancel", msg.locale), private=True)
            if freed:
                await self._kick(msg.chat)  # what waited behind the dead process's lock goes on now

    @staticmethod
    def _named(job: RunningJob, caller: str, locale: str) -> str:
        """A stopped job as the /cancel reply names it (with whose it was, when an admin stopped another's)."""
        named = say("job_render", locale) if job.kind == "render" else say("job_quoted", locale, label=job.label)
        if job.person != caller and job.user_name:
            return say("job_of", locale, job=named, name=job.user_name)
        return named

    async def _locked(
        self, msg: Incoming, decision: Route, out: Replies, chat: Outgoing, *, queue: bool = True,
    ) -> None:
        """Run paid or stateful work under the chat's lock; a busy chat queues it (its place told), in order."""
        key = msg.chat
        if not await self._store.waiting(key):
            ran = False
            try:
                lock = self._store.turn_lock(key)
                async with held(lock, self._config.lock_lease, self._config.incarnation, self.background.spawn) as mine:
                    if mine:
                        ran = True
                        await self._run_job(msg, decision, out)
            except asyncio.CancelledError:
                ran = False  # shutting down: the queue waits for the next start (or another replica)
                raise
            finally:
                if ran:
                    await self._kick(key)
            if ran:
                return
        if queue:
            await self._queue(msg, out, chat)

    async def _queue(self, msg: Incoming, out: Replies, chat: Outgoing) -> None:
        """Put a request that found its chat busy in the chat's queue, and tell its place (or why it may not wait)."""
        key = msg.chat
        if self._config.team.queue_per_chat == 0:
            await out.send_text(say("busy", msg.locale), private=True)
            return
        place, token = await self._lineup.join(msg, chat)
        if place is QueueRefusal.CHAT_FULL:
            await out.send_text(say("queue_full_chat", msg.locale, count=self._config.team.queue_per_chat))
            return
        if place is QueueRefusal.PERSON_FULL:
            await out.send_text(say("queue_full_person", msg.locale, count=self._config.team.queue_per_user))
            return
        await taken()  # its place in the queue is on record
        await out.send_text(say("queue_place", msg.locale, place=int(place) + 2))
        await self._kick(key)
        after = _AFTER.get()
        if after is not None:
            # Waited for once the gate has settled: the request's quota is counted when its turn comes.
            after.append(self.background.spawn(self._lineup.wait(key, token), name=f"queued-{key}"))

    async def _run_job(self, msg: Incoming, decision: Route, out: Replies) -> None:
        """Run the request's work as a job anyone allowed may cancel from any replica."""
        label = decision.text or msg.text or ", ".join(item.name for item in msg.attachments)
        job = new_job(Person.of(msg).key, msg.user_name, label, "turn")
        work = _run(self._work_for(decision), msg, out, self._events)
        kind = "export" if decision.intent is Intent.EXPORT else "turn"  # an export's render then has its own record
        await self._jobs.run(msg.chat, job, self._journal.keeping(msg, job, work, kind))

    async def _kick(self, chat: ChatKey) -> None:
        """Serve the chat's queue in the background if anything waits and nobody here serves it already."""
        if chat in self._serving or (self._platforms and chat.platform not in self._platforms):
            return
        try:
            if not await self._store.waiting(chat):
                return
        except StoreUnavailable as exc:
            log.warning("could not look at the queue of %s: %s", chat, exc)
            return
        self._serving.add(chat)
        self.background.spawn(self._serve(chat), name=f"serve-{chat}")

    async def _serve(self, chat: ChatKey) -> None:
        """Run the chat's waiting requests in order while holding its lock; a busy chat's holder does it instead."""
        served_here = False
        try:
            async with held(self._store.turn_lock(chat), self._config.lock_lease, self._config.incarnation) as mine:
                served_here = bool(mine)
                if mine:
                    while (served := await self._lineup.take(chat, self._platforms)) is not None:
                        renders: list[asyncio.Task[Any]] = []
                        started = _AFTER.set(renders)
                        try:
                            await self._serve_one(served)
                        finally:
                            _AFTER.reset(started)
                            self.background.spawn(self._served(served, renders), name=f"served-{chat}")
        except StoreUnavailable as exc:
            log.warning("could not serve the queue of %s: %s", chat, exc)
            served_here = False
        finally:
            self._serving.discard(chat)
        if served_here:
            # Something may have joined while the lock was being let go.
            await self._kick(chat)

    async def _served(self, served: Served, renders: list[asyncio.Task[Any]]) -> None:
        await _ended(renders)
        self._lineup.served(served)

    async def _serve_one(self, served: Served) -> None:
        msg = served.msg
        logfields.bind_message(msg.chat)
        out = self.replies.to(msg.chat, served.out, msg.locale)
        decision = route(msg.text, bool(msg.attachments))
        try:
            # A reply to the request itself (its interaction, on Discord), so whoever asked is notified.
            request = label_of(decision.text or msg.text) or ", ".join(item.name for item in msg.attachments)
            key = "queue_turn_direct" if msg.direct else "queue_turn"
            await out.send_text(say(key, msg.locale, request=request))
            async with self._team.gate(msg, decision, out) as admitted:
                if admitted:
                    await self._run_job(msg, decision, out)
        except Exception as exc:
            await self._failed(exc, msg, out, _DURING.get(decision.intent, Operation.AGENT))

    @staticmethod
    async def _tell(out: Replies, text: str) -> None:
        """An error, to whoever asked (privately where the platform can)."""
        try:
            if out.paid:
                await out.went_through()  # the agent took the message: never an invitation to send it again
            else:
                await out.send_text(text, private=True)
        except ChatGone:
            log.info("an error message had nowhere to go")
        except Exception:
            log.exception("could not send an error message")


async def _ended(tasks: list[asyncio.Task[Any]]) -> None:
    """Wait for background tasks (their failures are the supervisor's to log)."""
    if tasks:
        await asyncio.wait(tasks)


async def _run(
    work: Callable[[Incoming, Replies], Awaitable[object]], msg: Incoming, out: Replies, load: Load,
) -> None:
    with load.working("turn"):
        await work(msg, out)
