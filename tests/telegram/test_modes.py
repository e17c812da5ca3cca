"""Start-up and the two ways updates arrive: long polling, and a webhook guarded by a secret token."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.telegram.inbox import Inbox
from adapters.telegram.runner import running
from adapters.telegram.webhook import SECRET_HEADER, Webhook
from bot.app import Bot
from bot.app_telegram import serve_telegram
from bot.config import Settings
from bot.engine.config import EngineConfig
from tests.harness import FAST as ENGINE_FAST
from tests.telegram.conftest import Tg, telegram_bot
from tests.telegram.fake_api import TOKEN
from tests.telegram.updates import ADA

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
