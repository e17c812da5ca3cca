"""Every Nemo error class has its own clear message in English and Chinese."""

from __future__ import annotations

import pytest

from bot.engine.explain import explain
from bot.nemo import errors

SERVER_WORDS = '{"code":1001,"message":"token nmv_usr_abcdefghij expired"}'

KINDS: list[errors.NemoError] = [
    errors.AuthError(SERVER_WORDS),
    errors.SessionNotFound(SERVER_WORDS),
    errors.CreditsExhausted(SERVER_WORDS, user_id="anon_1", register_url="https://nemovideo.com/register?bind=anon_1"),
    errors.CreditsExhausted(SERVER_WORDS, user_id="user_1"),
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


@pytest.mark.parametrize("error", KINDS, ids=[f"{i}-{type(e).__name__}" for i, e in enumerate(KINDS)])
def test_each_error_reads_clearly_in_both_languages(error: errors.NemoError) -> None:
    english = explain(error, "en", "https://nemovideo.com")
    chinese = explain(error, "zh-CN", "https://nemovideo.com")
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    for shown in (english, chinese):
        assert "nmv_usr_" not in shown
        assert "{" not in shown
        assert "1001" not in shown


def test_messages_differ_by_what_the_user_can_do() -> None:
    shown = {explain(error, "en", "https://nemovideo.com") for error in KINDS}
    assert len(shown) >= 12
    registered = explain(KINDS[3], "en", "https://nemovideo.com")
    assert registered == "💳 You are out of credits. Top up at https://nemovideo.com."
