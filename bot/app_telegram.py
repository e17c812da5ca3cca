"""The composition root's Telegram part: the Application and the download client opened, the adapter served."""

from __future__ import annotations

import contextlib
import errno
import secrets
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
from telegram.error import BadRequest, InvalidToken, NetworkError

from adapters.telegram.client import AnyApplication, build_application
from adapters.telegram.options import PLATFORM, Options
from adapters.telegram.runner import run_telegram
from adapters.telegram.webhook import Webhook
from bot.app import Bot
from bot.config import TelegramSettings
from bot.engine.ports import Clock
from bot.errors import BadSetting, CredentialsRefused, Unreachable, reason, shown_url
from bot.health import Check, Probe
from bot.metrics import Metrics

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
    calls = BotApiCalls(bot.metrics)
    application = build_application(conf.token(), conf.api_url, options, polling=webhook is None, report=calls.report)
    bot.readiness.add(PLATFORM, connected(application, calls, webhook=webhook is not None))
    shared = bot.health_server
    # The same port as the health server's: the webhook answers there, beside /healthz (one port to expose).
    serve = shared.adding if shared and webhook and webhook.port and webhook.port == shared.port else None
    with startup_errors(conf, webhook):
        async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT) as http, application:
            await run_telegram(bot.engine(PLATFORM), application, http, options, webhook, serve, bot.store)


class BotApiCalls:
    """How the Bot API calls go: every failure counted, and the last getUpdates and setWebhook kept for readiness."""

    WATCHED = ("getUpdates", "setWebhook")

    def __init__(self, metrics: Metrics, clock: Clock = time.monotonic) -> None:
        self._metrics = metrics
        self._clock = clock
        self.last: dict[str, tuple[str | None, float]] = {}  # method -> (its code, None: it succeeded; when)

    def report(self, method: str, code: str | None) -> None:
        """One call ended (`adapters.telegram.watch.CallReport`)."""
        if code is not None:
            self._metrics.platform_error(PLATFORM, method, code)
        if method in self.WATCHED:
            self.last[method] = (code, self._clock())

    def outcome(self, method: str) -> str:
        """How the last call of `method` ended, in words."""
        code, when = self.last[method]
        return f"{method} {'answered' if code is None else f'failed ({code})'} {self._clock() - when:.0f} s ago"


def connected(application: AnyApplication, calls: BotApiCalls, *, webhook: bool) -> Probe:
    """Telegram is connected while the Application runs and the last getUpdates (polling) or setWebhook (webhook
    mode) succeeded; a long poll in flight counts as well as its predecessor did."""

    async def probe() -> Check:
        if not application.running:
            return Check(False, "not running")
        method = "setWebhook" if webhook else "getUpdates"
        if method not in calls.last:
            return Check(not webhook, f"no {method} has ended yet")
        return Check(calls.last[method][0] is None, calls.outcome(method))

    return probe


@contextlib.contextmanager
def startup_errors(conf: TelegramSettings, webhook: Webhook | None) -> Iterator[None]:
    """The seam for Telegram failing to start: the Bot API's and the webhook server's errors as start-up errors.

    python-telegram-bot retries what fails once it runs (polling, sends), so what reaches here stopped the start.
    """
    api = shown_url(conf.api_url)
    try:
        yield
    except InvalidToken as exc:
        if _not_a_bot_api(exc):
            raise BadSetting(
                f"the server at {api} does not answer like Telegram's Bot API",
                "check TELEGRAM_API_URL: the Bot API server's root, such as https://api.telegram.org",
            ) from exc
        raise CredentialsRefused(
            "the token was refused by Telegram",
            "check TELEGRAM_BOT_TOKEN: @BotFather shows the bot's current token (/mybots, API Token)",
        ) from exc
    except BadRequest as exc:  # a NetworkError to python-telegram-bot: it is an answer, though
        if webhook is None or "webhook" not in exc.message.lower():
            raise
        raise BadSetting(
            f"Telegram refused the webhook ({exc.message})",
            "check TELEGRAM_WEBHOOK_URL: a public HTTPS URL (ports 443, 80, 88 or 8443) that reaches this bot",
        ) from exc
    except NetworkError as exc:
        raise Unreachable(
            f"Telegram's API at {api} could not be reached ({reason(exc)})",
            "check the network (a proxy or firewall?), or TELEGRAM_API_URL if the bot uses its own Bot API server",
        ) from exc
    except OSError as exc:
        if webhook is None or not _cannot_listen(exc):
            raise
        raise _listen_error(webhook, exc) from exc


def _not_a_bot_api(exc: InvalidToken) -> bool:
    """Whether the refusal was an answer that is not the Bot API's JSON (a 404 page from another server)."""
    cause = exc.__cause__
    while isinstance(cause, InvalidToken):
        cause = cause.__cause__
    return cause is not None


def _cannot_listen(exc: OSError) -> bool:
    return isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def _listen_error(webhook: Webhook, exc: OSError) -> BadSetting:
    where = f"{webhook.listen}:{webhook.port}"
    if exc.errno == errno.EADDRINUSE:
        return BadSetting(
            f"the webhook port {where} is already in use",
            "set TELEGRAM_WEBHOOK_PORT to a free port, or stop what listens there",
        )
    return BadSetting(
        f"the webhook server cannot listen on {where} ({reason(exc)})",
        "check TELEGRAM_WEBHOOK_LISTEN (an address of this machine, 0.0.0.0 for all) and TELEGRAM_WEBHOOK_PORT "
        "(below 1024 needs privileges)",
    )
