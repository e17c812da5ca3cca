"""One agent turn: send the message once, relay the stream to the chat, and report what changed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.card import CardMaker, Stage
from bot.engine.clipframe import ClipFrame, clip_url
from bot.engine.config import EngineConfig
from bot.engine.gui import Translated, is_temporary_issue, translate_gui
from bot.engine.journal import note_sent
from bot.engine.messages import DEFAULT_ACTIONS
from bot.engine.ports import Clock, Events, NemoApi, SessionStore, Sleep
from bot.engine.progress import Progress
from bot.engine.replies import Replies
from bot.engine.tasks import Supervisor
from bot.engine.telemetry import QUIET, relayed
from bot.i18n import say, timeline
from bot.i18n.tables import GuiAction
from bot.nemo.changes import Change, changes_between
from bot.nemo.errors import NemoError, NemoTimeout, StreamDropped
from bot.nemo.events import AgentEvent, AgentText, Keepalive, StreamError, ToolCall, ToolResult
from bot.nemo.models import ProjectState
from bot.store.errors import StoreError
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

_TOOL_STAGES = {"generate": Stage.GENERATING, "edit": Stage.EDITING}
# The state of a project nothing has been done to yet: no draft, no media.
_EMPTY: dict[str, object] = {"state": {"draft": {}, "video_infos": [], "generated_media": []}}


class _IdleTimeout(Exception):
    """Only keepalives for longer than the idle limit."""


@dataclass(slots=True)
class _TurnView:
    """What the user has seen so far in this turn."""

    said: bool = False
    tools: int = 0
    failed: bool = False
    progress: Progress | None = None
    last_event: float = 0.0
    last_ping: float = 0.0
    pings: int = 0
    timed_out: bool = False
    started: float = field(default=0.0)
    asks: set[GuiAction] = field(default_factory=set)
    edits: list[str] = field(default_factory=list)
    cards: CardMaker = field(default_factory=lambda: CardMaker("en"))
    stage: Stage = Stage.WORKING
    note: str | None = None
    frame: ClipFrame | None = None

    def asked(self) -> Translated:
        """What the agent's words asked the bot to do after the turn (nothing when the turn did not end well)."""
        if self.failed or self.timed_out:
            return Translated("")
        return Translated("", frozenset(self.asks), tuple(dict.fromkeys(self.edits)))


