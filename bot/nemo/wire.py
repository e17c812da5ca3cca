"""The Nemo API's wire vocabulary, shared by the client and the simulator: paths, headers, codes, states, frames.

Pure values only (no HTTP library), so the simulator can import it without the client.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

APP_NAME = "nemo_agent"  # the ADK app behind /run_sse, also part of several paths
ME = "me"  # stands for the token's own user, in paths and in /run_sse bodies
EVENT_STREAM = "text/event-stream"
NO_CONTENT = "MODEL_RETURNED_NO_CONTENT"  # ADK's `errorCode` for a turn that ended without text: not an error
HEARTBEAT = "heartbeat"  # an SSE `event:` name some proxies use for keepalives
ANON_USER_PREFIX = "anon_"  # user ids behind anonymous tokens; such users register to get more credits
CLIENT_ID_MAX = 64  # X-Client-Id: "a UUID is recommended, or any unique stable string of at most 64 characters"


def is_client_id(text: str) -> bool:
    """Whether `text` can be an X-Client-Id: 1-64 visible ASCII characters (a header carries them unchanged)."""
    return 0 < len(text) <= CLIENT_ID_MAX and all("!" <= char <= "~" for char in text)


class Endpoint(StrEnum):
    """API paths; the client fills `{uid}`, `{sid}` and `{rid}` with `str.format`, the simulator routes on them."""

    ANONYMOUS_TOKEN = "/api/auth/anonymous-token"
    CLAIM_TOKEN = "/api/auth/claim-token"
    SESSION = "/api/tasks/me/with-session/nemo_agent"
    CREDITS = "/api/credits/balance/simple"
    STATE = "/api/state/nemo_agent/{uid}/{sid}/latest"
    UPLOAD = "/api/upload-video/nemo_agent/{uid}/{sid}"
    RUN_SSE = "/run_sse"
    RENDER = "/api/render/proxy/lambda"
    RENDER_STATUS = "/api/render/proxy/lambda/{rid}"
    RENDER_CANCEL = "/api/render/proxy/lambda/{rid}/cancel"
    RENDER_DOWNLOAD = "/api/render/proxy/{rid}/download"


class Header(StrEnum):
    """Request headers the API reads besides `Authorization`."""

    CLIENT_ID = "X-Client-Id"
    SKILL_SOURCE = "X-Skill-Source"
    SKILL_VERSION = "X-Skill-Version"
    SKILL_PLATFORM = "X-Skill-Platform"


ATTRIBUTION = (Header.SKILL_SOURCE, Header.SKILL_VERSION, Header.SKILL_PLATFORM)  # a render needs all three


class ErrorCode(IntEnum):
    """Envelope codes (`{"code": ..., "message": ...}`); 0 is success."""

    OK = 0
    TOKEN_INVALID = 1001
    SESSION_NOT_FOUND = 1002
    CREDITS_EXHAUSTED = 2001
    UNSUPPORTED_FILE_TYPE = 4001
    FILE_TOO_LARGE = 4002


AUTH_CODES = (ErrorCode.TOKEN_INVALID, 1010, 1011)  # every code that means the token was refused


class RenderState(StrEnum):
    """Where a render is."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class LegacyFrame(StrEnum):
    """The `type` of the illustrative v4.4 frames (`{"type": "text", "content": ...}`)."""

    TEXT = "text"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    HEARTBEAT = "heartbeat"
    PING = "ping"
    KEEPALIVE = "keepalive"
    ERROR = "error"
