"""Errors the simulated API answers with, and the two transports that carry them (envelope or HTTP status)."""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.nemo.wire import AUTH_CODES, ErrorCode

# Envelope codes -> HTTP status when `error_mode="http"`. 2001 maps to 403 so it never looks like the
# export block (402), which is a different condition with different advice to the user.
HTTP_STATUS_FOR_CODE = {
    **dict.fromkeys(AUTH_CODES, 401),
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.CREDITS_EXHAUSTED: 403,
    ErrorCode.UNSUPPORTED_FILE_TYPE: 400,
    ErrorCode.FILE_TOO_LARGE: 400,
}

DEFAULT_MESSAGES = {
    ErrorCode.TOKEN_INVALID: "Invalid or expired token",
    ErrorCode.SESSION_NOT_FOUND: "Session not found",
    ErrorCode.CREDITS_EXHAUSTED: "Insufficient credits",
    ErrorCode.UNSUPPORTED_FILE_TYPE: "Unsupported file type",
    ErrorCode.FILE_TOO_LARGE: "File too large",
    400: "Bad request",
    402: "Export is not available on the free plan; register to unlock export",
    404: "Not found",
    409: "Conflict",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


class SimError(Exception):
    """A business or HTTP error; codes >= 1000 follow the error transport, smaller ones are HTTP statuses."""

    def __init__(
        self, code: int, message: str | None = None, *, render: bool = False, detail: Any = None, soft: bool = False,
        wrapped: bool = False,
    ) -> None:
        self.code = int(code)
        self.message = message or DEFAULT_MESSAGES.get(code, "Error")
        self.render = render  # render-proxy endpoints speak {"success": false, "error": ...}
        self.detail = detail  # ADK (FastAPI) errors speak {"detail": ...}
        self.soft = soft or wrapped  # a business error: HTTP 200 in envelope mode even though code < 1000
        self.wrapped = wrapped  # an HTTP status a gateway wrapped: named as the body's code as well
        super().__init__(f"{code}: {self.message}")


def error_status(err: SimError, mode: Literal["envelope", "http"]) -> int:
    """The HTTP status that carries `err` under the given transport."""
    if mode == "envelope" and (err.code >= 1000 or err.soft):
        return 200
    if err.code < 1000:
        return err.code
    return HTTP_STATUS_FOR_CODE.get(err.code, 400)


def error_body(err: SimError) -> dict[str, Any]:
    """The JSON body of an error: the REST envelope, or the render proxy's success/error shape."""
    if err.detail is not None:
        return {"detail": err.detail}
    if err.render and err.code < 1000:
        # A status sent inside an HTTP 200 is named in the body too, or nothing would say which it was.
        return {"success": False, "error": err.message, **({"code": err.code} if err.wrapped else {})}
    return {"code": err.code, "message": err.message}


def error_response(err: SimError, mode: Literal["envelope", "http"]) -> Response:
    """Render `err` under the transport `mode`."""
    return JSONResponse(error_body(err), status_code=error_status(err, mode))


async def handle_sim_error(request: Request, exc: Exception) -> Response:
    """Starlette exception handler: answer a `SimError` in the world's current error mode."""
    assert isinstance(exc, SimError)
    return error_response(exc, request.app.state.world.config.error_mode)
