"""The simulator's in-memory world: users and credits, tokens, anonymous clients, sessions, renders, requests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from bot.nemo.wire import ME, ErrorCode
from nemo_sim import ids
from nemo_sim.config import SimConfig
from nemo_sim.errors import SimError
from nemo_sim.media import MediaCache
from nemo_sim.records import (
    ANON_CREDITS,
    ClientRecord,
    RenderRecord,
    RequestRecord,
    SessionRecord,
    TokenRecord,
    User,
    empty_state,
)

DAY = 86400.0
logger = logging.getLogger(__name__)


class World:
    """Everything the simulated backend remembers; tests reach it through `sim.world`.

    Its background work (agent turns, renders) runs in a TaskGroup that is open while the world is entered
    (`async with world:`) and replaced on `reset()`.
    """

    def __init__(self, config: SimConfig, media: MediaCache) -> None:
        self._initial = config.model_copy(deep=True)
        self.config = config
        self.media = media
        self.clock = time.time
        self._work: asyncio.TaskGroup | None = None
        self._holder: asyncio.Task[None] | None = None
        self._clear()

    async def __aenter__(self) -> World:
        """Open the TaskGroup background work runs in."""
        await self._open_work()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Cancel the background work still running and wait for it to unwind."""
        holder, self._holder, self._work = self._holder, None, None
        await _end(holder)

    def _clear(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.clients: dict[str, ClientRecord] = {}
        self.ip_clients: dict[str, set[str]] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.claims: dict[str, tuple[str, str]] = {}
        self.requests: list[RequestRecord] = []
        self.renders: dict[str, RenderRecord] = {}
        self.turn_counter = 0

    async def reset(self) -> None:
        """Cancel running turns and forget everything; the config returns to the one given at start."""
        old = self._holder
        await self._open_work()  # first, so work started meanwhile lands in the new group
        await _end(old)
        self.config = self._initial.model_copy(deep=True)
        self._clear()

    # Background work

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `work` (an agent turn, a render) in the background; its failure is logged and ends only itself."""
        if self._work is None:
            work.close()
            raise RuntimeError("the world is not entered")
        task = self._work.create_task(_logged(work), name=name)
        # Cancelled before it started, the task never awaits `work`: close it, or it warns "never awaited".
        task.add_done_callback(lambda _: work.close())
        return task

    async def _open_work(self) -> None:
        opened: asyncio.Future[asyncio.TaskGroup] = asyncio.get_running_loop().create_future()
        self._holder = asyncio.create_task(_hold_open(opened), name="nemo-sim-work")
        self._work = await opened

    # Tokens and users

    def issue_anonymous_token(self, client_id: str, ip: str) -> TokenRecord:
        """Answer `POST /api/auth/anonymous-token`, applying the repeat and per-IP rules (429)."""
        now = self.clock()
        known = self.clients.get(client_id)
        if known is not None and now - known.issued_at < self.config.token_ttl_days * DAY:
            current = self.tokens.get(known.token)
            if current is not None and current.expires_at > now:
                if self.config.anon_repeat == "429":
                    raise SimError(429, "Anonymous token already issued for this client; retry later")
                known.count += 1
                return current
        seen = self.ip_clients.setdefault(ip, set())
        if client_id not in seen and len(seen) >= self.config.max_clients_per_ip:
            raise SimError(429, "Too many anonymous tokens from this IP")
        seen.add(client_id)
        user_id = known.user_id if known is not None else ids.new_anon_user_id()
        self.users.setdefault(user_id, User(user_id))
        record = self._store_token(user_id, client_id)
        self.clients[client_id] = ClientRecord(client_id, user_id, record.token, now)
        return record

    def _store_token(self, user_id: str, client_id: str | None, ttl_days: float | None = None) -> TokenRecord:
        ttl = (self.config.token_ttl_days if ttl_days is None else ttl_days) * DAY
        record = TokenRecord(ids.new_token(), user_id, self.clock() + ttl, client_id)
        self.tokens[record.token] = record
        return record

    def mint_token(self, user_id: str | None = None, credits: int = ANON_CREDITS, ttl_days: float | None = None) -> str:
        """Create a token directly (e.g. a registered user's `usr_...`); the user is created if new."""
        uid = user_id or ids.new_anon_user_id()
        self.users.setdefault(uid, User(uid, available=credits))
        return self._store_token(uid, None, ttl_days).token

    def expire_token(self, token: str) -> None:
        """Make one token expired, so the next call with it answers 1001."""
        if token in self.tokens:
            self.tokens[token].expires_at = self.clock() - 1

    def expire_tokens(self, user_id: str | None = None) -> None:
        """Expire every token (or every token of `user_id`)."""
        for record in self.tokens.values():
            if user_id is None or record.user_id == user_id:
                record.expires_at = self.clock() - 1

    def authenticate(self, authorization: str | None) -> User:
        """The user behind an `Authorization: Bearer` header, or 1001."""
        scheme, _, token = (authorization or "").partition(" ")
        record = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if record is None or record.expires_at <= self.clock():
            raise SimError(ErrorCode.TOKEN_INVALID)
        return self.users[record.user_id]

    def user(self, user_id: str) -> User:
        """A user by id (created with no credits if unknown)."""
        return self.users.setdefault(user_id, User(user_id, available=0))

    def set_credits(self, user_id: str, available: int, frozen: int = 0) -> None:
        """Set a user's balance."""
        user = self.user(user_id)
        user.available, user.frozen = available, frozen

    # Sessions

    def create_session(self, user_id: str, task_name: str, language: str) -> SessionRecord:
        """Create a task with its chat session and an empty state."""
        record = SessionRecord(
            session_id=ids.new_session_id(),
            task_id=ids.new_task_id(),
            task_name=task_name,
            user_id=user_id,
            language=language,
            state=empty_state(*self.config.canvas),
        )
        self.sessions[record.session_id] = record
        return record

    def find_session(self, session_id: str, user: User, path_user: str = ME) -> SessionRecord:
        """A session the user owns, or 1002 (unknown, another user's, or a foreign user id in the path)."""
        record = self.sessions.get(session_id)
        if record is None or record.user_id != user.user_id or path_user not in (ME, user.user_id):
            raise SimError(ErrorCode.SESSION_NOT_FOUND, f"Session not found: {session_id}")
        return record

    def drop_session(self, session_id: str) -> None:
        """Forget a session, so the next call on it answers 1002."""
        self.sessions.pop(session_id, None)

    def session(self, session_id: str) -> SessionRecord:
        """A session by id (tests)."""
        return self.sessions[session_id]

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[RequestRecord]:
        """Recorded requests whose path starts with `path_prefix` (and with `method`, if given)."""
        return [
            r
            for r in self.requests
            if r["path"].startswith(path_prefix) and (method is None or r["method"] == method.upper())
        ]


async def _hold_open(opened: asyncio.Future[asyncio.TaskGroup]) -> None:
    """Keep a TaskGroup open until cancelled: the cancellation then reaches every task in it, and waits for them."""
    async with asyncio.TaskGroup() as group:
        opened.set_result(group)
        await asyncio.Event().wait()


async def _end(holder: asyncio.Task[None] | None) -> None:
    """Cancel a `_hold_open` task and wait until every task of its group has unwound."""
    if holder is not None:
        holder.cancel()
        await asyncio.wait([holder])


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    """Run `work`, logging a failure rather than letting it cancel the rest of the group."""
    try:
        await work
    except Exception:
        task = asyncio.current_task()
        logger.exception("simulator task %s failed", task.get_name() if task else "?")
