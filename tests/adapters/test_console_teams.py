"""The console as a team: `/as NAME [admin]` and `/chat [NAME]` try access and quotas without a platform, typed into
a console in a subprocess against the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from adapters.console import Seat
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.adapters.test_console import _console, _env

SESSION = """\
make a video of a cat
/as ada
make a video of a cat
add a title 'Cat'
/as eve
hello
/chat team-room
make a video of a boat
/chat
/as root admin
/allow eve
/usage
/as eve
/chat
credits
"""


async def test_switching_user_and_chat_tries_access_and_quotas(tmp_path: Path) -> None:
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        env = {
            **_env(sim, tmp_path, None), "ALLOWED_USERS": "ada", "ALLOWED_CHATS": "console:team-room",
            "QUOTA_TURNS": "1",
        }
        proc = await _console(env, tmp_path / "v", asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(SESSION.encode()), 60)
        async with httpx.AsyncClient() as http:
            turns = [r for r in (await http.get(f"{sim.url}/__sim/requests")).json() if r["path"] == "/run_sse"]
    assert proc.returncode == 0, stderr.decode()
    text = stdout.decode()
    refusal = "🔒 Sorry, this bot is open only to its team. Ask one of its admins to let you in: your id is console:{}."
    expected = [
        refusal.format("local"),
        "🧑 You are ada now.",
        "🧮 You've reached your quota of 1 agent requests today",
        "🧑 You are eve now.",
        refusal.format("eve"),
        "💬 In the group chat team-room now.",
        "💬 Back in the direct chat.",
        "🧑 You are root now, an admin for this session.",
        "✅ console:eve may use the bot now.",
        "• console:ada: 1 of 1 agent requests",
        "• console:eve: 1 of 1 agent requests",
        "🧮 Your quota today: 0 of 1 agent requests left.",
    ]
    positions = [text.index(line) for line in expected]
    assert positions == sorted(positions), text
    assert [turn["body"]["new_message"]["parts"][0]["text"] for turn in turns] == [
        "make a video of a cat", "make a video of a boat"]


def test_a_seat_switches_only_on_its_own_commands() -> None:
    seat = Seat()
    assert seat.switch("make a video", "en") is None
    assert seat.switch("/as", "en") == seat.switch("/as a b", "en") == seat.switch("/as x:y", "en")
    assert (seat.user, seat.admin, seat.chat) == ("local", False, ChatKey("console", "local"))
    assert seat.switch("/chat a b", "en") == "🤖 Use: /chat NAME for a group chat, or /chat alone for the direct chat."
    seat.switch("/as bob admin", "en")
    seat.switch("/chat room", "en")
    message = seat.incoming("hi", "en")
    assert (message.user_id, message.admin, message.chat, message.direct) == (
        "bob", True, ChatKey("console", "room"), False)
