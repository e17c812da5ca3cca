"""A chat's queue as the engine sees it: a request that finds the chat busy waits its turn, told its place.

The queue itself lives in the store (`bot.store.lineup`), so it survives a restart and any replica may serve it. A
request served by the replica that queued it runs as it arrived (its files still behind the platform's saver, its
replies through the same interaction); one served elsewhere is rebuilt from the store, its replies going to the
chat through the platform, and files that only the first replica could fetch are reported as not fetched.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.access import Person
from bot.engine.messages import Attachment, Incoming
from bot.engine.ports import Outgoing, Platform, QueueStore
from bot.engine.rules import QueueRules
from bot.store.keys import ChatKey
from bot.store.models import QueuedFile, QueuedRequest, QueueRefusal

LOOK_AGAIN = 5.0  # seconds between looks at whether a request queued here was served elsewhere
_MAX_HELD = 10_000  # requests kept in memory for serving here; past it, older ones are served from the store alone


@dataclass(frozen=True, slots=True)
class Served:
    """A request whose turn has come, where its replies go, and (queued here) the handler waiting for it."""

    msg: Incoming
    out: Outgoing
    done: asyncio.Future[None] | None = None


class Lineup:
    """Puts requests in their chat's queue and takes them out in order."""

    def __init__(self, store: QueueStore, rules: QueueRules, lease: float) -> None:
        self._store = store
        self._rules = rules
        self._lease = lease
        self.consumer = f"bot-{uuid.uuid4().hex[:12]}"  # this process, as the queues' consumer group knows it
        self._held: dict[str, Served] = {}  # requests queued here: served as they arrived, files and all
        self._running: dict[str, Served] = {}  # requests queued here, taken off the queue and being served

    def served(self, served: Served) -> None:
        """The request (and what it started) has ended: its waiting handler may return."""
        token = next((key for key, value in self._running.items() if value is served), None)
        if token is not None:
            del self._running[token]
        self._finish(served)

    @staticmethod
    def _finish(served: Served | None) -> None:
        if served is not None and served.done is not None and not served.done.done():
            served.done.set_result(None)

    async def join(self, msg: Incoming, out: Outgoing) -> tuple[int | QueueRefusal, str]:
        """Queue `msg`; how many requests wait before it (or why it may not wait), and its token for `wait`."""
        token = uuid.uuid4().hex
        request = _stored(msg, token)
        place = await self._store.enqueue(request, self._rules.queue_per_chat, self._rules.queue_per_user)
        if not isinstance(place, QueueRefusal):
            if len(self._held) >= _MAX_HELD:
                self._finish(self._held.pop(next(iter(self._held))))
            self._held[token] = Served(msg, out, asyncio.get_running_loop().create_future())
        return place, token

    async def wait(self, chat: ChatKey, token: str) -> None:
        """Until the request queued here under `token` has been served (or taken off the queue, or served by
        another replica): the handler that queued it keeps its replies open until then."""
        while True:
            served = self._held.get(token) or self._running.get(token)
            if served is None or served.done is None:
                return
            try:
                await asyncio.wait_for(asyncio.shield(served.done), min(self._lease / 2, LOOK_AGAIN))
                return
            except TimeoutError:
                if token in self._running:
                    continue
                if not any(request.token == token for _, request in await self._store.queued(chat)):
                    self._finish(self._held.pop(token, None))  # another replica took it
                    return

    async def take(self, chat: ChatKey, platforms: Mapping[str, Platform]) -> Served | None:
        """The chat's next request, off the queue; None when none waits (or none can be answered here)."""
        while True:
            taken = await self._store.take_queued(chat, self.consumer, self._lease)
            if taken is None:
                return None
            _, request = taken
            kept = self._held.pop(request.token, None)
            if kept is not None:
                self._running[request.token] = kept
                return kept
            platform = platforms.get(request.chat_key.platform)
            if platform is not None:
                msg = _incoming(request)
                return Served(msg, platform.outgoing(msg.chat, msg.message_id, msg.locale))
            # No adapter of its platform runs here: it cannot be answered, so it is not run.

    async def remove(
        self, chat: ChatKey, person: str | None, queued: Sequence[tuple[str, QueuedRequest]] | None = None,
    ) -> int:
        """Take the waiting requests of `person` (anyone's, for None) off the chat's queue (as `queued` lists it,
        when the caller has just read it); how many went."""
        removed = 0
        for entry_id, request in await self._store.queued(chat) if queued is None else queued:
            if person is not None and request.person != person:
                continue
            if await self._store.unqueue(chat, entry_id):
                self._finish(self._held.pop(request.token, None))
                removed += 1
        return removed


def _stored(msg: Incoming, token: str) -> QueuedRequest:
    files = tuple(
        QueuedFile(
            item.name, item.mime_type, item.size, str(item.path) if item.path is not None else None, item.url,
        )
        for item in msg.attachments
    )
    return QueuedRequest(
        chat_key=msg.chat, person=Person.of(msg).key, user_id=msg.user_id, user_name=msg.user_name, text=msg.text,
        locale=msg.locale, message_id=msg.message_id, direct=msg.direct, guild_id=msg.guild_id,
        role_ids=msg.role_ids, admin=msg.admin, files=files, queued_at=time.time(), token=token,
    )


def _incoming(request: QueuedRequest) -> Incoming:
    attachments = tuple(
        Attachment(
            name=item.name, mime_type=item.mime_type, size=item.size,
            path=Path(item.path) if item.path else None, url=item.url,
            # A file only the replica that queued it could fetch (behind a platform's saver) is not to be had here.
            fetch_failed=item.path is None and item.url is None,
        )
        for item in request.files
    )
    return Incoming(
        request.chat_key, request.user_id, request.user_name, request.text, attachments, request.locale,
        request.message_id, request.direct, guild_id=request.guild_id, role_ids=request.role_ids,
        admin=request.admin,
    )
