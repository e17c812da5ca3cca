"""The PTB Application pointed at a Bot API server, and the updates it asks for."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from adapters.telegram.options import Options
from adapters.telegram.watch import CallReport, WatchedRequest

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# Edited messages are not even asked for: an edit must never start a second job.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def rate_limiter() -> AIORateLimiter:
    """Every request paced under Telegram's bot-wide limits: 30 a second overall, 20 a minute per group.

    It sits under the adapter's own pacing (one progress edit per chat per interval). A 429 is not retried here:
    the adapter already waits out `retry_after` and sends again (`Options.flood_attempts`), while a progress edit
    skips ahead to the newest text; retrying inside the limiter too would multiply the attempts and hold up edits.
    """
    # With no retries PTB logs every 429 as an exception; the adapter logs each one itself.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    return AIORateLimiter(
        overall_max_rate=FloodLimit.MESSAGES_PER_SECOND, overall_time_period=1,
        group_max_rate=FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, group_time_period=60, max_retries=0,
    )


def build_application(
    token: str, api_url: str, options: Options, *, polling: bool, report: CallReport | None = None,
) -> AnyApplication:
    """An Application for the server at `api_url` (its root: /bot<token>/ and /file/bot<token>/ are derived);
    `report` is told how every call ended."""
    root = api_url.rstrip("/")
    told = report or _unreported
    requests = WatchedRequest(
        told, connection_pool_size=256, read_timeout=options.read_timeout, write_timeout=options.write_timeout,
        connect_timeout=options.connect_timeout, pool_timeout=options.pool_timeout,
        media_write_timeout=options.media_write_timeout,
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .local_mode(options.local_mode)
        .request(requests)
        .get_updates_request(WatchedRequest(told, connection_pool_size=1))  # one long poll at a time
        .job_queue(None)
        .rate_limiter(rate_limiter())
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def _unreported(method: str, code: str | None) -> None:
    """Nobody asked how calls end."""
