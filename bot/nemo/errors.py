"""Every failure the Nemo API client raises, one tree subclassed by what the caller does next.

    NemoError
    ├── AuthError           1001 (also 1010/1011, HTTP 401): re-authenticate
    ├── SessionNotFound     1002, HTTP 404 "Session not found": create a new session
    ├── CreditsExhausted    2001: `.user_id`, `.register_url` (anonymous users register to get more)
    ├── ExportBlocked       HTTP 402: not credits; register to unlock export
    ├── UploadRejected      the file was refused
    │   ├── UnsupportedFileType   4001
    │   └── FileTooLarge          4002
    ├── BadRequest          HTTP 400/422, other 4xx, unknown codes, `{"success": false}`
    ├── RateLimited         HTTP 429, after the one retry
    ├── ServerError         HTTP 5xx
    ├── NemoTimeout         a request or an agent turn went quiet for too long
    ├── ConnectionLost      the transport failed
    │   └── StreamDropped   the /run_sse stream was cut mid-way (do not re-send: poll the state)
    ├── MalformedReply      the reply is not the documented shape
    └── RenderFailed        a render ended failed or cancelled: `.render_id`, `.reason`

Every error has `.code` (the envelope code, or None) and `.http_status` (or None). Messages pass through
`redact()`, so a bearer token echoed by a server or a library never reaches a log line.
"""

from __future__ import annotations

import re

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
        super().__init__(self.message)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.message!r}, code={self.code!r}, http_status={self.http_status!r})"


class AuthError(NemoError):
    """The token is missing, expired or refused (1001)."""


class SessionNotFound(NemoError):
    """The chat session is gone (1002 or ADK's 404); a new one must be created."""


class CreditsExhausted(NemoError):
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


class ExportBlocked(NemoError):
    """Export refused with HTTP 402: a plan or attribution problem, not credits."""


class UploadRejected(NemoError):
    """The server refused an uploaded file."""


class UnsupportedFileType(UploadRejected):
    """The file's type is not one the service accepts (4001)."""


class FileTooLarge(UploadRejected):
    """The file is over the size limit (4002)."""


class BadRequest(NemoError):
    """The server refused the request (4xx, unknown code, or an unsuccessful render envelope)."""


class RateLimited(NemoError):
    """HTTP 429 again after waiting once."""


class ServerError(NemoError):
    """The server failed (5xx)."""


class NemoTimeout(NemoError):
    """A request, or an agent turn, stayed silent for too long."""


class ConnectionLost(NemoError):
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
