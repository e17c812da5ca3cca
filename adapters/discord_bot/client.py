"""The Discord client: commands synced, persistent buttons added, renders resumed, mentions followed."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl

from adapters.discord_bot.commands import CommandTranslator, build_tree
from adapters.discord_bot.files import Downloader
from adapters.discord_bot.handlers import Handlers
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.outgoing import DiscordPlatform
from adapters.discord_bot.sharding import Shards, shards
from adapters.discord_bot.surfaces import NOBODY
from adapters.discord_bot.views import argument_buttons, persistent_view
from bot.engine.engine import Engine
from bot.engine.ports import Clock
from bot.engine.tasks import Supervisor

log = logging.getLogger(__name__)


class DiscordBot(discord.AutoShardedClient):
    """Sharded so the gateway address comes from `GET /gateway/bot` on the configured API URL; runs every shard, or
    the ones the settings give this process (`DISCORD_SHARD_IDS`, or a pod's slice)."""

    def __init__(
        self, engine: Engine, config: Options, *, fetcher: Downloader, workdir: Path,
        clock: Clock = time.time, hostname: str | None = None, trace: aiohttp.TraceConfig | None = None,
    ) -> None:
        """`trace` watches every API call discord.py makes (`adapters.discord_bot.watch`)."""
        intents = discord.Intents.default()
        intents.message_content = config.message_content
        self.shards_run: Shards = shards(config, socket.gethostname() if hostname is None else hostname)
        sharded: dict[str, Any] = {"shard_count": self.shards_run.count}
        if self.shards_run.ids is not None:
            sharded["shard_ids"] = list(self.shards_run.ids)
        # Every message sets its own mentions (a delivery pings whoever asked); anything sent without them pings nobody.
        super().__init__(
            intents=intents, allowed_mentions=NOBODY, http_trace=trace or aiohttp.TraceConfig(), **sharded,
        )
        self.jobs = Supervisor()
        self.handlers = Handlers(
            self, engine, config, fetcher=fetcher, jobs=self.jobs, workdir=workdir, clock=clock,
        )
        self.tree = build_tree(self, self.handlers)
        self.platform = DiscordPlatform(self, config, clock)
        self._engine = engine
        self._config = config

    async def setup_hook(self) -> None:
        """After login, before the gateway: buttons, translated commands, sync, and unfinished renders."""
        self.add_view(persistent_view(self.handlers.press))
        self.add_dynamic_items(argument_buttons(self.handlers.press))
        await self.tree.set_translator(CommandTranslator())
        if self.shards_run.syncs_commands:
            await self._sync()
        else:
            log.info("slash commands are synced by the process holding shard 0")
        resumed = await self._engine.resume({PLATFORM: self.platform})
        if resumed:
            log.info("resuming %d unfinished render(s)", resumed)

    async def launch_shards(self) -> None:
        """Connect this process's shards to the gateway the configured API names.

        Given a shard count, discord.py skips `GET /gateway/bot` and dials its built-in address, which would bypass
        `DISCORD_API_URL` (a proxy, a test server); so the address is asked for here, as it is without a count.
        """
        if self.is_closed() or self.shard_count is None:
            await super().launch_shards()
            return
        _, url, _ = await self.http.get_bot_gateway()
        self._connection.shard_count = self.shard_count
        ids = self.shard_ids or list(range(self.shard_count))
        self._connection.shard_ids = ids
        for shard_id in ids:
            await self.launch_shard(yarl.URL(url), shard_id, initial=shard_id == ids[0])

    async def on_message(self, message: discord.Message) -> None:
        """Messages that address the bot continue the chat's session."""
        await self.handlers.message(message)

    async def close(self) -> None:
        """Stop the jobs while the HTTP session still works, then disconnect."""
        await self.jobs.close()
        await self._engine.background.close()
        await super().close()

    async def _sync(self) -> None:
        """Guild commands update at once (development); global ones reach DMs and user installs."""
        try:
            if not self._config.guild_ids:
                await self.tree.sync()
                return
            for guild_id in self._config.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.error("could not sync slash commands: %s %s", exc.status, exc.code)

