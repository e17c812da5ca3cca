"""Log lines never carry a secret: configured values of any shape, Nemo tokens, bot tokens, bearer headers,
interaction tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from bot.logs import Redactor, install, setup

SECRETS = [
    ("token nmv_usr_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd refused", "nmv_usr_AbCd"),
    ("POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage", "AAHdqTcv"),
    ("Authorization: Bearer nmv_usr_zzzzzzzzzzzzzzzzzzzzzzzz", "zzzzzzzz"),
    ("Authorization: Bot MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz", "MTA5ODc2"),
    ("PATCH https://discord.com/api/v10/webhooks/1098/aW50ZXJhY3Rpb246MTIz/messages/@original", "aW50ZXJh"),
    ("POST https://discord.com/api/v10/interactions/1234/aW50ZXJhY3Rpb246NDU2/callback", "aW50ZXJh"),
    ("claim link https://nemovideo.com/workspace/claim?ct=clm_0a1b2c3d4e", "clm_0a1b"),
    ("WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': {'id': '1', 'token': 'itoken-77', 'type': 2}}", "itoken-77"),
    ('{"op": 0, "d": {"token":"short-one", "type": 3}}', "short-one"),
    ("followup with aW50ZXJhY3Rpb246MTIzOjQ1Njo3ODk.xYz-123 failed", "aW50ZXJh"),
]


@pytest.mark.parametrize(("line", "secret"), SECRETS)
def test_secret_is_masked(line: str, secret: str) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(Redactor())
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
    Redactor().filter(record)
    assert record.getMessage() == "render render_42 done in 12 s"


UNUSUAL = ["123456:SECRETtelegramTOKENxyz", "Zq9.shorty", "q7-nemo", "a b/c:d"]


@pytest.mark.parametrize("secret", UNUSUAL)
def test_a_registered_value_is_masked_whatever_its_shape(secret: str) -> None:
    redactor = Redactor([secret])
    for written in (secret, quote(secret, safe=""), quote_plus(secret)):
        assert secret not in redactor.redact(f"POST http://127.0.0.1:1/bot{written}/getUpdates")
        assert written not in redactor.redact(f"POST http://127.0.0.1:1/bot{written}/getUpdates")
    assert Redactor().redact(secret) == secret  # no pattern knows these: only the value does


def test_a_value_registered_later_is_masked_from_then_on() -> None:
    redactor = Redactor([None, ""])
    assert redactor.redact("issued q7-nemo") == "issued q7-nemo"
    redactor.add("q7-nemo")
    assert redactor.redact("issued q7-nemo") == "issued ***"


def test_message_arguments_tracebacks_and_stacks_are_masked() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    install(handler, Redactor(["Zq9.shorty"]))
    log = logging.getLogger("redaction-traceback")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError("The token `Zq9.shorty` was rejected")
        except ValueError:
            log.exception("failed with %s", {"auth": "Zq9.shorty"}, stack_info=True)
    finally:
        log.removeHandler(handler)
    shown = out.getvalue()
    assert "Zq9.shorty" not in shown
    assert "ValueError: The token `***` was rejected" in shown
    assert "failed with {'auth': '***'}" in shown


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back with its own handlers and level after the test has set logging up."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_console_logs_nowhere_unless_a_level_is_asked_for(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str],
) -> None:
    setup(None, Redactor(), quiet=True)
    logging.getLogger("bot.engine.engine").warning("nemo error in console:local:-: HTTP 200, code 2001")
    assert capsys.readouterr() == ("", "")
    setup("WARNING", Redactor(), quiet=True)
    logging.getLogger("bot.engine.engine").warning("nemo error in console:local:-: HTTP 200, code 2001")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "WARNING bot.engine.engine: nemo error in console:local:-" in captured.err


def test_other_commands_log_warnings_to_stderr_by_default(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str],
) -> None:
    setup(None, Redactor())
    logging.getLogger("bot").info("routine")
    logging.getLogger("bot").warning("worth knowing")
    err = capsys.readouterr().err
    assert "worth knowing" in err
    assert "routine" not in err


def test_a_log_file_takes_the_lines_masked_and_stderr_stays_quiet(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    path = tmp_path / "bot.log"
    setup("DEBUG", Redactor(["q7-nemo"]), file=path, quiet=True)
    logging.getLogger("httpx").debug("GET http://127.0.0.1/x?token=q7-nemo")
    logging.getLogger("bot").warning("token nmv_usr_AbCdEfGhIjKlMnOpQrStUvWxYz refused")
    assert capsys.readouterr() == ("", "")
    written = path.read_text(encoding="utf-8")
    assert "DEBUG httpx: GET http://127.0.0.1/x?token=***" in written
    assert "WARNING bot: token *** refused" in written
    assert "q7-nemo" not in written
    assert "nmv_usr_" not in written
