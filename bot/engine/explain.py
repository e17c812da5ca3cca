"""Which catalogue message a person sees for each Nemo error: (error class, operation) -> key and fields.

The operation is what the error interrupted: the endpoint it came from says so (a balance read, an upload, a
render), except for the project state, which several steps read, so there the caller's operation counts. A kind's
usual words are used only where they fit that operation ("That file type is not supported" only for an upload,
"Export is not available on the free plan" only for an export); elsewhere the operation's own words say what
failed ("I could not read your balance").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n import say
from bot.nemo import errors
from bot.nemo.wire import Endpoint


class Operation(StrEnum):
    """What the bot was doing for the person when an error came."""

    SIGN_IN = "sign_in"  # getting an anonymous token, on the way to any request
    SETUP = "setup"  # creating the project and its session
    AGENT = "agent"  # sending a message to the video agent
    UPLOAD = "upload"
    CREDITS = "credits"
    STATUS = "status"  # reading the timeline
    EXPORT = "export"  # rendering the video and fetching it


_ALL = frozenset(Operation)
_IN_A_PROJECT = frozenset({Operation.AGENT, Operation.UPLOAD, Operation.STATUS, Operation.EXPORT})

# Endpoints that serve one operation; the state endpoint is missing on purpose (see the module docstring).
_SERVES: Mapping[Endpoint, Operation] = {
    Endpoint.ANONYMOUS_TOKEN: Operation.SIGN_IN,
    Endpoint.SESSION: Operation.SETUP,
    Endpoint.CLAIM_TOKEN: Operation.SETUP,
    Endpoint.RUN_SSE: Operation.AGENT,
    Endpoint.UPLOAD: Operation.UPLOAD,
    Endpoint.CREDITS: Operation.CREDITS,
    Endpoint.RENDER: Operation.EXPORT,
    Endpoint.RENDER_STATUS: Operation.EXPORT,
    Endpoint.RENDER_CANCEL: Operation.EXPORT,
    Endpoint.RENDER_DOWNLOAD: Operation.EXPORT,
}

# (kind, the operations its words fit, key): the first row whose kind matches and whose operations include the
# interrupted one wins, so a subclass comes before its parent. Out of credits is worded apart (it carries a link).
_ROWS: list[tuple[type[errors.NemoError], frozenset[Operation], str]] = [
    (errors.TokenRefused, _ALL, "error_token_refused"),
    (errors.AuthError, _ALL, "error_auth"),
    # Reached only when the recovery (a new session) was refused too.
    (errors.SessionNotFound, _IN_A_PROJECT, "error_session_not_found"),
    (errors.ExportBlocked, frozenset({Operation.EXPORT}), "error_export_blocked"),
    (errors.ExportBlocked, _ALL - {Operation.SIGN_IN}, "error_plan_blocked"),
    (errors.UnsupportedFileType, frozenset({Operation.UPLOAD}), "error_unsupported_file"),
    (errors.FileTooLarge, frozenset({Operation.UPLOAD}), "error_file_too_large"),
    (errors.RateLimited, _ALL, "error_rate_limited"),
    (errors.RenderFailed, frozenset({Operation.EXPORT}), "render_failed"),
    (errors.NemoTimeout, _ALL, "error_timeout"),
    (errors.ConnectionLost, _ALL, "error_connection_lost"),
    (errors.ServerError, _ALL, "error_server"),
    (errors.MalformedReply, _ALL, "error_malformed"),
    (errors.BadRequest, frozenset({Operation.AGENT}), "error_bad_request"),
]

# What failed, for a refusal whose own words would not fit where it came.
_FAILED: Mapping[Operation, str] = {
    Operation.SIGN_IN: "error_sign_in",
    Operation.SETUP: "error_setup",
    Operation.AGENT: "error_bad_request",
    Operation.UPLOAD: "error_upload",
    Operation.CREDITS: "error_credits",
    Operation.STATUS: "error_status",
    Operation.EXPORT: "render_failed",
}


@dataclass(frozen=True, slots=True)
class _Explanation:
    """A catalogue key and the fields its template takes."""

    key: str
    fields: Mapping[str, str] = field(default_factory=dict)


def _interrupted(exc: errors.NemoError, during: Operation) -> Operation:
    """The operation `exc` interrupted: the one its endpoint serves, else the caller's."""
    return _SERVES.get(exc.endpoint, during) if exc.endpoint is not None else during


def _key(exc: errors.NemoError, during: Operation) -> str:
    """The catalogue key for `exc` interrupting `during` (before its endpoint is taken into account)."""
    if isinstance(exc, errors.CreditsExhausted):
        if exc.register_url:
            return "error_out_of_credits_register"
        # Without a user id there is no telling an anonymous user from a registered one: both ways are named.
        return "error_out_of_credits_unknown" if exc.user_id is None else "error_out_of_credits"
    found = (key for kind, fits, key in _ROWS if isinstance(exc, kind) and during in fits)
    return next(found, _FAILED[during])


def _explanation(exc: errors.NemoError, during: Operation, web_url: str) -> _Explanation:
    """The message for `exc`; never built from the server's own words (no tokens or raw JSON)."""
    key = _key(exc, _interrupted(exc, during))
    if isinstance(exc, errors.CreditsExhausted) and exc.register_url:
        return _Explanation(key, {"link": exc.register_url})
    return _Explanation(key, {"web": web_url})


def explain(exc: errors.NemoError, locale: str, web_url: str, *, during: Operation) -> str:
    """The message a person sees for `exc`, which interrupted `during` (unless its endpoint says otherwise)."""
    found = _explanation(exc, during, web_url)
    return say(found.key, locale, **found.fields)
