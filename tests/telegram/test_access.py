"""Access on Telegram: someone not allowed gets one reply and Nemo hears nothing, from a message or a button; an
allowed group lets everyone in it use the bot; admins' commands are answered in groups."""

from __future__ import annotations

from pathlib import Path

from bot.engine.rules import TeamRules
from tests.telegram.conftest import Tg, telegram_bot
from tests.telegram.updates import ADA, BOB, GROUP, bot_message, private_chat

TEAM = TeamRules(allowed_chats=(f"telegram:{GROUP['id']}",), admin_users=(str(ADA["id"]),))
REFUSAL = "🔒 Sorry, this bot is open only to its team. Ask one of its admins to let you in: your id is telegram:7003."


async def _forget(tg: Tg) -> None:
    (await tg.harness.http.delete(f"{tg.harness.sim.url}/__sim/requests")).raise_for_status()


async def test_someone_not_allowed_gets_one_reply_and_nothing_reaches_nemo(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, team=TEAM) as tg:
        await _forget(tg)
        await tg.deliver(tg.updates.text("make a video of a cat", user=BOB))
        on = bot_message(99, private_chat(BOB))
        await tg.deliver(tg.updates.button("export", on, user=BOB), tg.updates.button("/apply 1a2b3c4d", on, user=BOB))

        assert [message.text for message in tg.fake.chat(BOB["id"])] == [REFUSAL] * 3
        assert await tg.nemo_calls("/") == []


async def test_everyone_in_an_allowed_group_may_use_the_bot_and_an_admin_lets_others_in(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, team=TEAM) as tg:
        await tg.deliver(tg.updates.text("@nemo_test_bot make a video of a boat", user=BOB, chat=GROUP))
        assert await tg.prompts() == ["make a video of a boat"]

        await tg.deliver(tg.updates.text("/allow 7003", chat=GROUP))  # an admin command needs no mention
        assert tg.fake.chat(GROUP["id"])[-1].text == "✅ telegram:7003 may use the bot now."
        await tg.deliver(tg.updates.text("make a video of a kite", user=BOB))
        assert await tg.prompts() == ["make a video of a boat", "make a video of a kite"]
