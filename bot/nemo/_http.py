"""Authenticated requests with the one re-auth and the one rate-limit retry; streaming to disk and from SSE."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio
import httpx
from httpx_sse import aconnect_sse

from bot.nemo.errors import (
    AuthError,
    BadRequest,
    MalformedReply,
    NemoError,
    NotFound,
    RateLimited,
    SessionNotFound,
    TokenRefused,
)
from bot.nemo.models import AnonToken
from bot.nemo.observe import FILE, Observer, endpoint_name, observed
from bot.nemo.seam import Who, at, raise_for_reply, translated, unwrap
from bot.nemo.wire import EVENT_STREAM, Endpoint, Header

log = logging.getLogger(__name__)

T = TypeVar("T")
NewClientId = Callable[[str], Awaitable[str | None]]
"""Given the client id the token endpoint refused, the one to ask with instead (None: keep it, give up)."""
_TEXT_TYPES = ("application/json", "text/", "application/problem+json")
_LONGEST_WAIT = 120.0  # a 429 asking for longer is not waited out: the person is told instead
_MAX_ERROR_BODY = 64 * 1024


class Auth:
    """Credentials shared by every per-platform view of one client; the lock makes one re-auth at a time."""

    def __init__(
        self,
        client_id: str,
        token: str | None,
        *,
        anonymous: bool,
        user_id: str | None,
        on_token: Callable[[AnonToken], Awaitable[None]] | None,
        new_client_id: NewClientId | None = None,
    ) -> None:
        self.client_id = client_id
        self.token = token
        # Only tokens issued for our client id may be replaced on 1001; a configured one is the user's.
        self.anonymous = anonymous or token is None
        self.user_id = user_id
        self.expires_at: datetime | None = None
        self.issued: AnonToken | None = None
        self.on_token = on_token
        self.new_client_id = new_client_id
        self.lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"Auth(client_id={self.client_id!r}, user_id={self.user_id!r}, anonymous={self.anonymous})"

    def usable(self) -> str | None:
        """The current token unless it is missing or an anonymous one past its expiry."""
        expires = self.expires_at
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        if self.anonymous and expires is not None and expires <= datetime.now(UTC):
            return None
        return self.token

    async def install(self, anon: AnonToken) -> None:
        """Use a newly issued anonymous token and hand it to the owner to persist."""
        self.issued, self.token, self.expires_at, self.anonymous = anon, anon.token, anon.expires_at, True
        self.user_id = anon.user_id or self.user_id
        if self.on_token is not None:
            await self.on_token(anon)


@dataclass(slots=True)
class Budget:
    """The retries one call may still make."""

    reauth: bool = True
    rate_limit: bool = True


class Channel:
    """One origin, one set of attribution headers, shared credentials."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        attribution: Mapping[str, str],
        auth: Auth,
        *,
        web_url: str,
        rate_limit_backoff: float,
        observer: Observer | None = None,
        streams: httpx.AsyncClient | None = None,
    ) -> None:
        self.http = http
        # Agent streams hold a connection for a whole turn: on their own pool, they never starve a short call.
        self.streams = streams or http
        self.base_url = base_url.rstrip("/")
        self.attribution = dict(attribution)
        self.auth = auth
        self.web_url = web_url
        self.rate_limit_backoff = rate_limit_backoff
        self.observer = observer  # told about every request (metrics, readiness)

    def with_attribution(self, overrides: Mapping[str, str]) -> Channel:
        """The same origin and credentials with some attribution headers replaced."""
        return Channel(
            self.http,
            self.base_url,
            {**self.attribution, **overrides},
            self.auth,
            web_url=self.web_url,
            rate_limit_backoff=self.rate_limit_backoff,
            observer=self.observer,
            streams=self.streams,
        )

    def who(self) -> Who:
        """Context for error translation."""
        return Who(self.auth.user_id, self.web_url)

    def headers(self, token: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Attribution headers on every request, the bearer when there is a token."""
        headers = {**self.attribution, **(extra or {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def token(self) -> str:
        """A usable token, getting an anonymous one first when there is none."""
        token = self.auth.usable()
        if token is not None:
            return token
        async with self.auth.lock:
            return self.auth.usable() or (await self.issue()).token

    async def issue(self) -> AnonToken:
        """Ask for an anonymous token for our client id (the caller holds the lock); a refused id is replaced once."""
        with at(Endpoint.ANONYMOUS_TOKEN):
            return await self._issue()

    async def _issue(self) -> AnonToken:
        try:
            data = await self._anonymous_token()
        except BadRequest as exc:
            # HTTP 400 here means the client id was refused: the documented remedy is a new id and one retry.
            if not _client_id_refused(exc) or self.auth.new_client_id is None:
                raise
            replacement = await self.auth.new_client_id(self.auth.client_id)
            if replacement is None:
                raise
            log.warning("the token endpoint refused the client id (%s); retrying once with a new one", exc.message)
            self.auth.client_id = replacement
            data = await self._anonymous_token()
        anon = AnonToken.from_wire(data)
        await self.auth.install(anon)
        log.info("anonymous token issued for user %s", anon.user_id)
        return anon

    async def _anonymous_token(self) -> dict[str, Any]:
        """One token request for the current client id (waiting once on 429)."""
        headers: dict[str, str] = {Header.CLIENT_ID: self.auth.client_id}
        path = Endpoint.ANONYMOUS_TOKEN
        return await self.retrying(lambda _: self._json("POST", path, None, {}, headers), authed=False)

    async def call(
        self, method: str, endpoint: Endpoint, *, path: str | None = None, body: Any = None, files: Any = None,
        missing: type[NotFound] | None = None,
    ) -> dict[str, Any]:
        """One authenticated JSON (or multipart) request to `endpoint` (at `path`, its filled-in form when it has
        fields); the unwrapped payload (`missing`: what a 404 means)."""
        url_path = path or endpoint
        with at(endpoint):
            return await self.retrying(lambda token: self._json(method, url_path, token, body, None, files, missing))

    async def _json(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any,
        extra: Mapping[str, str] | None,
        files: Any = None,
        missing: type[NotFound] | None = None,
    ) -> dict[str, Any]:
        """Send once and unwrap."""
        with observed(self.observer, endpoint_name(path)) as watch:
            with translated():
                response = await self.http.request(
                    method, self.base_url + path, headers=self.headers(token, extra), json=body, files=files
                )
            watch.replied(response.status_code)
            if files is not None:
                watch.sent = int(response.request.headers.get("content-length", 0))
            log.debug("%s %s -> %s", method, path, response.status_code)
            return unwrap(response, self.who(), missing)

    async def retrying(self, attempt: Callable[[str | None], Awaitable[T]], *, authed: bool = True) -> T:
        """Run `attempt` with a token, re-authenticating once on 1001 and waiting once on 429."""
        budget = Budget()
        while True:
            token = await self.token() if authed else None
            try:
                return await attempt(token)
            except NemoError as exc:
                await self.recover(exc, token, budget)

    async def recover(self, exc: NemoError, token: str | None, budget: Budget) -> None:
        """Make the one allowed retry possible, or re-raise `exc`."""
        if isinstance(exc, RateLimited) and budget.rate_limit:
            wait = self.rate_limit_backoff if exc.retry_after is None else exc.retry_after
            if wait > max(_LONGEST_WAIT, self.rate_limit_backoff):
                raise exc
            budget.rate_limit = False
            log.warning("rate limited; retrying once in %.0fs", wait)
            await asyncio.sleep(wait)
            return
        if isinstance(exc, AuthError) and token is not None and self.auth.anonymous and budget.reauth:
            budget.reauth = False
            log.info("token refused (code %s); getting a new anonymous token", exc.code)
            async with self.auth.lock:
                if self.auth.token == token:
                    await self.issue()
            return
        if isinstance(exc, AuthError) and token is not None and not self.auth.anonymous:
            # A configured token is the operator's: it is never replaced, so only they can put this right.
            raise TokenRefused(exc.message, code=exc.code, http_status=exc.http_status) from exc
        raise exc

    @asynccontextmanager
    async def sse(self, path: str, body: Any, token: str, idle: float) -> AsyncIterator[httpx.Response]:
        """An open /run_sse response, or the NemoError its refusal stands for (no retry here)."""
        limits = self.streams.timeout
        timeout = httpx.Timeout(connect=limits.connect, read=idle, write=limits.write, pool=limits.pool)
        with observed(self.observer, endpoint_name(path)) as watch, translated():
            async with aconnect_sse(
                self.streams, "POST", self.base_url + path, json=body, headers=self.headers(token), timeout=timeout
            ) as source:
                response = source.response
                watch.replied(response.status_code)
                content_type = response.headers.get("content-type", "")
                log.debug("POST %s -> %s %s", path, response.status_code, content_type)
                if response.is_error or EVENT_STREAM not in content_type:
                    await response.aread()
                    # The only thing /run_sse names is the session: ADK answers a plain 404 when it is unknown.
                    raise_for_reply(response, self.who(), missing=SessionNotFound)
                yield response

    async def download(self, url: str, dest: Path, endpoint: Endpoint | None = None) -> int:
        """Stream `url` (the API's `endpoint`, if it is one) into `dest`; the bearer goes only to the API's origin."""
        if _origin(url) != _origin(self.base_url):
            return await self._download(url, dest, {})
        with at(endpoint):
            return await self.retrying(lambda token: self._download(url, dest, self.headers(token)))

    async def _download(self, url: str, dest: Path, headers: dict[str, str]) -> int:
        """One streamed GET into a `.part` file, renamed into place once complete."""
        part = dest.with_name(dest.name + ".part")
        try:
            with observed(self.observer, _endpoint(url, self.base_url)) as watch, translated():
                async with self.http.stream("GET", url, headers=headers) as response:
                    watch.replied(response.status_code)
                    size = watch.received = await self._save(response, part)
            await anyio.Path(part).replace(dest)
            return size
        finally:
            await anyio.Path(part).unlink(missing_ok=True)

    async def _save(self, response: httpx.Response, part: Path) -> int:
        """Write the body to `part`, refusing a JSON or HTML body where a video was expected."""
        content_type = response.headers.get("content-type", "").lower()
        if response.is_error or content_type.startswith(_TEXT_TYPES):
            await response.aread()
            raise_for_reply(response, self.who())
        size = 0
        chunks = response.aiter_bytes()
        async with await _opened(part) as out:
            async for chunk in chunks:
                if size == 0 and chunk.lstrip()[:1] in (b"{", b"[", b"<"):
                    raise_for_reply(response, self.who(), content=await _head(chunk, chunks))
                await out.write(chunk)
                size += len(chunk)
        if size == 0:
            raise MalformedReply("empty download", http_status=response.status_code)
        return size


async def _opened(part: Path) -> anyio.AsyncFile[bytes]:
    """`part` opened for writing off the loop; a download stopped while it opens closes the file, never leaks it."""
    opening = asyncio.ensure_future(anyio.open_file(part, "wb"))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_unused)
        raise


def _close_unused(opening: asyncio.Future[anyio.AsyncFile[bytes]]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().wrapped.close()  # an empty file just opened: closing it does not wait on the disk


def _client_id_refused(exc: BadRequest) -> bool:
    """Whether the token endpoint's refusal is the plain HTTP 400 of a refused client id (not a business code)."""
    return exc.code in (None, 400) and 400 in (exc.http_status, exc.code)


async def _head(first: bytes, chunks: AsyncIterator[bytes]) -> bytes:
    """The start of a body that turned out to be text, read up to a small limit."""
    buffer = bytearray(first)
    async for chunk in chunks:
        buffer += chunk
        if len(buffer) > _MAX_ERROR_BODY:
            break
    return bytes(buffer)


def _endpoint(url: str, base_url: str) -> str:
    """The endpoint a download URL names: one of the API's, or FILE for a file elsewhere (a CDN link)."""
    if not url.startswith(base_url + "/"):
        return FILE
    return endpoint_name(url.removeprefix(base_url).partition("?")[0])


def _origin(url: str) -> tuple[str, str]:
    """Scheme and host:port, the part a bearer token is scoped to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ("", "")  # not a URL: never the API's origin; httpx then refuses it
    return (parts.scheme.lower(), parts.netloc.lower())
