"""`nemo-bot telegram`: the adapter serving an opened Application in polling or webhook mode until cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx

from adapters.telegram.client import ALLOWED_UPDATES, AnyApplication
from adapters.telegram.commands import register_commands
from adapters.telegram.handlers import Handlers
from adapters.telegram.inbox import Inbox
from adapters.telegram.options import Options
from adapters.telegram.webhook import Webhook, webhook_app
from bot.engine.engine import Engine
from bot.engine.ports import InboxStore
from bot.serving import Serve, serve_asgi

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running(
    application: AnyApplication, adapter: Handlers, *, webhook: Webhook | None, polling_timeout: float,
    serve: Serve | None = None, inbox: Inbox | None = None,
) -> AsyncIterator[int | None]:
    """Start the opened `application` (menu, resumed renders, updates); yields the webhook's port (None: polling).

    The webhook is served by `serve` when given (a server shared with the health endpoints), else on its own; its
    updates go through `inbox` (required with a webhook).
    """
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
            assert inbox is not None
            app = webhook_app(application, webhook.secret, webhook.path, inbox)
            served = serve(app) if serve else serve_asgi(app, webhook.listen, webhook.port, name="tg-webhook-server")
            async with inbox.running(), served as port:
                await application.bot.set_webhook(
                    webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES,
                )
                yield port
    finally:
        await application.stop()
        await adapter.close()


async def run_telegram(
    engine: Engine, application: AnyApplication, http: httpx.AsyncClient, options: Options, webhook: Webhook | None,
    serve: Serve | None = None, inbox: InboxStore | None = None,
) -> None:
    """Serve the opened `application` until cancelled: long polling, or `webhook` when there is one (by `serve`
    when given), its updates kept in `inbox` until the engine has taken them."""
    adapter = Handlers(engine, application.bot, http, options)
    adapter.install(application)
    kept = Inbox(inbox, application, engine.process, engine.lease) if webhook and inbox else None
    async with running(
        application, adapter, webhook=webhook, polling_timeout=options.polling_timeout, serve=serve, inbox=kept,
    ):
        log.info("telegram bot running (%s)", "webhook" if webhook else "polling")
        await asyncio.Event().wait()
