"""Progress: one message edited in place, coalesced and paced per chat; flood waits honoured; actions kept alive."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from telegram import Update

from adapters.telegram.sender import Where
from nemo_sim.config import SimConfig
from tests.telegram.conftest import FAST, Tg, telegram_bot
from tests.telegram.updates import ADA

CHAT = ADA["id"]
WHERE = Where(CHAT)


def _edit_times(tg: Tg) -> list[float]:
    return [call.at for call in tg.fake.calls_to("editMessageText")]


async def test_a_burst_of_updates_becomes_a_few_paced_edits_and_the_final_text_lands(tg: Tg) -> None:
    out = tg.replies(WHERE)
    progress = await out.start_progress("🎞 Rendering... 0%")
    for percent in range(1, 60):
        await progress.update(f"🎞 Rendering... {percent}%")
        await asyncio.sleep(0.01)
    await progress.finish("✅ Video ready!")
    await tg.settle()

    [message] = tg.fake.chat(CHAT)
    assert message.text == "✅ Video ready!"
    assert 2 <= len(message.edits) <= 7  # ~0.6 s of updates at one edit per 0.15 s, plus the final
    assert message.edits[-1] == "✅ Video ready!"
    times = _edit_times(tg)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[:-1])]  # the final edit is not paced
    assert all(gap >= FAST.edit_interval * 0.7 for gap in gaps)  # measured on arrival: allow for jitter


async def test_unchanged_text_is_never_sent_again(tg: Tg) -> None:
    out = tg.replies(WHERE)
    progress = await out.start_progress("⏳ Still working...")
    for _ in range(5):
        await progress.update("⏳ Still working...")
    await progress.finish("⏳ Still working...")
    await tg.settle()

    assert tg.fake.calls_to("editMessageText") == []


async def test_two_progress_messages_in_one_chat_share_the_pace(tg: Tg) -> None:
    out = tg.replies(WHERE)
    first = await out.start_progress("a0")
    second = await out.start_progress("b0")
    await first.update("a1")
    await second.update("b1")
    await tg.until(lambda: len(tg.fake.calls_to("editMessageText")) == 2)
    await first.finish("a1")
    await second.finish("b1")
    await tg.settle()

    times = _edit_times(tg)
    assert len(times) == 2
    assert times[1] - times[0] >= FAST.edit_interval * 0.7


async def test_429_on_an_edit_waits_the_timedelta_and_the_final_text_still_lands(
    tg: Tg, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB reports retry_after as a timedelta
    out = tg.replies(WHERE)
    progress = await out.start_progress("🎬 Generating video...")
    tg.fake.fail("editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1)
    await progress.update("✅ Raw video ready.")
    await tg.until(lambda: len(tg.fake.calls_to("editMessageText")) == 1)
    await progress.update("✂️ Editing the timeline...")  # waits for the block to end, then is replaced
    await progress.finish("✅ Done.")
    await tg.settle()

    [refused, final] = _edit_times(tg)
    assert final - refused >= 1.0
    [message] = tg.fake.chat(CHAT)
    assert message.text == "✅ Done."


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_on_the_final_edit_is_waited_out_with_the_int_form(tg: Tg) -> None:
    out = tg.replies(WHERE)
    progress = await out.start_progress("🎞 Rendering... 50%")
    tg.fake.fail("editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1)
    await progress.finish("✅ Video ready!")

    [refused, final] = _edit_times(tg)
    assert final - refused >= 1.0
    assert tg.fake.chat(CHAT)[0].text == "✅ Video ready!"


async def test_message_is_not_modified_is_ignored(tg: Tg) -> None:
    out = tg.replies(WHERE)
    progress = await out.start_progress("🎞 Rendering... 99%")
    tg.fake.fail("editMessageText", 400, "Bad Request: message is not modified: specified new message content "
                 "and reply markup are exactly the same as a current content and reply markup of the message")
    await progress.finish("✅ Video ready!")  # raises nothing
    await tg.settle()

    assert len(tg.fake.calls_to("sendMessage")) == 1


async def test_a_final_text_whose_message_is_gone_arrives_as_a_new_message(tg: Tg) -> None:
    out = tg.replies(WHERE)
    progress = await out.start_progress("🎞 Rendering...")
    tg.fake.fail("editMessageText", 400, "Bad Request: message to edit not found")
    await progress.finish("✅ Video ready!")

    assert tg.fake.texts(CHAT) == ["🎞 Rendering...", "✅ Video ready!"]


async def test_typing_is_kept_alive_while_work_is_in_progress_and_then_stops(tg: Tg) -> None:
    out = tg.replies(WHERE)
    await out.show_working()
    progress = await out.start_progress("🎬 Generating video...")
    await asyncio.sleep(0.4)
    await progress.finish("✅ Done.")
    await tg.settle()
    actions = [call.params["action"] for call in tg.fake.calls_to("sendChatAction")]
    await asyncio.sleep(0.2)

    assert actions.count("typing") >= 4
    assert len(tg.fake.calls_to("sendChatAction")) == len(actions)


async def test_an_agent_turn_shows_one_progress_message_ending_done(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("make a video of a city at night"))

    progress = [m for m in tg.fake.chat(CHAT) if m.edits]
    assert len(progress) == 1
    assert progress[0].text == "✅ Done."
    assert len(progress[0].edits) <= 3
    assert "typing" in {call.params["action"] for call in tg.fake.calls_to("sendChatAction")}


async def test_typing_stops_once_a_failed_export_is_answered(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, sim=SimConfig(speed=0.001, render_seconds=1500)) as tg:
        await tg.deliver(tg.updates.text("make a video of a city at night"))
        await tg.application.process_update(Update.de_json(tg.updates.text("export"), tg.application.bot))
        await tg.until(lambda: any("Rendering" in m.text or "Waiting to render" in m.text for m in tg.fake.chat(CHAT)))
        # Neither the video nor its link can be posted: the export fails after its card said it was sending it.
        tg.fake.fail("sendVideo", 400, "Bad Request: wrong file identifier")
        tg.fake.fail("sendMessage", 400, "Bad Request: message is too long")
        await tg.until(lambda: tg.fake.texts(CHAT)[-1].startswith("⚠️ Something went wrong"))
        await asyncio.sleep(0.2)  # what was on its way lands
        answered = len(tg.fake.calls_to("sendChatAction"))
        await asyncio.sleep(0.5)  # ten renewal intervals
        assert len(tg.fake.calls_to("sendChatAction")) == answered
        card = next(m for m in tg.fake.chat(CHAT) if "Waiting to render" in m.text or "Rendering" in m.text
                    or m.text == "⚠️ Ended with a problem.")
        assert card.text == "⚠️ Ended with a problem."
        await tg.settle()
