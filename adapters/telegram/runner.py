"""`nemo-bot telegram`: the adapter running in polling or webhook mode until cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx

from adapters.telegram.adapter import AnyApplication, TelegramAdapter
from adapters.telegram.application import ALLOWED_UPDATES, build_application, register_commands
from adapters.telegram.options import PLATFORM
from adapters.telegram.settings import TelegramSettings
from adapters.telegram.webhook import Webhook, serve_asgi, webhook_app
from bot.app import Bot
from bot.config import Settings

log = logging.getLogger(__name__)


def webhook_of(conf: TelegramSettings) -> Webhook | None:
    """The webhook set-up, or None for long polling; without a configured secret a random one is used."""
    if not conf.telegram_webhook_url:
        return None
    secret = conf.telegram_webhook_secret.get_secret_value() if conf.telegram_webhook_secret else ""
    return Webhook(
        url=conf.telegram_webhook_url,
        secret=secret or secrets.token_urlsafe(32),
        listen=conf.telegram_webhook_listen,
        port=conf.telegram_webhook_port,
        path=urlsplit(conf.telegram_webhook_url).path or "/",
    )


@contextlib.asynccontextmanager
async def running(
    application: AnyApplication, adapter: TelegramAdapter, *, webhook: Webhook | None, polling_timeout: float,
) -> AsyncIterator[int | None]:
    """Start everything (menu, resumed renders, updates); yields the webhook's bound port (None when polling)."""
    async with application:
        await register_commands(application.bot)
        resumed = await adapter.resume()
        if resumed:
            log.info("resuming %d unfinished render(s)", resumed)
        await application.start()
        try:
            if webhook is None:
                assert application.updater is not None
                # Note: start_polling deletes any webhook first, as getUpdates requires.
                await application.updater.start_polling(timeout=int(polling_timeout), allowed_updates=ALLOWED_UPDATES)
                try:
                    yield None
                finally:
                    await application.updater.stop()
            else:
                app = webhook_app(application, webhook.secret, webhook.path)
                async with serve_asgi(app, webhook.listen, webhook.port) as port:
                    await application.bot.set_webhook(
                        webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES,
                    )
                    yield port
        finally:
            await application.stop()
            await adapter.close()


async def run_telegram(bot: Bot, settings: Settings) -> None:
    """Run the Telegram bot until cancelled (long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set)."""
    conf = TelegramSettings.from_settings(settings)
    options = conf.options()
    webhook = webhook_of(conf)
    application = build_application(conf.token(), conf.telegram_api_url, options, polling=webhook is None)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=15.0)) as http:
        adapter = TelegramAdapter(bot.engine(PLATFORM), application.bot, http, options)
        adapter.install(application)
        async with running(application, adapter, webhook=webhook, polling_timeout=options.polling_timeout):
            log.info("telegram bot running (%s)", "webhook" if webhook else "polling")
            await asyncio.Event().wait()
