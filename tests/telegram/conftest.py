"""A Telegram bot under test: the fake Bot API over HTTP, PTB's Application, the harness engine, sim and Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from adapters.telegram.client import AnyApplication, build_application
from adapters.telegram.handlers import Handlers
from adapters.telegram.options import PLATFORM, Options
from adapters.telegram.sender import Where
from adapters.telegram.webhook import serve_asgi
from bot.engine.replies import Replies
from bot.store.keys import ChatKey
from tests.harness import Harness, running_bot, wait_for
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.updates import Updates

REDIS_DB = 13
# Tiny intervals: the behaviour is the same, only faster.
FAST = Options(edit_interval=0.15, action_interval=0.05, working_cap=5.0, album_wait=0.15, read_timeout=5.0,
               media_read_timeout=5.0, polling_timeout=1.0)


@dataclass(slots=True)
class Tg:
    """The running pieces, and helpers to feed updates and wait for the outcome."""

    harness: Harness
    fake: FakeBotApi
    application: AnyApplication
    adapter: Handlers
    url: str
    updates: Updates

    async def deliver(self, *updates: dict[str, Any]) -> None:
        """Run real update JSON through the Application, then wait for every job it started."""
        for update in updates:
            await self.application.process_update(Update.de_json(update, self.application.bot))
        await self.settle()

    async def settle(self) -> None:
        """Wait until the engine and the adapter have nothing left running."""
        await self.harness.engine.background.drain()

    async def until(self, predicate: Callable[[], bool], limit: float = 15.0) -> None:
        """Wait for something a user would see."""
        await wait_for(predicate, limit)

    async def nemo_calls(self, prefix: str) -> list[dict[str, Any]]:
        """The simulator's log of requests whose path starts with `prefix`."""
        log = (await self.harness.http.get(f"{self.harness.sim.url}/__sim/requests")).json()
        return [dict(entry) for entry in log if str(entry["path"]).startswith(prefix)]

    def replies(self, where: Where, locale: str = "en") -> Replies:
        """What the engine says to a chat, through the adapter (as a job's replies go)."""
        chat = ChatKey(PLATFORM, str(where.chat_id), str(where.thread_id) if where.thread_id else None)
        return self.harness.engine.replies.to(chat, self.adapter.platform.reply(where, None), locale)

    async def prompts(self) -> list[str]:
        """Every message the agent received, in order."""
        return [str(r["body"]["new_message"]["parts"][0]["text"]) for r in await self.nemo_calls("/run_sse")]


@contextlib.asynccontextmanager
async def fake_server(fake: FakeBotApi) -> AsyncIterator[str]:
    """The fake Bot API on a free port of 127.0.0.1; yields its root URL."""
    async with serve_asgi(fake.app(), "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def telegram_bot(
    tmp_path: Path, options: Options = FAST, *, polling: bool = False, local: bool = False, **engine: Any,
) -> AsyncIterator[Tg]:
    """Everything started; the Application initialized (getMe done) but not polling unless asked."""
    fake = FakeBotApi(local_dir=tmp_path / "bot-api-server" if local else None)
    async with (
        running_bot(tmp_path, db=REDIS_DB, **engine) as harness,
        fake_server(fake) as url,
        httpx.AsyncClient(timeout=30) as http,
    ):
        application = build_application(TOKEN, url, options, polling=polling)
        adapter = Handlers(harness.engine, application.bot, http, options)
        adapter.install(application)
        async with application:
            yield Tg(harness, fake, application, adapter, url, Updates())
            await harness.engine.background.close()


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Tg]:
    """The default bot: cloud limits, fast pacing."""
    async with telegram_bot(tmp_path) as bot:
        yield bot


def options(**changes: Any) -> Options:
    """FAST with some values changed."""
    return replace(FAST, **changes)
