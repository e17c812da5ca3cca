"""Every Nemo error has a clear message in English and Chinese that fits what it interrupted."""

from __future__ import annotations

import pytest

from bot.engine.explain import Operation, explain
from bot.i18n import say
from bot.nemo import errors
from bot.nemo.wire import Endpoint

SERVER_WORDS = '{"code":1001,"message":"token nmv_usr_abcdefghij expired"}'
WEB = "https://nemovideo.com"

KINDS: list[errors.NemoError] = [
    errors.AuthError(SERVER_WORDS),
    errors.TokenRefused(SERVER_WORDS),
    errors.SessionNotFound(SERVER_WORDS),
    errors.CreditsExhausted(SERVER_WORDS, user_id="anon_1", register_url="https://nemovideo.com/register?bind=anon_1"),
    errors.CreditsExhausted(SERVER_WORDS, user_id="user_1"),
    errors.CreditsExhausted(SERVER_WORDS),
    errors.ExportBlocked(SERVER_WORDS),
    errors.UnsupportedFileType(SERVER_WORDS),
    errors.FileTooLarge(SERVER_WORDS),
    errors.BadRequest(SERVER_WORDS),
    errors.RateLimited(SERVER_WORDS),
    errors.ServerError(SERVER_WORDS),
    errors.NemoTimeout(SERVER_WORDS),
    errors.ConnectionLost(SERVER_WORDS),
    errors.StreamDropped(SERVER_WORDS),
    errors.MalformedReply(SERVER_WORDS),
    errors.RenderFailed("render_1", SERVER_WORDS),
]


def at(endpoint: Endpoint | None, error: errors.NemoError) -> errors.NemoError:
    """`error` as the client raises it from `endpoint`."""
    error.endpoint = endpoint
    return error


@pytest.mark.parametrize("during", list(Operation))
@pytest.mark.parametrize("error", KINDS, ids=[f"{i}-{type(e).__name__}" for i, e in enumerate(KINDS)])
def test_each_error_reads_clearly_in_both_languages(error: errors.NemoError, during: Operation) -> None:
    english = explain(error, "en", WEB, during=during)
    chinese = explain(error, "zh-CN", WEB, during=during)
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    for shown in (english, chinese):
        assert "nmv_usr_" not in shown
        assert "{" not in shown
        assert "1001" not in shown


def test_messages_differ_by_what_the_user_can_do() -> None:
    shown = {explain(error, "en", WEB, during=Operation.AGENT) for error in KINDS}
    assert len(shown) >= 13
    registered = explain(KINDS[4], "en", WEB, during=Operation.AGENT)
    assert registered == "💳 You are out of credits. Top up at https://nemovideo.com."


@pytest.mark.parametrize(
    ("error", "during", "key"),
    [
        # A kind's own words where they fit...
        (errors.UnsupportedFileType("x"), Operation.UPLOAD, "error_unsupported_file"),
        (errors.ExportBlocked("x"), Operation.EXPORT, "error_export_blocked"),
        (errors.BadRequest("x"), Operation.AGENT, "error_bad_request"),
        # ...and elsewhere what failed.
        (errors.UnsupportedFileType("x"), Operation.CREDITS, "error_credits"),
        (errors.FileTooLarge("x"), Operation.STATUS, "error_status"),
        (errors.BadRequest("x"), Operation.UPLOAD, "error_upload"),
        (errors.BadRequest("x"), Operation.EXPORT, "render_failed"),
        (errors.SessionNotFound("x"), Operation.CREDITS, "error_credits"),
        (errors.ExportBlocked("x"), Operation.CREDITS, "error_plan_blocked"),
        (errors.ExportBlocked("x"), Operation.UPLOAD, "error_plan_blocked"),
        # Passing failures read the same everywhere.
        (errors.RateLimited("x"), Operation.CREDITS, "error_rate_limited"),
        (errors.ServerError("x"), Operation.EXPORT, "error_server"),
        # Out of credits: the bind link when the anonymous id is known; both ways when no id is known.
        (errors.CreditsExhausted("x", user_id="anon_1", register_url="https://w/register?bind=anon_1"),
         Operation.EXPORT, "error_out_of_credits_register"),
        (errors.CreditsExhausted("x", user_id="user_1"), Operation.CREDITS, "error_out_of_credits"),
        (errors.CreditsExhausted("x"), Operation.AGENT, "error_out_of_credits_unknown"),
        (errors.TokenRefused("x"), Operation.STATUS, "error_token_refused"),
    ],
)
def test_the_message_fits_what_was_interrupted(error: errors.NemoError, during: Operation, key: str) -> None:
    assert explain(error, "en", WEB, during=during) == say(key, "en", web=WEB, link="https://w/register?bind=anon_1")


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [
        (Endpoint.ANONYMOUS_TOKEN, "error_sign_in"),
        (Endpoint.SESSION, "error_setup"),
        (Endpoint.CREDITS, "error_credits"),
        (Endpoint.UPLOAD, "error_upload"),
        (Endpoint.RENDER, "render_failed"),
        (Endpoint.STATE, "error_status"),  # read by several steps: the caller's operation counts
        (None, "error_status"),
    ],
)
def test_the_endpoint_an_error_came_from_says_what_it_interrupted(endpoint: Endpoint | None, key: str) -> None:
    # Asked for the timeline, but the token or the project being set up on the way failed, say.
    error = at(endpoint, errors.BadRequest("x"))
    assert explain(error, "en", WEB, during=Operation.STATUS) == say(key, "en", web=WEB)


def test_a_plan_block_on_the_way_to_a_token_is_a_failed_sign_in() -> None:
    error = at(Endpoint.ANONYMOUS_TOKEN, errors.ExportBlocked("x"))
    assert explain(error, "en", WEB, during=Operation.EXPORT) == say("error_sign_in", "en")
