"""The PTB Application pointed at a Bot API server, and the command menu it registers."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder

from adapters.telegram.adapter import AnyApplication
from adapters.telegram.incoming import COMMANDS
from adapters.telegram.options import Options
from bot.i18n import languages, say

log = logging.getLogger(__name__)

# Edited messages are not even asked for: an edit must never start a second job.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(token: str, api_url: str, options: Options, *, polling: bool) -> AnyApplication:
    """An Application for the server at `api_url` (its root: /bot<token>/ and /file/bot<token>/ are derived)."""
    root = api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .local_mode(options.local_mode)
        .read_timeout(options.read_timeout)
        .write_timeout(options.write_timeout)
        .connect_timeout(options.connect_timeout)
        .pool_timeout(options.pool_timeout)
        .media_write_timeout(options.media_write_timeout)
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


async def register_commands(bot: Bot) -> None:
    """The command menu for private chats and groups: the default in English, then one per catalogue language."""
    for scope in (BotCommandScopeAllPrivateChats(), BotCommandScopeAllGroupChats()):
        for language in (None, *languages()[1:]):
            commands = [BotCommand(name, say(f"telegram_command_{name}", language)) for name in COMMANDS]
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:
                log.warning("could not register the %s command menu: %s", language or "default", exc)
