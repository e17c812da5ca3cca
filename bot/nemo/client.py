"""The typed async Nemo API client: one injected httpx.AsyncClient, every endpoint the bot uses."""

from __future__ import annotations

import asyncio
import copy
import logging
import mimetypes
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack, aclosing
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx

# httpx-sse's public `aiter_sse()` drops `:` comment keepalives, so its line decoders are driven here.
from httpx_sse._decoders import SSELineDecoder

from bot.nemo._http import Auth, Budget, Channel, NewClientId
from bot.nemo._json import need_str
from bot.nemo.draft import Draft
from bot.nemo.errors import AuthError, NemoError, RenderFailed, RenderNotFound
from bot.nemo.events import AgentEvent, Keepalive
from bot.nemo.frames import StreamDecoder
from bot.nemo.models import AnonToken, Credits, NemoSession, ProjectState, RenderStatus, UploadedFile
from bot.nemo.observe import PING, Observer, observed
from bot.nemo.seam import at, translated
from bot.nemo.wire import APP_NAME, ME, Endpoint, Header, RenderState

log = logging.getLogger(__name__)

PING_TIMEOUT = 2.0  # within the readiness check's own limit, so a silent API reads as "no reply"


class NemoClient:
    """Nemo API calls with bearer auth, attribution headers, and errors from `bot.nemo.errors` only."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        client_id: str,
        attribution: Mapping[str, str],
        token: str | None = None,
        web_url: str = "https://nemovideo.com",
        rate_limit_backoff: float = 30.0,
        stream_idle_timeout: float = 600.0,
        on_token: Callable[[AnonToken], Awaitable[None]] | None = None,
        anonymous: bool = False,
        user_id: str | None = None,
        new_client_id: NewClientId | None = None,
        observer: Observer | None = None,
        streams: httpx.AsyncClient | None = None,
    ) -> None:
        """`anonymous=True` marks a restored `token` as one issued for `client_id`, so 1001 may replace it.

        `new_client_id` is asked for another client id when the token endpoint refuses this one (HTTP 400);
        `observer` is told about every request (`bot.nemo.observe`); `streams` carries the agent's event streams
        (default: `http`, which carries every other request).
        """
        auth = Auth(
            client_id, token, anonymous=anonymous, user_id=user_id, on_token=on_token, new_client_id=new_client_id
        )
        self._channel = Channel(
            http, base_url, attribution, auth, web_url=web_url, rate_limit_backoff=rate_limit_backoff,
            observer=observer, streams=streams,
        )
        self._idle = stream_idle_timeout

    def __repr__(self) -> str:
        return f"NemoClient({self._channel.base_url!r}, {self._channel.auth!r})"

    def for_platform(self, platform: str) -> NemoClient:
        """A view of this client sending `X-Skill-Platform: platform`, sharing its credentials."""
        view = copy.copy(self)
        view._channel = self._channel.with_attribution({Header.SKILL_PLATFORM: platform})
        return view

    @property
    def user_id(self) -> str | None:
        """The Nemo user id once known (`anon_...` for anonymous tokens)."""
        return self._channel.auth.user_id

    async def authenticate(self) -> AnonToken:
        """The anonymous token in use, getting one for the client id first if needed (calls do this lazily)."""
        auth = self._channel.auth
        if not auth.anonymous:
            raise AuthError("a configured (non-anonymous) token is in use")
        async with auth.lock:
            if auth.issued is not None and auth.usable() == auth.issued.token:
                return auth.issued
            return await self._channel.issue()

    async def create_session(self, language: str, task_name: str = "project") -> NemoSession:
        """Create a project (task) and its chat session."""
        body = {"task_name": task_name, "language": language}
        data = await self._channel.call("POST", Endpoint.SESSION, body=body)
        session = NemoSession.from_wire(data)
        self._learn_user(session.user_id)
        return session

    async def claim_link(self, task_id: str, session_id: str) -> str:
        """A browser link to the project, carrying a claim token (never the API token)."""
        body = {"task_id": task_id, "session_id": session_id}
        data = await self._channel.call("POST", Endpoint.CLAIM_TOKEN, body=body)
        claim = need_str(data, "claim_token", "claim token")
        return f"{self._channel.web_url.rstrip('/')}/workspace/claim?ct={quote(claim, safe='')}"

    async def stream(self, session_id: str, text: str) -> AsyncGenerator[AgentEvent, None]:
        """Send one message and yield the agent's events until the server closes the stream.

        Raises StreamDropped when the connection is cut mid-way and NemoTimeout after `stream_idle_timeout`
        seconds without an event other than keepalives. Once the stream has started nothing is re-sent.
        A refusal (SessionNotFound, CreditsExhausted, ...) is raised only before the first event, when the
        server turned the message down and nothing was charged.
        """
        body = {
            "app_name": APP_NAME,
            "user_id": ME,
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        channel, budget = self._channel, Budget()
        with at(Endpoint.RUN_SSE):
            while True:
                token = await channel.token()
                started = False
                try:
                    async with channel.sse(Endpoint.RUN_SSE, body, token, self._idle) as response:
                        started = True
                        async with aclosing(self._events(response)) as events:
                            async for event in events:
                                yield event
                    return
                except NemoError as exc:
                    # A refusal before the stream starts charged nothing, so it may be retried; after, never.
                    if started:
                        raise
                    await channel.recover(exc, token, budget)

    async def _events(self, response: httpx.Response) -> AsyncGenerator[AgentEvent, None]:
        """Decode the open stream, enforcing the idle limit between meaningful events."""
        decoder = StreamDecoder()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._idle
        async with aclosing(_lines(response)) as lines:
            while True:
                with translated(streaming=True):
                    async with asyncio.timeout_at(deadline):
                        line = await anext(lines, None)
                if line is None:
                    break
                for event in decoder.feed_line(line):
                    if not isinstance(event, Keepalive):
                        deadline = loop.time() + self._idle
                    yield event
        for event in decoder.finish():
            yield event

    async def upload_files(self, session_id: str, paths: Sequence[Path]) -> list[UploadedFile]:
        """Upload files from disk in one multipart request (field `files`), streamed in chunks."""
        with ExitStack() as stack:
            files = _open_all(stack, paths)
            data = await self._channel.call("POST", Endpoint.UPLOAD, path=_upload_path(session_id), files=files)
        return UploadedFile.list_from_wire(data)

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Have Nemo fetch files by URL into the session."""
        body = {"urls": list(urls), "source_type": "url"}
        data = await self._channel.call("POST", Endpoint.UPLOAD, path=_upload_path(session_id), body=body)
        return UploadedFile.list_from_wire(data)

    async def credits(self) -> Credits:
        """The credit balance."""
        return Credits.from_wire(await self._channel.call("GET", Endpoint.CREDITS))

    async def state(self, session_id: str) -> ProjectState:
        """The project's latest state (draft timeline, media, canvas)."""
        path = Endpoint.STATE.format(uid=ME, sid=quote(session_id, safe=""))
        state = ProjectState.from_wire(await self._channel.call("GET", Endpoint.STATE, path=path), session_id)
        self._learn_user(state.user_id)
        return state

    async def submit_render(self, session_id: str, draft: Draft, render_id: str) -> RenderStatus:
        """Submit an export of the draft (passed through untouched) under a client-chosen id."""
        output = {"format": "mp4", "quality": "high"}
        body = {"id": render_id, "sessionId": session_id, "draft": draft.raw, "output": output}
        return _checked(RenderStatus.from_wire(await self._channel.call("POST", Endpoint.RENDER, body=body), render_id))

    async def render_status(self, render_id: str) -> RenderStatus:
        """Poll a render (both documented shapes); RenderFailed once it ended badly, RenderNotFound if unknown."""
        path = Endpoint.RENDER_STATUS.format(rid=quote(render_id, safe=""))
        data = await self._channel.call("GET", Endpoint.RENDER_STATUS, path=path, missing=RenderNotFound)
        return _checked(RenderStatus.from_wire(data, render_id))

    async def cancel_render(self, render_id: str) -> None:
        """Cancel a render."""
        path = Endpoint.RENDER_CANCEL.format(rid=quote(render_id, safe=""))
        await self._channel.call("POST", Endpoint.RENDER_CANCEL, path=path)

    async def download(self, url: str, dest: Path) -> int:
        """Stream a file to `dest`; returns its size. The bearer is sent only to the API's own origin."""
        return await self._channel.download(url, dest)

    async def download_render(self, render_id: str, dest: Path) -> int:
        """Stream a render's result through the API's fallback download; returns its size."""
        url = self._channel.base_url + Endpoint.RENDER_DOWNLOAD.format(rid=quote(render_id, safe=""))
        return await self._channel.download(url, dest, Endpoint.RENDER_DOWNLOAD)

    async def ping(self) -> int:
        """The HTTP status the API's root answers with (any answer means the API is reachable); NemoError when none
        comes. Unauthenticated, and costs nothing."""
        channel = self._channel
        with observed(channel.observer, PING) as watch, translated():
            response = await channel.http.get(channel.base_url + "/", headers=channel.attribution, timeout=PING_TIMEOUT)
            watch.replied(response.status_code)
        return response.status_code

    def _learn_user(self, user_id: str | None) -> None:
        """Remember the user id when a reply names it and none is known yet."""
        if user_id and not self._channel.auth.user_id:
            self._channel.auth.user_id = user_id


def _checked(status: RenderStatus) -> RenderStatus:
    """`status`, unless the render ended badly."""
    if status.state in (RenderState.FAILED, RenderState.CANCELLED):
        raise RenderFailed(status.id, status.error or status.state.value)
    return status


_Part = tuple[str, tuple[str, IO[bytes], str]]


def _open_all(stack: ExitStack, paths: Sequence[Path]) -> list[_Part]:
    """Multipart parts for `paths`, as open files httpx reads in 64 KiB chunks (never whole)."""
    parts: list[_Part] = []
    for path in paths:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        parts.append(("files", (path.name, stack.enter_context(path.open("rb")), mime)))
    return parts


def _upload_path(session_id: str) -> str:
    """The upload endpoint of a session."""
    return Endpoint.UPLOAD.format(uid=ME, sid=quote(session_id, safe=""))


async def _lines(response: httpx.Response) -> AsyncGenerator[str, None]:
    """SSE lines split only on CR/LF (a U+2028 inside JSON text must not end a line)."""
    decoder = SSELineDecoder()
    async for text in response.aiter_text():
        for line in decoder.decode(text):
            yield line
    for line in decoder.flush():
        yield line
