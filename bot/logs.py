"""Logging set-up with a redactor that masks every known secret by value, and anything shaped like a token."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote, quote_plus

from bot import logfields

MASK = "***"
LogFormat = Literal["text", "json"]

# Secrets nobody configured: Nemo and claim tokens, realistic bot tokens, bearer headers, and Discord interaction
# tokens (live credentials for 15 minutes) in webhook and callback URLs, in gateway payloads (`'token': '...'`,
# reprs of the dicts discord.py logs) and anywhere their base64 `interaction:` prefix shows.
_SHAPES = re.compile(
    r"nmv_usr_[A-Za-z0-9_\-]+|clm_[A-Za-z0-9]+|\d{6,}:[A-Za-z0-9_\-]{30,}|(?i:bearer|bot)\s+[A-Za-z0-9._\-]{20,}"
    r"|(?<=/webhooks/)\d+/[^/\s?]+|(?<=/interactions/)\d+/[^/\s?]+"
    r"|(?<=['\"]token['\"]: ['\"])[^'\"\s]+|(?<=['\"]token['\"]:['\"])[^'\"\s]+"
    r"|aW50ZXJhY3Rpb246[A-Za-z0-9+/=_\-.]*"
)


class Redactor(logging.Filter):
    """Masks the registered secret values (whatever their shape) and anything shaped like a token.

    Installed on a handler, it rewrites each record's message, arguments, traceback and stack text, so every
    handler after it sees the masked record; `formatter()` masks the final line too, `json_formatter()` each field.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._values: frozenset[str] = frozenset()
        self._by_value: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Mask `secret` from now on, as written, as a URL or a form would encode it, and as `repr()` or JSON would
        escape it."""
        if not secret:
            return
        escaped = {repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        values = self._values | {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), *escaped}
        # Longest first, so a secret that contains another is masked whole.
        alternatives = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
        # The pattern is replaced in one assignment: a thread logging meanwhile uses the old one or the new one.
        self._by_value = re.compile(alternatives)
        self._values = values

    def redact(self, text: str) -> str:
        """`text` with every registered secret and anything shaped like one masked."""
        by_value = self._by_value
        if by_value is not None:
            text = by_value.sub(MASK, text)
        return _SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record with secrets masked; never drops it."""
        # Always frozen into text: an argument is a live object (a dict a library fills in later, with a token in a
        # URL), and every later handler must see what was checked here.
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _PLAIN.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def formatter(self, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> logging.Formatter:
        """A formatter whose final line, traceback included, passes through this redactor."""
        return _RedactingFormatter(self, fmt)

    def json_formatter(self) -> logging.Formatter:
        """A formatter writing one JSON object per record, every field passed through this redactor."""
        return _JsonFormatter(self)


_PLAIN = logging.Formatter()


class _RedactingFormatter(logging.Formatter):
    """Masks the whole formatted record: a formatter or a record attribute may add text the filter never saw."""

    def __init__(self, redactor: Redactor, fmt: str) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, secrets masked."""
        return self._redactor.redact(super().format(record))


class _JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, what the line is about, and any traceback."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets masked in every field."""
        fields: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **logfields.current(),
        }
        for name in logfields.FIELDS:  # given with `extra=`, a field outranks the context's
            value = record.__dict__.get(name)
            if value is not None:
                fields[name] = str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        # Each value is masked before encoding: the encoded line is not masked again, as a mask laid over an escape
        # sequence (`\"`, `\n`) would break the JSON, and encoding adds only quotes and escapes.
        masked = {name: self._redactor.redact(value) for name, value in fields.items()}
        return json.dumps(masked, ensure_ascii=False)


def install(handler: logging.Handler, redactor: Redactor, fmt: LogFormat = "text") -> None:
    """Make `handler` mask every secret `redactor` knows, in each record and in its final line (text or JSON)."""
    handler.addFilter(redactor)
    handler.setFormatter(redactor.json_formatter() if fmt == "json" else redactor.formatter())


def setup(
    level: str | None, redactor: Redactor, *, file: Path | None = None, quiet: bool = False, fmt: LogFormat = "text",
) -> None:
    """Log at `level` (WARNING when unset), secrets masked, as text lines or JSON objects (`fmt`): to `file` when one
    is given, else to stderr, except when `quiet` (the console, whose terminal is the conversation) and no `level`
    was asked for: then nowhere."""
    handlers: list[logging.Handler] = []
    if file is not None:
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    elif level is not None or not quiet:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        install(handler, redactor, fmt)
    # Without any handler, logging's last resort would still print warnings to stderr.
    logging.basicConfig(level=(level or "WARNING").upper(), handlers=handlers or [logging.NullHandler()], force=True)
