"""Hostile input at the console: over-long and undecodable lines, links on disk, and text a terminal would obey."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

from adapters.console import LINE_BYTES, ConsoleOutgoing, LineSplitter, printable
from bot.engine.card import CardMaker
from bot.engine.ports import Post
from nemo_sim.config import SimConfig
from nemo_sim.records import RequestRecord
from nemo_sim.server import Simulator, run_simulator
from tests.adapters.test_console import _console, _env

TOO_LONG = "🤖 ✂️ That message is too long: a request can be at most 4,000 characters."
# Anything a terminal acts on: ESC, BEL, the other C0 controls but newline and tab, DEL and the C1 controls.
TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


async def _run(sim: Simulator, tmp_path: Path, stdin: bytes | Path) -> tuple[int | None, str, str]:
    env = _env(sim, tmp_path, None)
    if isinstance(stdin, Path):
        with stdin.open("rb") as redirected:
            proc = await _console(env, tmp_path / "v", redirected.fileno())
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    else:
        proc = await _console(env, tmp_path / "v", asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(stdin), 60)
    return proc.returncode, stdout.decode(), stderr.decode()


def _uploads(sim: Simulator) -> list[RequestRecord]:
    return list(sim.world.requests_to("/api/upload-video/", "POST"))


async def test_a_piped_line_over_64_kib_is_refused_and_the_next_lines_still_run(tmp_path: Path) -> None:
    lines = b"hi\nmake a video of " + b"b" * 100_000 + b"\ncredits\n"
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        code, text, stderr = await _run(sim, tmp_path, lines)
        prompts = sim.world.requests_to("/run_sse", "POST")
    assert code == 0, stderr
    assert text.index("Hi! I'm Nemo") < text.index(TOO_LONG) < text.index("💳 Credits:")
    assert len(prompts) == 1  # "hi" only


async def test_a_redirected_file_with_bad_bytes_and_a_huge_line_is_read_to_the_end(tmp_path: Path) -> None:
    script = tmp_path / "input.txt"
    script.write_bytes(b"credits\n\xff\xfe\xc3 broken bytes\n" + b"x" * (3 * LINE_BYTES) + b"\ncredits")
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        code, text, stderr = await _run(sim, tmp_path, script)
    assert code == 0, stderr
    assert "Something went wrong" not in text
    assert text.count("💳 Credits:") == 2  # the last line has no newline, and still counts
    assert text.count(TOO_LONG) == 1


async def test_upload_of_a_link_names_it_and_sends_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$not-for-the-video-service")
    (tmp_path / "shadow.mp4").symlink_to(secret)
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        lines = f"/upload {tmp_path / 'shadow.mp4'}\n/upload {tmp_path / 'dangling.png'}\n".encode()
        code, text, stderr = await _run(sim, tmp_path, lines)
        uploads = _uploads(sim)
    assert code == 0, stderr
    assert "🤖 ❌ shadow.mp4 is a link, a folder or a device, not a plain file, so I won't read it." in text
    assert "🤖 ❌ dangling.png is a link" in text
    assert uploads == []


async def test_a_file_in_a_linked_folder_is_uploaded_from_its_real_place(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "cat.png").write_bytes(b"\x89PNG" + b"\0" * 100)
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        code, text, _ = await _run(sim, tmp_path, f"/upload {tmp_path / 'linked' / 'cat.png'}\n".encode())
        uploads = _uploads(sim)
    assert code == 0
    assert "📎 Added: cat.png (image)" in text
    assert len(uploads) == 1


async def test_control_characters_in_what_comes_back_never_reach_the_terminal(tmp_path: Path) -> None:
    hostile = "a\x1b]0;owned\x07\x1b[2Jb.png"
    (tmp_path / hostile).write_bytes(b"\x89PNG" + b"\0" * 100)
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        code, text, _ = await _run(sim, tmp_path, f"/upload {tmp_path / hostile}\n".encode())
    assert code == 0
    assert "📎 Added: ab.png (image)" in text
    assert TERMINAL_CONTROLS.findall(text.replace("\n", "")) == []


async def test_every_printed_line_is_stripped_of_escapes_and_controls(tmp_path: Path) -> None:
    stream = io.StringIO()
    out = ConsoleOutgoing(stream, tmp_path)
    await out.send(Post("\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\tcol\x00\x08\x7f\x85 done\nnext"))
    await out.send(Post("\x1bP+q\x1b\\dcs gone \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", live=True))
    await out.edit(None, "unterminated \x1b]0;title")
    assert stream.getvalue() == "🤖 red\tcol done\nnext\n  … dcs gone link\n  … unterminated \n"


def test_printable_keeps_ordinary_text() -> None:
    text = "🎬 Saved: /tmp/v/clip.mp4 (640x360, 10s)\n\t时间线 [export | status]"
    assert printable(text) == text


def test_the_splitter_holds_a_bounded_part_of_one_line() -> None:
    splitter = LineSplitter(limit=8)
    assert splitter.feed(b"one\ntw") == ["one"]
    assert splitter.feed(b"o\n" + b"x" * 5) == ["two"]
    assert splitter.feed(b"y" * 5) == []  # over the limit: nothing more is kept of this line
    assert splitter.feed(b"z" * 1000 + b"\nlast \xff") == [None]
    assert splitter.end() == ["last \ufffd"]
    assert splitter.end() == []


def test_a_line_exactly_at_the_limit_is_kept() -> None:
    splitter = LineSplitter(limit=4)
    assert splitter.feed(b"abcd\nabcde\n") == ["abcd", None]


def test_the_console_reader_runs_in_a_process_with_a_small_memory_cap() -> None:
    # 20 MB on one line through the real reader, in a process that may not grow by more than a few MB for it.
    code = (
        "import asyncio, io, resource, sys\n"
        "from adapters.console import _lines\n"
        "async def main():\n"
        "    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    got = [line async for line in _lines(sys.stdin)]\n"
        "    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
        "    print(got == ['a', None, 'b'], grew < 8 * 1024)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=b"a\n" + b"x" * 20_000_000 + b"\nb\n", capture_output=True, check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}, timeout=60,
    )
    assert done.stdout.decode().split() == ["True", "True"]


async def test_sim_mode_lets_the_simulators_own_links_through(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "ALLOW_"))}
    env.update(LANG="C.UTF-8", NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "console", "--sim", "--sim-speed", "0.001", "--out", str(tmp_path / "v"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(b"upload http://127.0.0.1:9/media/x.mp4\n"), 60)
    assert proc.returncode == 0, stderr.decode()
    assert "📎 Added: x.mp4" in stdout.decode()


async def test_without_sim_mode_a_loopback_link_is_refused(tmp_path: Path) -> None:
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        code, text, _ = await _run(sim, tmp_path, f"upload {sim.url}/media/x.mp4\n".encode())
        uploads = _uploads(sim)
    assert code == 0
    assert "🤖 ❌ Not added: 127.0.0.1 is a private or local address" in text
    assert uploads == []


class _Terminal(io.StringIO):
    """Captured output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


