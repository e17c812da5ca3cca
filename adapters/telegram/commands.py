"""The command menu: the commands the bot answers, registered with Telegram in every catalogue language."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import TelegramError

from bot.i18n import languages, say

log = logging.getLogger(__name__)

# The menu, in the order Telegram shows it; each is described by `telegram_command_<name>` in the catalogue.
COMMANDS = ("video", "export", "status", "credits", "new", "cancel", "help", "usage")
# The team's admin commands, in the menu of group admins only (the bot answers them for ADMIN_USERS alone).
ADMIN_COMMANDS = ("allow", "deny", "quota")


async def register_commands(bot: Bot) -> None:
    """The command menu for private chats, groups and groups' admins: the default in English, then one per catalogue
    language."""
    scopes: tuple[tuple[BotCommandScope, tuple[str, ...]], ...] = (
        (BotCommandScopeAllPrivateChats(), COMMANDS),
        (BotCommandScopeAllGroupChats(), COMMANDS),
        (BotCommandScopeAllChatAdministrators(), COMMANDS + ADMIN_COMMANDS),
    )
    for scope, names in scopes:
        for language in (None, *languages()[1:]):
            commands = [BotCommand(name, say(f"telegram_command_{name}", language)) for name in names]
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:
                log.warning("could not register the %s command menu: %s", language or "default", exc)
