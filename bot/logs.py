"""Logging set-up with a filter that masks anything shaped like a token."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(
    r"nmv_usr_[A-Za-z0-9_\-]+|clm_[A-Za-z0-9]+|\d{6,}:[A-Za-z0-9_\-]{30,}|(?i:bearer|bot)\s+[A-Za-z0-9._\-]{20,}"
    r"|(?<=/webhooks/)\d+/[^/\s?]+|(?<=/interactions/)\d+/[^/\s?]+"
)


class RedactSecrets(logging.Filter):
    """Masks Nemo tokens, claim tokens, bot tokens and bearer headers in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets masked."""
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def redact(text: str) -> str:
    """`text` with anything shaped like a secret masked."""
    return _SECRET.sub("***", text)


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted record, tracebacks included (library errors may quote a token)."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, secrets masked."""
        return redact(super().format(record))


def setup(level: str) -> None:
    """Log to stderr at `level`, secrets masked."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactSecrets())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
