"""Which catalogue message a person sees for each Nemo error: error class -> key and fields, nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.i18n import say
from bot.nemo import errors

# First match wins, so a subclass must come before its parent.
_KEYS: list[tuple[type[errors.NemoError], str]] = [
    (errors.AuthError, "error_auth"),
    (errors.SessionNotFound, "error_session_not_found"),
    (errors.ExportBlocked, "error_export_blocked"),
    (errors.UnsupportedFileType, "error_unsupported_file"),
    (errors.FileTooLarge, "error_file_too_large"),
    (errors.RateLimited, "error_rate_limited"),
    (errors.RenderFailed, "render_failed"),
    (errors.NemoTimeout, "error_timeout"),
    (errors.ConnectionLost, "error_connection_lost"),
    (errors.ServerError, "error_server"),
    (errors.MalformedReply, "error_malformed"),
    (errors.BadRequest, "error_bad_request"),
]


@dataclass(frozen=True, slots=True)
class _Explanation:
    """A catalogue key and the fields its template takes."""

    key: str
    fields: Mapping[str, str] = field(default_factory=dict)


def _explanation(exc: errors.NemoError, web_url: str) -> _Explanation:
    """The message for `exc`; never built from the server's own words (no tokens or raw JSON)."""
    if isinstance(exc, errors.CreditsExhausted):
        if exc.register_url:
            return _Explanation("error_out_of_credits_register", {"link": exc.register_url})
        return _Explanation("error_out_of_credits", {"web": web_url})
    key = next((key for kind, key in _KEYS if isinstance(exc, kind)), "error_unknown")
    return _Explanation(key, {"web": web_url})


def explain(exc: errors.NemoError, locale: str, web_url: str) -> str:
    """The message a person sees for `exc`, in their language."""
    found = _explanation(exc, web_url)
    return say(found.key, locale, **found.fields)