class Relay:
    """Relays one agent turn to a chat."""

    def __init__(
        self, nemo: NemoApi, store: SessionStore, config: EngineConfig,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep, events: Events = QUIET,
        supervisor: Supervisor | None = None, user_cancelled: Callable[[ChatKey], bool] = lambda chat: True,
    ) -> None:
        self._nemo = nemo
        self._store = store
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._events = events
        self._supervisor = supervisor  # runs the fetch of a generated clip's first frame beside the turn
        self._user_cancelled = user_cancelled  # else a cancelled turn was stopped by the process shutting down

    async def turn(
        self, chat: ChatKey, session_id: str, text: str, out: Replies, locale: str, *, fresh: bool = False,
    ) -> Translated:
        """Send `text` to the agent exactly once and relay the turn; returns what the agent's words asked for.

        `fresh`: the session was made for this message and nothing was uploaded to it, so its project is known to be
        empty and is not fetched.
        """
        before = await self._before(chat, session_id, fresh=fresh)
        now = self._clock()
        frame = ClipFrame(self._nemo.download, out, self._config.workdir / "pictures", self._supervisor)
        view = _TurnView(last_event=now, last_ping=now, started=now, cards=CardMaker(locale), frame=frame)
        outcome = "turn_done"
        try:
            async with asyncio.timeout(self._config.stream_timeout):
                await self._relay(session_id, text, out, locale, view)
        except StreamDropped:
            outcome = "turn_dropped"
        except (TimeoutError, _IdleTimeout, NemoTimeout):
            # The work may still be running server-side: never invite a re-send, point at status instead.
            view.timed_out = True
            outcome = "turn_running"
            await out.send_text(say("stream_timeout", locale))
        except asyncio.CancelledError:
            # Shutting down is not the person's doing: the paid turn runs on at Nemo, and they are told so.
            outcome = "cancelled" if self._user_cancelled(chat) else "turn_interrupted"
            raise
        finally:
            if view.progress is not None:
                await view.progress.finish(say("turn_failed" if view.failed else outcome, locale))
            await frame.close()
        # The paid message has gone out: from here on a failure must never read as "try again".
        try:
            if outcome == "turn_dropped":
                await out.send_text(say("connection_lost_checking", locale))
                await self._recover(chat, session_id, before, out, locale)
            else:
                await self._after(chat, session_id, before, out, locale, view)
        except (NemoError, StoreError) as exc:
            log.warning("checking the result of a turn failed: %s", exc)
            await out.went_through()
        self._events.turn_ended(chat.platform, relayed(outcome, view.failed))
        return view.asked() if outcome == "turn_done" else Translated("")

    async def _relay(self, session_id: str, text: str, out: Replies, locale: str, view: _TurnView) -> None:
        await note_sent(session_id)  # on record before it goes: a death from here on never reads as "not sent"
        async with contextlib.aclosing(self._nemo.stream(session_id, text)) as events:
            async for event in events:
                await self._on_event(event, out, locale, view)

    async def _on_event(self, event: AgentEvent, out: Replies, locale: str, view: _TurnView) -> None:
        out.paid = True  # the agent took the message: from here on no failure may invite a re-send
        now = self._clock()
        if isinstance(event, Keepalive):
            await self._on_keepalive(now, out, locale, view)
            return
        view.last_event = now
        if isinstance(event, AgentText):
            await self._on_text(event.text, out, view)
        elif isinstance(event, ToolCall):
            view.tools += 1
            stage = _tool_stage(event.name)
            hint = say("card_generate_hint", locale) if stage is Stage.GENERATING else None
            await self._progress(out, view, stage, hint)
        elif isinstance(event, ToolResult) and event.name.startswith("generate"):
            await self._progress(out, view, Stage.EDITING, say("raw_ready", locale))
            url = clip_url(event.response)
            if url and view.frame is not None:
                view.frame.fetch(url, lambda frame: self._pictured(view, frame))
        elif isinstance(event, StreamError):
            log.warning("the agent's stream reported an error: %s", event.message)
            if not view.failed:
                view.failed = True
                await out.send_text(say("stream_error", locale))

    async def _on_text(self, text: str, out: Replies, view: _TurnView) -> None:
        if not text.strip():
            return
        if view.said and is_temporary_issue(text):
            log.info("dropping a trailing temporary-issue line after a normal reply")
            return
        view.said = True
        shown = translate_gui(text)
        view.asks |= shown.asks
        view.edits += shown.edits
        await out.send_text(shown.text, DEFAULT_ACTIONS)

    async def _on_keepalive(self, now: float, out: Replies, locale: str, view: _TurnView) -> None:
        if now - view.last_event >= self._config.stream_idle_timeout:
            raise _IdleTimeout
        if now - view.last_ping >= self._config.keepalive_ping_interval:
            view.last_ping = now
            view.pings += 1
            minutes = int((now - view.started) // 60)
            text = say("still_working_for", locale, minutes=minutes) if minutes else say("still_working", locale)
            await self._progress(out, view, view.stage, text)
            await out.show_working()

    @staticmethod
    async def _pictured(view: _TurnView, frame: Path) -> bool:
        """The card redrawn with the generated clip's first frame; False when the turn is over already."""
        progress = view.progress
        if progress is None or progress.closed:
            return False
        view.cards.show(frame)
        await progress.show(view.cards.card(view.stage, note=view.note))
        return True

    async def _progress(self, out: Replies, view: _TurnView, stage: Stage, note: str | None = None) -> None:
        """The turn's card at `stage`, with a line under it."""
        cards = view.cards
        view.stage, view.note = stage, note
        card = cards.card(stage, note=note)
        if view.progress is None:
            view.progress = await out.start_card(cards, card)
        else:
            await view.progress.show(card)

    async def _before(self, chat: ChatKey, session_id: str, *, fresh: bool = False) -> ProjectState:
        if fresh:
            empty = ProjectState.from_wire(_EMPTY, session_id)
            await self._store.put_last_state(chat, session_id, empty.raw)
            return empty
        raw = await self._store.get_last_state(chat, session_id)
        if raw is not None:
            return ProjectState.from_wire(raw, session_id)
        state = await self._nemo.state(session_id)
        await self._store.put_last_state(chat, session_id, state.raw)
        return state

    async def _after(
        self, chat: ChatKey, session_id: str, before: ProjectState, out: Replies, locale: str, view: _TurnView,
    ) -> None:
        if view.said and not view.tools:
            return
        after = await self._nemo.state(session_id)
        await self._store.put_last_state(chat, session_id, after.raw)
        if view.said or view.failed:
            return
        changes = changes_between(before, after)
        if changes:
            await _report(out, locale, changes)
        elif not view.timed_out:
            await out.send_text(say("no_changes", locale))

    async def _recover(
        self, chat: ChatKey, session_id: str, before: ProjectState, out: Replies, locale: str,
    ) -> None:
        """After a dropped stream: never re-send; watch the state until it changes or we give up."""
        for check in range(self._config.recovery_checks):
            wait = self._config.recovery_first_wait if check == 0 else self._config.recovery_wait
            await self._sleep(wait)
            after = await self._nemo.state(session_id)
            changes = changes_between(before, after)
            if changes:
                await self._store.put_last_state(chat, session_id, after.raw)
                await _report(out, locale, changes)
                return
        await out.send_text(say("connection_lost_failed", locale))


async def _report(out: Replies, locale: str, changes: list[Change]) -> None:
    """Tell the user what changed in the project, in their language."""
    lines = "\n".join(timeline.change(change, locale) for change in changes)
    await out.send_text(say("changes", locale, changes=lines), DEFAULT_ACTIONS)


def _tool_stage(name: str) -> Stage:
    for prefix, stage in _TOOL_STAGES.items():
        if name.startswith(prefix):
            return stage
    return Stage.WORKING
