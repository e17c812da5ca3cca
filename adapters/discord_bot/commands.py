"""The slash commands, named and described from the catalogue in every language, usable in servers and in DMs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.i18n import DEFAULT, resolve_locale, say

log = logging.getLogger(__name__)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
INSTALLS = app_commands.AppInstallationType(guild=True, user=True)

# The commands that take no options; each is named by `discord_command_<name>` in the catalogue and described by
# `discord_command_<name>_about`.
_SIMPLE = ("export", "status", "credits", "new", "cancel", "help")
# Who sees the admin commands in a server's command list by default (a server's admins may change it); the bot checks
# ADMIN_USERS itself whoever runs them.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def _text(key: str) -> locale_str:
    """A name or description: the English text, carrying its catalogue key for the translator."""
    return locale_str(say(key, DEFAULT), key=key)


class CommandHandler(Protocol):
    """What a command does: acknowledge, then hand the text and files to the engine."""

    async def command(
        self, interaction: discord.Interaction[Any], text: str, files: tuple[discord.Attachment | None, ...] = (),
    ) -> None:
        """Handle one slash command."""


class CommandTranslator(app_commands.Translator):
    """Command names and descriptions in every catalogue language Discord has a locale for."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The text for `string` in the table nearest to `locale` (zh-TW, then zh), or None to keep the English."""
        key = string.extras.get("key")
        language = resolve_locale(locale.value)
        if key is None or language == DEFAULT:
            return None
        return say(key, language)


def build_tree(client: discord.Client, handler: CommandHandler) -> app_commands.CommandTree[Any]:
    """The command tree with every command registered, allowed in servers, DMs and group DMs, for both installs."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        client, allowed_contexts=CONTEXTS, allowed_installs=INSTALLS,
    )
    tree.error(on_error)
    tree.add_command(_video(handler))
    tree.add_command(_upload(handler))
    for name in _SIMPLE:
        command: app_commands.Command[Any, [], None] = app_commands.Command(
            name=_text(f"discord_command_{name}"), description=_text(f"discord_command_{name}_about"),
            callback=_simple(handler, name),
        )
        tree.add_command(command)
    tree.add_command(app_commands.Command(
        name=_text("discord_command_usage"), description=_text("discord_command_usage_about"),
        callback=_simple(handler, "usage"),
    ))
    for admin_command in (_grant(handler, "allow"), _grant(handler, "deny"), _quota(handler)):
        admin_command.default_permissions = ADMIN_PERMISSIONS
        tree.add_command(admin_command)
    return tree


async def on_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """Any failure of a slash command (a stale command, an option discord.py could not read, a bug) becomes a
    friendly message only the person who asked sees."""
    log.error("slash command failed: %s", type(error).__name__, exc_info=error)
    text = say("error_internal", resolve_locale(interaction.locale.value))
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
            return
        # Deferred in public: the first followup would only fill the "thinking..." placeholder, so it goes first.
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not tell the user about a failed command: %s %s", exc.status, exc.code)


def _simple(handler: CommandHandler, name: str) -> Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await handler.command(interaction, f"/{name}")

    return run


def _video(handler: CommandHandler) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(
        name=_text("discord_command_video"), description=_text("discord_command_video_about"),
    )
    @app_commands.rename(
        prompt=_text("discord_option_prompt"), file=_text("discord_option_file"),
        file2=_text("discord_option_file2"), file3=_text("discord_option_file3"),
    )
    @app_commands.describe(
        prompt=_text("discord_option_prompt_about"), file=_text("discord_option_file_about"),
        file2=_text("discord_option_file_about"), file3=_text("discord_option_file_about"),
    )
    async def video(
        interaction: discord.Interaction[Any], prompt: app_commands.Range[str, 1, 4000],
        file: discord.Attachment | None = None, file2: discord.Attachment | None = None,
        file3: discord.Attachment | None = None,
    ) -> None:
        await handler.command(interaction, f"/video {prompt}", (file, file2, file3))

    return video


def _upload(handler: CommandHandler) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(
        name=_text("discord_command_upload"), description=_text("discord_command_upload_about"),
    )
    @app_commands.rename(file=_text("discord_option_file"))
    @app_commands.describe(file=_text("discord_option_upload_file_about"))
    async def upload(interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        await handler.command(interaction, "/upload", (file,))

    return upload


def _grant(handler: CommandHandler, name: str) -> app_commands.Command[Any, ..., None]:
    """`/allow user:` or `/deny user:`, sent on as `/allow <@id>`."""
    title = {"allow": ("discord_command_allow", "discord_command_allow_about"),
             "deny": ("discord_command_deny", "discord_command_deny_about")}[name]

    @app_commands.command(name=_text(title[0]), description=_text(title[1]))
    @app_commands.rename(user=_text("discord_option_user"))
    @app_commands.describe(user=_text("discord_option_user_about"))
    async def grant(interaction: discord.Interaction[Any], user: discord.User) -> None:
        await handler.command(interaction, f"/{name} {user.mention}")

    return grant


def _quota(handler: CommandHandler) -> app_commands.Command[Any, ..., None]:
    """`/quota user: [limit:] [kind:]`, sent on as `/quota <@id> <n|default> <kind>`."""

    @app_commands.command(name=_text("discord_command_quota"), description=_text("discord_command_quota_about"))
    @app_commands.rename(
        user=_text("discord_option_user"), limit=_text("discord_option_limit"), kind=_text("discord_option_kind"),
    )
    @app_commands.describe(
        user=_text("discord_option_user_about"), limit=_text("discord_option_limit_about"),
        kind=_text("discord_option_kind_about"),
    )
    @app_commands.choices(kind=[
        app_commands.Choice(name=_text("quota_kind_turns"), value="turns"),
        app_commands.Choice(name=_text("quota_kind_exports"), value="exports"),
        app_commands.Choice(name=_text("quota_kind_credits"), value="credits"),
    ])
    async def quota(
        interaction: discord.Interaction[Any], user: discord.User,
        limit: app_commands.Range[int, 0, 1_000_000_000] | None = None, kind: str = "turns",
    ) -> None:
        amount = "default" if limit is None else str(limit)
        await handler.command(interaction, f"/quota {user.mention} {amount} {kind}")

    return quota
