"""Start-up and the two ways updates arrive: long polling, and a webhook guarded by a secret token."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from adapters.telegram.inbox import Inbox
from adapters.telegram.runner import running
from adapters.telegram.webhook import SECRET_HEADER, Webhook
from bot.app import Bot
from bot.app_telegram import serve_telegram
from bot.config import Settings
from bot.engine.config import EngineConfig
from tests.harness import FAST as ENGINE_FAST
from tests.store_fixtures import REDIS_HOST, REDIS_PORT
from tests.telegram.conftest import FAST, REDIS_DB, Tg, telegram_bot
from tests.telegram.fake_api import TOKEN
from tests.telegram.updates import ADA, photo_sizes

CHAT = ADA["id"]


def inbox_of(tg: Tg) -> Inbox:
    """The webhook's inbox in the test's store, read by the test's engine."""
    engine = tg.harness.engine
    return Inbox(tg.harness.store, tg.application, engine.process, engine.lease)


def _answered(tg: Tg) -> bool:
    return any(text.startswith("Hi! I'm Nemo") for text in tg.fake.texts(CHAT))


async def test_webhook_rejects_a_wrong_secret_and_queues_the_right_one(tmp_path: Path) -> None:
    hook = Webhook(url="https://bot.example.com/tg/hook", secret="s3cret_-Token", listen="127.0.0.1", port=0,
                   path="/tg/hook")
    async with (
        telegram_bot(tmp_path) as tg,
        running(tg.application, tg.adapter, webhook=hook, polling_timeout=1, inbox=inbox_of(tg)) as port,
        httpx.AsyncClient() as client,
    ):
        [registered] = tg.fake.calls_to("setWebhook")
        assert registered.params["url"] == "https://bot.example.com/tg/hook"
        assert registered.params["secret_token"] == "s3cret_-Token"
        assert registered.params["allowed_updates"] == ["message", "callback_query"]
        endpoint = f"http://127.0.0.1:{port}/tg/hook"
        update = tg.updates.text("hello there")

        wrong = await client.post(endpoint, json=update, headers={SECRET_HEADER: "guess"})
        missing = await client.post(endpoint, json=update)
        assert (wrong.status_code, missing.status_code) == (403, 403)

        right = await client.post(endpoint, json=update, headers={SECRET_HEADER: "s3cret_-Token"})
        again = await client.post(endpoint, json=update, headers={SECRET_HEADER: "s3cret_-Token"})  # a re-send
        garbage = await client.post(endpoint, content=b"{not json", headers={SECRET_HEADER: "s3cret_-Token"})
        assert (right.status_code, again.status_code, garbage.status_code) == (200, 200, 400)

        await tg.until(lambda: _answered(tg))
        await asyncio.sleep(0.2)
        await tg.settle()
        assert await tg.prompts() == ["hello there"]
        assert tg.fake.calls_to("deleteWebhook") == []


async def test_polling_registers_the_menu_and_answers_updates(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, polling=True) as tg:
        async with running(tg.application, tg.adapter, webhook=None, polling_timeout=1) as port:
            assert port is None
            await tg.fake.push_update(tg.updates.text("hello there"))
            await tg.until(lambda: _answered(tg))

        polls = tg.fake.calls_to("getUpdates")
        assert polls[0].params["allowed_updates"] == ["message", "callback_query"]
        assert tg.fake.calls_to("deleteWebhook")  # getUpdates and a webhook exclude each other
        menus = [(c.params["scope"]["type"], c.params.get("language_code"), c.params["commands"])
                 for c in tg.fake.calls_to("setMyCommands")]
        assert [(scope, language) for scope, language, _ in menus] == [
            ("all_private_chats", None), ("all_private_chats", "zh"),
            ("all_group_chats", None), ("all_group_chats", "zh"),
            ("all_chat_administrators", None), ("all_chat_administrators", "zh"),
        ]
        everyone = ["video", "export", "status", "credits", "new", "cancel", "help", "usage"]
        for scope, _language, commands in menus:
            names = [command["command"] for command in commands]
            # The team's admin commands are in group admins' menus only.
            assert names == everyone + (["allow", "deny", "quota"] if scope == "all_chat_administrators" else [])
        english, chinese = menus[0][2], menus[1][2]
        assert english[1]["description"] == "Render the project and send the MP4"
        assert chinese[1]["description"] == "渲染项目并发送 MP4"


async def test_run_telegram_polls_until_cancelled_with_its_own_platform_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with telegram_bot(tmp_path) as tg:
        monkeypatch.setenv("TELEGRAM_API_URL", tg.url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        settings = Settings(_env_file=None)
        h = tg.harness
        timings: dict[str, Any] = dict(ENGINE_FAST)
        bot = Bot(h.nemo, h.store, EngineConfig(workdir=tmp_path / "run", **timings))
        task = asyncio.create_task(serve_telegram(bot, settings.telegram))
        try:
            await tg.fake.push_update(tg.updates.text("hello there"))
            await tg.until(lambda: _answered(tg))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await bot.close()

        [turn] = await tg.nemo_calls("/run_sse")
        assert turn["headers"]["x-skill-platform"] == "telegram"
        assert len(tg.fake.calls_to("setMyCommands")) == 6


async def test_an_album_stays_in_the_inbox_until_its_request_is_on_record(tmp_path: Path) -> None:
    # A process that dies while an album gathers must leave every part in the inbox for a live replica.
    hook = Webhook(url="https://bot.example.com/tg/hook", secret="s3cret", listen="127.0.0.1", port=0, path="/hook")
    options = dataclasses.replace(FAST, album_wait=1.0)
    async with (
        telegram_bot(tmp_path, options) as tg,
        running(tg.application, tg.adapter, webhook=hook, polling_timeout=1, inbox=inbox_of(tg)) as port,
        httpx.AsyncClient() as client,
        Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB) as redis,
    ):
        inbox = tg.harness.store.keys.inbox("telegram")
        parts = []
        for index in range(2):
            tg.fake.add_file(f"al{index}", b"\xff\xd8\xff jpeg %d" % index)
            caption = "use these for a slideshow" if index == 0 else None
            parts.append(tg.updates.of(tg.updates.message(photo=photo_sizes(f"al{index}"), caption=caption,
                                                          album="grp-1")))
        for part in parts:
            answer = await client.post(f"http://127.0.0.1:{port}/hook", json=part, headers={SECRET_HEADER: "s3cret"})
            assert answer.status_code == 200

        pending = await _pending_when_read(redis, inbox, 2)
        assert pending == 2  # both parts read and gathering: neither is let go yet
        assert await redis.xlen(inbox) == 2

        await tg.until(lambda: any(text.startswith("📎 Added") for text in tg.fake.texts(CHAT)))
        await tg.settle()
        assert await redis.xlen(inbox) == 0  # the album's request is on record: both parts let go
        assert await tg.prompts() == ["use these for a slideshow"]


async def _pending_when_read(redis: Redis, inbox: str, count: int) -> int:
    """The inbox's pending entries once `count` were read (or what is pending after two seconds)."""
    pending = 0
    for _ in range(40):
        summary = await redis.xpending(inbox, "replicas")
        pending = int(summary["pending"])
        if pending >= count:
            break
        await asyncio.sleep(0.05)
    return pending
