"""The command menu: the commands the bot answers, registered with Telegram in every catalogue language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot.i18n import languages, say

log = logging.getLogger(__name__)

# The menu, in the order Telegram shows it; each is described by `telegram_command_<name>` in the catalogue.
COMMANDS = ("video", "export", "status", "credits", "new", "cancel", "help")


async def register_commands(bot: Bot) -> None:
    """The command menu for private chats and groups: the default in English, then one per catalogue language."""
    for scope in (BotCommandScopeAllPrivateChats(), BotCommandScopeAllGroupChats()):
        for language in (None, *languages()[1:]):
            commands = [BotCommand(name, say(f"telegram_command_{name}", language)) for name in COMMANDS]
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:
                log.warning("could not register the %s command menu: %s", language or "default", exc)
