"""An edit the agent suggests ("drag the clip to the start") comes with an Apply button; one press sends it once."""

from __future__ import annotations

from tests.telegram.conftest import Tg
from tests.telegram.updates import ADA, GROUP, bot_message, private_chat

EDIT = "Move the sunset clip to the start of the timeline"


async def test_the_apply_button_sends_the_suggested_edit_once(tg: Tg) -> None:
    await tg.harness.configure(gui_hint="Drag the sunset clip to the start of the timeline.")
    await tg.deliver(tg.updates.text("make a video of a sunset"))
    await tg.harness.configure(gui_hint=None)

    offer = next(m for m in tg.fake.chat(ADA["id"]) if m.text.startswith("✏️ Make this edit?"))
    [(label, data)] = offer.buttons
    assert label == "✅ Apply"
    assert data.startswith("/apply ")
    assert len(data.encode()) <= 64  # Telegram's limit for callback data
    assert await tg.prompts() == ["make a video of a sunset"]

    await tg.deliver(tg.updates.button(data, bot_message(offer.message_id, private_chat(ADA))))
    await tg.deliver(tg.updates.button(data, bot_message(offer.message_id, private_chat(ADA))))

    assert await tg.prompts() == ["make a video of a sunset", EDIT]
    assert tg.fake.texts(ADA["id"])[-1].startswith("That suggested edit is no longer waiting")
    assert len(tg.fake.calls_to("answerCallbackQuery")) == 2


async def test_a_press_with_data_the_bot_never_made_is_ignored(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("@nemo_test_bot hello", chat=GROUP))
    before = len(tg.fake.calls_to("sendMessage"))
    await tg.deliver(tg.updates.button("/new now", bot_message(1, GROUP)))
    await tg.deliver(tg.updates.button("/apply " + "x" * 40, bot_message(1, GROUP)))
    assert len(tg.fake.calls_to("sendMessage")) == before
    assert await tg.prompts() == ["hello"]