async def test_on_a_terminal_a_card_is_one_line_redrawn_in_place(tmp_path: Path) -> None:
    stream = _Terminal()
    out = ConsoleOutgoing(stream, tmp_path)
    clock = iter([0.0, 0.0, 5.0, 12.0])
    cards = CardMaker("en", lambda: next(clock))
    first = cards.waiting()
    await out.send(Post(first.text, live=True, card=first))
    second = cards.rendering(40)
    await out.edit(None, second.text, card=second)
    await out.send(Post("a reply meanwhile"))
    third = cards.rendering(60)
    await out.edit(None, third.text, card=third)
    await out.edit(None, "✅ Video ready!", last=True)

    assert stream.getvalue() == (
        "\r\x1b[2K  … ⏳ Waiting to render · 0:00"
        "\r\x1b[2K  … 🎞 Rendering · 0:05 · ▰▰▰▰▱▱▱▱▱▱ 40%\n"
        "🤖 a reply meanwhile\n"
        "\r\x1b[2K  … 🎞 Rendering · 0:12 · ▰▰▰▰▰▰▱▱▱▱ 60% · ⏱ Less than a minute left"
        "\r\x1b[2K  … ✅ Video ready!\n"
    )


async def test_off_a_terminal_each_card_is_a_plain_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    out = ConsoleOutgoing(stream, tmp_path)
    cards = CardMaker("en", lambda: 0.0)
    card = cards.rendering(40)
    await out.send(Post(card.text, live=True, card=card))
    await out.edit(None, "✅ Video ready!", last=True)

    assert stream.getvalue() == "  … 🎞 Rendering · 0:00 · ▰▰▰▰▱▱▱▱▱▱ 40%\n  … ✅ Video ready!\n"
