"""The project state is fetched from Nemo only when its result is used and not already known: not before a new
project's first turn (it is empty), not to draw a timeline the turn has just read, not to deliver a render whose
export had it."""

from __future__ import annotations

from tests.harness import Harness

STATE = "/api/state/nemo_agent/me/{session}/latest"


async def test_a_new_projects_first_turn_fetches_its_state_once_after_the_turn(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a city at night"), chat)
    # The agent's words asked for the timeline, and it was shown, drawn from the state read after the turn.
    assert any(text.startswith("Timeline (3 tracks)") for text in chat.texts)
    [session] = bot.sim.world.sessions
    state_path = STATE.format(session=session)
    made = [(r["method"], r["path"]) for r in bot.sim.world.requests_to("/")]
    run_at = made.index(("POST", "/run_sse"))
    fetched_at = [index for index, request in enumerate(made) if request == ("GET", state_path)]
    # Nothing before the turn (a new project is empty); one fetch after it serves the report and the timeline.
    assert len(fetched_at) == 1
    assert fetched_at[0] > run_at


async def test_a_render_is_delivered_with_the_state_its_export_fetched(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a city at night"), chat)
    [session] = bot.sim.world.sessions
    before = len(await bot.requests(STATE.format(session=session)))
    await bot.engine.handle(bot.message("export"), chat)
    assert len(chat.videos) == 1
    assert len(await bot.requests(STATE.format(session=session))) == before + 1
