"""Logging set-up with a redactor that masks every known secret by value, and anything shaped like a token."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = "***"

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
    handler after it sees the masked record; `formatter()` masks the final line too.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._values: frozenset[str] = frozenset()
        self._by_value: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Mask `secret` from now on, as written and as a URL or a form would encode it."""
        if not secret:
            return
        values = self._values | {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
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


_PLAIN = logging.Formatter()


class _RedactingFormatter(logging.Formatter):
    """Masks the whole formatted record: a formatter or a record attribute may add text the filter never saw."""

    def __init__(self, redactor: Redactor, fmt: str) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, secrets masked."""
        return self._redactor.redact(super().format(record))


def install(handler: logging.Handler, redactor: Redactor) -> None:
    """Make `handler` mask every secret `redactor` knows, in each record and in its final line."""
    handler.addFilter(redactor)
    handler.setFormatter(redactor.formatter())


def setup(level: str | None, redactor: Redactor, *, file: Path | None = None, quiet: bool = False) -> None:
    """Log at `level` (WARNING when unset), secrets masked: to `file` when one is given, else to stderr, except when
    `quiet` (the console, whose terminal is the conversation) and no `level` was asked for: then nowhere."""
    handlers: list[logging.Handler] = []
    if file is not None:
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    elif level is not None or not quiet:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        install(handler, redactor)
    # Without any handler, logging's last resort would still print warnings to stderr.
    logging.basicConfig(level=(level or "WARNING").upper(), handlers=handlers or [logging.NullHandler()], force=True)
