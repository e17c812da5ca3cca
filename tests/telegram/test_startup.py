"""A Telegram start that cannot succeed: one or two plain lines naming the cause and the fix, and an exit code per
kind (a refused token 4, an unreachable Bot API 3, a webhook that cannot be served 2); the command runs as a
subprocess against the fake Bot API."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.command import assert_plain_failure, run_command
from tests.redis_server import closed_port
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import TOKEN, FakeBotApi

WRONG = "987654:WRONG-token-that-the-bot-api-does-not-know-000"
HOOK = "https://bot.example.com/tg/hook"


async def test_a_refused_token_exits_4(tmp_path: Path) -> None:
    fake = FakeBotApi()  # knows only its own token: it answers 401 Unauthorized to this one, as Telegram does
    async with fake_server(fake) as url:
        finished = await run_command(tmp_path, "telegram", TELEGRAM_BOT_TOKEN=WRONG, TELEGRAM_API_URL=url)
    assert_plain_failure(finished, 4, names=["refused by Telegram", "TELEGRAM_BOT_TOKEN"], secrets=[WRONG, "WRONG"])


async def test_an_unreachable_bot_api_exits_3_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    finished = await run_command(tmp_path, "telegram", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)
    assert_plain_failure(finished, 3, names=[f"Telegram's API at {url}", "TELEGRAM_API_URL"], secrets=[TOKEN])


async def test_a_webhook_port_in_use_exits_2_naming_it(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        async with fake_server(FakeBotApi()) as url:
            finished = await run_command(
                tmp_path, "telegram", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url, TELEGRAM_WEBHOOK_URL=HOOK,
                TELEGRAM_WEBHOOK_PORT=str(port), TELEGRAM_WEBHOOK_SECRET="fixed_secret-1",
            )
    assert_plain_failure(
        finished, 2, names=[f"127.0.0.1:{port} is already in use", "TELEGRAM_WEBHOOK_PORT"],
        secrets=[TOKEN, "fixed_secret-1"],
    )


async def test_a_webhook_telegram_refuses_exits_2_naming_the_url_setting(tmp_path: Path) -> None:
    fake = FakeBotApi()
    fake.fail("setWebhook", 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    async with fake_server(fake) as url:
        finished = await run_command(
            tmp_path, "telegram", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url, TELEGRAM_WEBHOOK_URL=HOOK,
            TELEGRAM_WEBHOOK_PORT="0",
        )
    assert_plain_failure(finished, 2, names=["Telegram refused the webhook", "TELEGRAM_WEBHOOK_URL"], secrets=[TOKEN])
