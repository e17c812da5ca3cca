"""The composition root's Telegram part: the Application and the download client opened, the adapter served."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import httpx

from adapters.telegram.client import build_application
from adapters.telegram.options import PLATFORM, Options
from adapters.telegram.runner import run_telegram
from adapters.telegram.webhook import Webhook
from bot.app import Bot
from bot.config import TelegramSettings

# Files from the Bot API can be large: a long read timeout, an ordinary connect timeout.
DOWNLOAD_TIMEOUT = httpx.Timeout(120.0, connect=15.0)


def telegram_options(conf: TelegramSettings) -> Options:
    """The adapter's plain values: the limits of a cloud Bot API server, or of a local one."""
    return Options.for_server(local_mode=conf.local_mode)


def webhook_of(conf: TelegramSettings) -> Webhook | None:
    """The webhook set-up, or None for long polling; without a configured secret a random one is used."""
    if not conf.webhook_url:
        return None
    secret = conf.webhook_secret.get_secret_value() if conf.webhook_secret else ""
    return Webhook(
        url=conf.webhook_url,
        secret=secret or secrets.token_urlsafe(32),
        listen=conf.webhook_listen,
        port=conf.webhook_port,
        path=urlsplit(conf.webhook_url).path or "/",
    )


async def serve_telegram(bot: Bot, conf: TelegramSettings) -> None:
    """Run the Telegram bot until cancelled (long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set)."""
    options = telegram_options(conf)
    webhook = webhook_of(conf)
    application = build_application(conf.token(), conf.api_url, options, polling=webhook is None)
    async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT) as http, application:
        await run_telegram(bot.engine(PLATFORM), application, http, options, webhook)
