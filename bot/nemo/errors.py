"""Every failure the Nemo API client raises, one tree grouped by what the caller does next.

    NemoError
    ├── AuthError                1001 (also 1010/1011, HTTP 401): re-authenticate
    │   └── TokenRefused         a configured token (NEMO_TOKEN) refused: the operator must replace it
    ├── NotFound                 what the request names is unknown: make it again
    │   ├── SessionNotFound      1002, HTTP 404 "Session not found": create a new session
    │   └── RenderNotFound       HTTP 404 for a render id: submit it (again) under the same id
    ├── Refused                  understood and refused: tell the user, retrying will not help
    │   ├── CreditsExhausted     2001: `.user_id`, `.register_url` (anonymous users register to get more)
    │   ├── ExportBlocked        HTTP 402: not credits; register to unlock export
    │   ├── UploadRejected       the file was refused
    │   │   ├── UnsupportedFileType   4001
    │   │   └── FileTooLarge          4002
    │   └── BadRequest           HTTP 400/422, other 4xx, unknown codes, `{"success": false}`
    ├── Transient                a passing failure: wait and try again
    │   ├── RateLimited          HTTP 429, after the one retry: `.retry_after` (seconds the server asked for)
    │   ├── ServerError          HTTP 5xx
    │   └── Unconfirmed          the request may have arrived: never re-send a paid one, look at its state
    │       ├── NemoTimeout      a request or an agent turn went quiet for too long
    │       └── ConnectionLost   the transport failed
    │           └── StreamDropped   the /run_sse stream was cut mid-way
    ├── MalformedReply           the reply is not the documented shape
    └── RenderFailed             a render ended failed or cancelled: `.render_id`, `.reason`

Every error has `.code` (the envelope code, or None), `.http_status` (or None) and `.endpoint` (the API endpoint
it came from, or None for a link outside the API, such as a render's output URL). Messages pass through `redact()`,
so a bearer token echoed by a server or a library never reaches a log line.
"""

from __future__ import annotations

import re

from bot.nemo.wire import Endpoint

_TOKEN_PATTERN = re.compile(r"nmv_[A-Za-z]+_[A-Za-z0-9_\-]+|(?i:bearer)\s+\S+")


def redact(text: str) -> str:
    """`text` with anything shaped like a Nemo token or a bearer credential masked."""
    return _TOKEN_PATTERN.sub("***", text)


class NemoError(Exception):
    """Base of every Nemo API client failure."""

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None) -> None:
        self.message = redact(message)
        self.code = code
        self.http_status = http_status
        self.endpoint: Endpoint | None = None  # named by the client once the error leaves the endpoint's call
        super().__init__(self.message)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.message!r}, code={self.code!r}, http_status={self.http_status!r})"


class AuthError(NemoError):
    """The token is missing, expired or refused (1001)."""


class TokenRefused(AuthError):
    """The configured token (NEMO_TOKEN) was refused; only the operator can replace it."""


class NotFound(NemoError):
    """The session or render a request names is unknown to the server."""


class Refused(NemoError):
    """The server understood the request and will not do it; the user is told why."""


class Transient(NemoError):
    """A passing failure: the same request may succeed after a wait."""


class Unconfirmed(Transient):
    """The request may have reached the server: a paid request is never re-sent, its state is checked."""


class SessionNotFound(NotFound):
    """The chat session is gone (1002 or ADK's 404); a new one must be created."""


class RenderNotFound(NotFound):
    """The render id is unknown (HTTP 404): its submit never arrived."""


class CreditsExhausted(Refused):
    """Not enough credits (2001); anonymous users get a registration link."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        user_id: str | None = None,
        register_url: str | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.user_id = user_id
        self.register_url = register_url


class ExportBlocked(Refused):
    """Export refused with HTTP 402: a plan or attribution problem, not credits."""


class UploadRejected(Refused):
    """The server refused an uploaded file."""


class UnsupportedFileType(UploadRejected):
    """The file's type is not one the service accepts (4001)."""


class FileTooLarge(UploadRejected):
    """The file is over the size limit (4002)."""


class BadRequest(Refused):
    """The server refused the request (4xx, unknown code, or an unsuccessful render envelope)."""


class RateLimited(Transient):
    """HTTP 429 again after waiting once."""

    retry_after: float | None = None  # the server's Retry-After, in seconds, when it sent one


class ServerError(Transient):
    """The server failed (5xx)."""


class NemoTimeout(Unconfirmed):
    """A request, or an agent turn, stayed silent for too long."""


class ConnectionLost(Unconfirmed):
    """The connection failed or broke."""


class StreamDropped(ConnectionLost):
    """The /run_sse stream was cut after it started; the turn may still be running server-side."""


class MalformedReply(NemoError):
    """The reply does not have the documented shape."""


class RenderFailed(NemoError):
    """A render ended as failed or cancelled."""

    def __init__(self, render_id: str, reason: str) -> None:
        super().__init__(f"render {render_id} failed: {reason}")
        self.render_id = render_id
        self.reason = redact(reason)
