"""Turns whose process died mid-way (killed, out of memory, a node lost): a live process, this one after a restart or
another replica within a lease, closes each one's progress message and tells whoever asked what became of it.

A request that had not gone to the agent is said to be unsent and free to send again (an export that had got as far
as its render says nothing: the render is resumed from its own record). One that had is never sent
again: the project's state is read back from Nemo and compared with the state kept before the turn, and the changes
are told as the finished turn would have told them; with none yet, the person is told the request reached the video
service and is told the changes when they show, or that none came.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from bot.engine.config import EngineConfig
from bot.engine.messages import DEFAULT_ACTIONS
from bot.engine.ports import (
    NemoAgent,
    Platform,
    ProcessStore,
    RenderStore,
    SessionStore,
    Sleep,
    TurnJournalStore,
)
from bot.engine.refusals import ChatGone
from bot.engine.replies import Replies, ReplyLayer
from bot.engine.tasks import Supervisor
from bot.i18n import say, timeline
from bot.nemo.changes import Change, changes_between
from bot.nemo.errors import NemoError
from bot.nemo.models import ProjectState
from bot.store.errors import StoreError
from bot.store.keys import ChatKey
from bot.store.models import TurnRecord

log = logging.getLogger(__name__)


class RecoveryStore(TurnJournalStore, ProcessStore, SessionStore, RenderStore, Protocol):
    """What telling about a dead process's turns reads and writes."""


class Recovery:
    """Finds the turns of dead processes and tells about each once (whoever drops its record tells it)."""

    def __init__(
        self, nemo: NemoAgent, store: RecoveryStore, replies: ReplyLayer, config: EngineConfig, supervisor: Supervisor,
        sleep: Sleep,
    ) -> None:
        self._nemo = nemo
        self._store = store
        self._replies = replies
        self._config = config
        self._supervisor = supervisor
        self._sleep = sleep
        self._process = config.incarnation.start

    async def sweep(self, platforms: Mapping[str, Platform]) -> int:
        """Start telling about every turn whose process no longer runs, in chats on `platforms`; how many."""
        told = 0
        for record in await self._store.turns():
            chat = _chat_of(record)
            if chat is None or record.process == self._process or chat.platform not in platforms:
                continue
            if await self._store.is_alive(record.process) or not await self._store.drop_turn(record.job_id):
                continue  # still running, or another replica tells it
            log.info("turn %s in %s was cut short by its process's end; telling about it", record.job_id, chat)
            outgoing = platforms[chat.platform].outgoing(chat, record.reply_to, record.locale)
            out = self._replies.to(chat, outgoing, record.locale)
            self._supervisor.spawn(self._tell(record, chat, out), name=f"cut-turn-{record.job_id}")
            told += 1
        return told

    async def _tell(self, record: TurnRecord, chat: ChatKey, out: Replies) -> None:
        locale = record.locale
        try:
            if record.card is not None:
                cut = "render_card_moved" if record.kind == "render" else "turn_cut_card"
                await out.reopened(record.card).finish(say(cut, locale))
            if record.kind == "render" or (record.kind == "export" and await self._rendering(record)):
                return  # the render itself is resumed from its own record, on a card of its own
            if not record.sent or record.session_id is None:
                await out.send_text(say("turn_cut_unsent", locale, request=record.label))
                return
            await self._read_back(record, chat, record.session_id, out)
        except ChatGone:
            log.info("turn %s: nowhere to tell about it", record.job_id)
        except (NemoError, StoreError) as exc:
            log.warning("turn %s: could not read back its result: %s", record.job_id, exc)
            await out.went_through()

    async def _rendering(self, record: TurnRecord) -> bool:
        """Whether the export got as far as its render (recorded, so resumed and delivered from that record)."""
        return record.render_id is not None and await self._store.get_render(record.render_id) is not None

    async def _read_back(self, record: TurnRecord, chat: ChatKey, session_id: str, out: Replies) -> None:
        """What the agent did with a request that reached it, from the project's state: told now, or once it shows."""
        locale = record.locale
        raw = await self._store.get_last_state(chat, session_id)
        before = None if raw is None else ProjectState.from_wire(raw, session_id)
        changes = await self._changes(chat, session_id, before)
        if changes:
            await out.send_text(say("turn_cut_done", locale, request=record.label, changes=_lines(changes, locale)),
                                DEFAULT_ACTIONS)
            return
        await out.send_text(say("turn_cut_checking", locale, request=record.label))
        for check in range(self._config.recovery_checks):
            await self._sleep(self._config.recovery_first_wait if check == 0 else self._config.recovery_wait)
            changes = await self._changes(chat, session_id, before)
            if changes:
                await out.send_text(say("changes", locale, changes=_lines(changes, locale)), DEFAULT_ACTIONS)
                return
        await out.send_text(say("turn_cut_unchanged", locale, request=record.label))

    async def _changes(self, chat: ChatKey, session_id: str, before: ProjectState | None) -> list[Change]:
        """What changed since the turn began (nothing known before it: nothing can be told as its doing)."""
        if before is None:
            return []
        after = await self._nemo.state(session_id)
        changes = changes_between(before, after)
        if changes:
            await self._store.put_last_state(chat, session_id, after.raw)
        return changes


def _chat_of(record: TurnRecord) -> ChatKey | None:
    try:
        return ChatKey.parse(record.chat)
    except ValueError:
        return None


def _lines(changes: list[Change], locale: str) -> str:
    return "\n".join(timeline.change(change, locale) for change in changes)
