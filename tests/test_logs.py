"""Log lines never carry a secret: Nemo tokens, bot tokens, bearer headers, interaction tokens."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import RedactSecrets

SECRETS = [
    ("token nmv_usr_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd refused", "nmv_usr_AbCd"),
    ("POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage", "AAHdqTcv"),
    ("Authorization: Bearer nmv_usr_zzzzzzzzzzzzzzzzzzzzzzzz", "zzzzzzzz"),
    ("Authorization: Bot MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz", "MTA5ODc2"),
    ("PATCH https://discord.com/api/v10/webhooks/1098/aW50ZXJhY3Rpb246MTIz/messages/@original", "aW50ZXJh"),
    ("POST https://discord.com/api/v10/interactions/1234/aW50ZXJhY3Rpb246NDU2/callback", "aW50ZXJh"),
    ("claim link https://nemovideo.com/workspace/claim?ct=clm_0a1b2c3d4e", "clm_0a1b"),
]


@pytest.mark.parametrize(("line", "secret"), SECRETS)
def test_secret_is_masked(line: str, secret: str) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactSecrets())
    log = logging.getLogger(f"redaction-{secret}")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("request: %s", line)
    finally:
        log.removeHandler(handler)
    shown = out.getvalue()
    assert secret not in shown
    assert "***" in shown


def test_ordinary_lines_are_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "render %s done in %d s", ("render_42", 12), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "render render_42 done in 12 s"
