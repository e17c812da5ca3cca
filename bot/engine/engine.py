"""The conversation engine: one Nemo session per chat, intents routed, turns serialized, renders delivered."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from bot.engine.config import MAX_PROMPT_CHARS, EngineConfig
from bot.engine.explain import explain
from bot.engine.export import Exporter, new_render_id
from bot.engine.gate import TurnGate
from bot.engine.gui import Translated
from bot.engine.leases import held
from bot.engine.messages import Action, Attachment, Incoming
from bot.engine.ports import Clock, NemoApi, Outgoing, Platform, Sleep, Store
from bot.engine.relay import Relay
from bot.engine.replies import Replies, ReplyLayer
from bot.engine.routing import Intent, Route, route
from bot.engine.tasks import Supervisor
from bot.engine.turns import Turns
from bot.i18n import say, timeline
from bot.i18n.tables import GuiAction
from bot.nemo.draft import summarize
from bot.nemo.errors import NemoError, SessionNotFound
from bot.store.errors import StoreError, StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession, JobStatus, RenderJob

log = logging.getLogger(__name__)
_T = TypeVar("_T")

STALE_RENDER = 24 * 3600.0  # a render older than a day is not worth resuming: its output may be gone
MAX_OFFERS = 3  # edits offered for one tap after one reply: more would bury the conversation


class Engine:
    """Turns normalized messages into Nemo calls and replies."""

    def __init__(
        self, nemo: NemoApi, store: Store, config: EngineConfig,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep, gate: TurnGate | None = None,
    ) -> None:
        """`gate`: the process's cap on agent turns, shared by every engine in it (else one of this engine's own)."""
        self._nemo = nemo
        self._gate = gate or TurnGate(config.max_concurrent_turns)
        self._store = store
        self._sleep = sleep
        self._config = config
        self._relay = Relay(nemo, store, config, clock, sleep)
        self._cancelling: set[ChatKey] = set()
        self._exporter = Exporter(
            nemo, store, config, sleep, user_cancelled=self._cancelling.__contains__, clock=clock,
        )
        self._turns = Turns(nemo, store, config)
        self._running: dict[ChatKey, asyncio.Task[None]] = {}
        self.background = Supervisor()
        self.replies = ReplyLayer(self.background, clock)

    async def handle(self, msg: Incoming, chat: Outgoing) -> None:
        """Handle one message; never raises (every failure becomes a friendly reply)."""
        out = self.replies.to(msg.chat, chat, msg.locale)
        try:
            if msg.message_id and not await self._store.first_sighting(msg.chat, msg.message_id):
                log.info("ignoring a message seen before in %s", msg.chat)
                return
            decision = route(msg.text, bool(msg.attachments))
            if msg.truncated or decision.size > MAX_PROMPT_CHARS:
                await out.send_text(say("prompt_too_long", msg.locale, limit=MAX_PROMPT_CHARS))
                return
            await self._dispatch(msg, decision, out)
        except NemoError as exc:
            log.warning("nemo error in %s: %s", msg.chat, exc)
            await self._tell(out, explain(exc, msg.locale, self._config.web_url))
        except StoreUnavailable as exc:
            log.warning("store unavailable in %s: %s", msg.chat, exc)
            await self._tell(out, say("store_unavailable", msg.locale))
        except Exception:
            log.exception("handler failed in %s", msg.chat)
            await self._tell(out, say("error_internal", msg.locale))

    async def resume(self, platforms: Mapping[str, Platform]) -> int:
        """Resume every unfinished render left by a previous process; returns how many were picked up."""
        jobs = [job for job in await self._store.open_renders() if job.platform in platforms]
        stale = [job for job in jobs if job.created_at < time.time() - STALE_RENDER]
        for job in stale:
            log.warning("render %s is too old to resume; closing it", job.render_id)
            await self._store.close_render(job.render_id, JobStatus.FAILED)
        jobs = [job for job in jobs if job not in stale]
        for job in jobs:
            chat = job.chat_key
            out = self.replies.to(chat, platforms[job.platform].outgoing(chat, job.reply_to, job.locale), job.locale)
            self.background.spawn(self._resume_one(job, out), name=f"resume-{job.render_id}")
        return len(jobs)

    async def _resume_one(self, job: RenderJob, out: Replies) -> None:
        try:
            # Another live process may be following this render: wait for its lease to lapse or the job to end.
            while not await self._exporter.resume(job, out):
                await self._sleep(self._config.lock_lease / 2)
                current = await self._store.get_render(job.render_id)
                if current is None or not current.status.is_open:
                    return
        except NemoError as exc:
            await self._store.close_render(job.render_id, JobStatus.FAILED)
            await self._tell(out, explain(exc, job.locale, self._config.web_url))
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
        if decision.intent is Intent.EXPORT:
            await self._in_session(msg, out, lambda session, _: self._export(session, msg, out))
            return
        items = await self._turns.screen(msg, decision, out)
        if items is None:
            return
        # A turn waits for its place before anything is set up, so a queued chat holds nothing but its lock.
        async with self._gate.place(lambda: out.send_text(say("turn_queued", msg.locale))):
            session, asked = await self._in_session(
                msg, out, lambda session, fresh: self._turn(session, msg, decision, items, out, fresh=fresh),
            )
        if asked is None:
            return
        try:
            await self._follow_up(session, msg, asked, out)
        except StoreError as exc:
            # The paid message has gone out: a store failure now must never read as "try again".
            log.warning("store failed after a turn in %s: %s", msg.chat, exc)
            await out.send_text(say("check_later", msg.locale))
        except SessionNotFound as exc:
            # Said after the paid turn, not before it: starting over would send the message a second time.
            await out.send_text(explain(exc, msg.locale, self._config.web_url))

    async def _in_session(
        self, msg: Incoming, out: Replies, work: Callable[[ChatSession, bool], Awaitable[_T]],
    ) -> tuple[ChatSession, _T]:
        """Run `work` in the chat's session (and whether it is new); once more in a new one if it was gone."""
        session, fresh = await self._turns.find_or_create(msg, out)
        try:
            return session, await work(session, fresh)
        except SessionNotFound:
            # Nothing was charged: the session was refused before any work. Start over once.
            await self._store.drop_session(msg.chat)
            await out.send_text(say("session_restarted", msg.locale))
            session, fresh = await self._turns.find_or_create(msg, out)
            return session, await work(session, fresh)

    async def _turn(
        self, session: ChatSession, msg: Incoming, decision: Route, items: tuple[Attachment, ...], out: Replies,
        *, fresh: bool,
    ) -> Translated | None:
        """Upload what the message carries, then send it to the agent; None when nothing went to the agent."""
        prompt = await self._turns.upload(session, msg, decision, items, out)
        if not prompt:
            return None
        await out.show_working()
        return await self._relay.turn(msg.chat, session.session_id, prompt, out, msg.locale, fresh=fresh and not items)

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
        await self._exporter.start(job, state, out)

    async def _status(self, msg: Incoming, out: Replies) -> None:
        session = await self._store.get_session(msg.chat)
        if session is None:
            await out.send_text(say("timeline_empty", msg.locale))
            return
        await self._show_timeline(session, msg, out)

    async def _show_timeline(self, session: ChatSession, msg: Incoming, out: Replies) -> None:
        state = await self._nemo.state(session.session_id)
        if not state.draft.is_ready:
            await out.send_text(say("timeline_empty", msg.locale))
            return
        await out.send_text(timeline.summary(summarize(state.draft), msg.locale))

    async def _new(self, msg: Incoming, out: Replies) -> None:
        await self._store.drop_session(msg.chat)
        await out.send_text(say("new_session", msg.locale))
        await self._turns.session(msg, out)

    async def _cancel(self, msg: Incoming, out: Replies) -> None:
        task = self._running.get(msg.chat)
        if task is None or task.done():
            await out.send_text(say("nothing_to_cancel", msg.locale))
            return
        self._cancelling.add(msg.chat)
        task.cancel()

    async def _locked(
        self, msg: Incoming, out: Replies, work: Callable[[Incoming, Replies], Awaitable[object]],
    ) -> None:
        """Run paid or stateful work under the chat's lock; a busy chat gets a note, never a second job."""
        chat = msg.chat
        async with held(self._store.turn_lock(chat), self._config.lock_lease, self.background.spawn) as mine:
            if not mine:
                await out.send_text(say("busy", msg.locale))
                return
            task = asyncio.create_task(_run(work, msg, out), name=f"turn-{chat}")
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
        try:
            await out.send_text(text)
        except Exception:
            log.exception("could not send an error message")


async def _run(work: Callable[[Incoming, Replies], Awaitable[object]], msg: Incoming, out: Replies) -> None:
    await work(msg, out)
