"""LOG_FORMAT=json: one JSON object per line, with what the line is about, and never a secret (whatever its shape,
wherever it shows: message, arguments, a field given with `extra=`, a traceback)."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot import logfields
from bot.logs import Redactor, install
from bot.store.keys import ChatKey

# Secrets that JSON escapes or that no pattern knows: a quote, a backslash, non-ASCII, a bot-token shape.
SECRETS = ['q"uo\\te-9', "пароль-секрет", "123456:SECRETtelegramTOKENxyz"]


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON through the redactor into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    install(handler, Redactor(SECRETS), "json")
    log = logging.getLogger("json-test")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        yield log, out
    finally:
        log.removeHandler(handler)


def _parsed(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_the_fields_in_context(lines: tuple[logging.Logger, io.StringIO]) -> None:
    log, out = lines

    def handling() -> None:
        logfields.bind_message(ChatKey("telegram", "42", "7"))
        log.info("turn started")
        logfields.bind_render("render_abc", ChatKey("telegram", "42", "7"))
        log.warning("polling %s\nfailed", "render_abc")

    contextvars.copy_context().run(handling)
    log.info("outside any chat", extra={"chat": "console:local:-"})
    first, second, third = _parsed(out)
    assert first["level"] == "INFO"
    assert first["logger"] == "json-test"
    assert first["message"] == "turn started"
    assert first["chat"] == "telegram:42:7"
    assert len(first["request_id"]) == 16
    assert "render_id" not in first
    assert first["time"].endswith("+00:00")
    assert second["render_id"] == "render_abc"
    assert second["request_id"] == first["request_id"]  # the same request, following its render
    assert second["message"] == "polling render_abc\nfailed"  # one line of JSON, whatever the message holds
    assert third == {**third, "chat": "console:local:-"}
    assert "request_id" not in third


def test_a_json_line_never_holds_a_secret(lines: tuple[logging.Logger, io.StringIO]) -> None:
    log, out = lines
    for secret in SECRETS:
        log.warning("token %s refused", secret, extra={"render_id": f"r-{secret}"})
        try:
            raise RuntimeError(f"the server said {secret!r}")
        except RuntimeError:
            log.exception("call failed with %r", {"token": secret})
    text = out.getvalue()
    records = _parsed(out)
    assert len(records) == 2 * len(SECRETS)
    for secret in SECRETS:
        encoded = json.dumps(secret)[1:-1]
        assert secret not in text
        assert encoded not in text
        assert all(secret not in str(record) for record in records)
    assert "RuntimeError" in records[1]["exception"]
    assert "***" in records[1]["exception"]


async def test_tasks_started_while_handling_a_message_carry_its_fields() -> None:
    async def handle(chat: ChatKey) -> dict[str, str]:
        logfields.bind_message(chat)
        return await asyncio.create_task(asyncio.sleep(0, result=logfields.current()))

    first, second = await asyncio.gather(handle(ChatKey("discord", "1")), handle(ChatKey("discord", "2")))
    assert (first["chat"], second["chat"]) == ("discord:1:-", "discord:2:-")
    assert first["request_id"] != second["request_id"]
    assert logfields.current() == {}  # each handler ran in a task of its own
