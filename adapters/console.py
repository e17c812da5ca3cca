"""The console adapter: lines from stdin in, replies on stdout, delivered videos saved to a folder."""

from __future__ import annotations

import asyncio
import getpass
import mimetypes
import os
import shutil
import stat
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TextIO

from bot.engine.engine import Engine
from bot.engine.messages import Action, Attachment, Incoming
from bot.engine.ports import Outgoing, Progress
from bot.store.keys import ChatKey

PLATFORM = "console"
CHAT = ChatKey(PLATFORM, "local")
UPLOAD_LIMIT = 4 * 1000 * 1000 * 1000


class ConsoleProgress:
    """Progress on a terminal: each new text on its own line (stdout may be a pipe)."""

    def __init__(self, stream: TextIO, text: str) -> None:
        self._stream = stream
        self._text = text
        self._done = False

    async def update(self, text: str) -> None:
        """Print the new progress text if it changed."""
        if not self._done and text != self._text:
            self._text = text
            _emit(self._stream, f"  … {text}")

    async def finish(self, text: str) -> None:
        """Print the final progress text once."""
        if not self._done:
            self._done = True
            if text != self._text:
                _emit(self._stream, f"  … {text}")


class ConsoleOutgoing:
    """Replies printed to stdout; videos moved into the output folder."""

    def __init__(self, stream: TextIO, out_dir: Path) -> None:
        self._stream = stream
        self._out_dir = out_dir

    @property
    def upload_limit(self) -> int:
        """The console saves any size to disk."""
        return UPLOAD_LIMIT

    async def send_text(self, text: str, actions: Sequence[Action] = ()) -> None:
        """Print a reply; actions are shown as words to type."""
        hint = f"\n  [{' | '.join(action.value for action in actions)}]" if actions else ""
        _emit(self._stream, f"🤖 {text}{hint}")

    async def start_progress(self, text: str) -> Progress:
        """Print the first progress line."""
        _emit(self._stream, f"  … {text}")
        return ConsoleProgress(self._stream, text)

    async def send_video(
        self, path: Path, *, width: int, height: int, duration: float, caption: str, link: str | None = None,
    ) -> None:
        """Move the video into the output folder and print where it is."""
        self._out_dir.mkdir(parents=True, exist_ok=True)
        target = _free_name(self._out_dir / path.name)
        await asyncio.to_thread(shutil.move, path, target)
        _emit(self._stream, f"🤖 {caption}\n🎬 Saved: {target} ({width}x{height}, {duration:.0f}s)")

    async def send_link(self, url: str, note: str) -> None:
        """Print the note and the link."""
        _emit(self._stream, f"🤖 {note}\n🔗 {url}")

    async def show_working(self) -> None:
        """Nothing to show on a terminal beyond the progress lines."""


class ConsolePlatform:
    """How the engine reaches the console again (for resumed renders)."""

    def __init__(self, stream: TextIO, out_dir: Path) -> None:
        self._stream = stream
        self._out_dir = out_dir

    @property
    def name(self) -> str:
        """The platform name in chat keys."""
        return PLATFORM

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str = "en") -> Outgoing:
        """Replies go to this process's stdout."""
        return ConsoleOutgoing(self._stream, self._out_dir)


def to_incoming(line: str, locale: str) -> Incoming | str:
    """A typed line as a message, or an error text for a bad `/upload`."""
    text = line.strip()
    if text.startswith("/upload ") and "://" not in text:
        path = Path(text.removeprefix("/upload ").strip()).expanduser()
        if not path.is_file():
            return f"🤖 No such file: {path}"
        mime, _ = mimetypes.guess_type(path.name)
        attachment = Attachment(name=path.name, mime_type=mime, size=path.stat().st_size, path=path)
        return Incoming(CHAT, getpass.getuser(), getpass.getuser(), "", (attachment,), locale)
    return Incoming(CHAT, getpass.getuser(), getpass.getuser(), text, (), locale)


async def run_console(engine: Engine, out_dir: Path, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Read lines until end of input; piped input runs one turn at a time; returns the exit code."""
    locale = "zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en"
    interactive = stdin.isatty()
    platform = ConsolePlatform(stdout, out_dir)
    out = platform.outgoing(CHAT, None, locale)
    await engine.resume({PLATFORM: platform})
    if interactive:
        _emit(stdout, "🤖 Type a prompt (or /help). /upload PATH attaches a file. Ctrl-D quits.")
    async for line in _lines(stdin):
        if not line.strip():
            continue
        message = to_incoming(line, locale)
        if isinstance(message, str):
            _emit(stdout, message)
        elif interactive:
            engine.background.spawn(engine.handle(message, out), name="console-turn")
        else:
            await engine.handle(message, out)
    await engine.background.drain()
    return 0


async def _lines(stdin: TextIO) -> AsyncIterator[str]:
    """Lines from stdin without tying up a thread on a pipe or terminal (so SIGTERM can stop the bot)."""
    if not _watchable(stdin):
        # A regular file or /dev/null cannot be watched, but reading it never blocks for long either.
        while line := await asyncio.to_thread(stdin.readline):
            yield line
        return
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    try:
        while raw := await reader.readline():
            yield raw.decode("utf-8", errors="replace")
    finally:
        transport.close()


def _watchable(stdin: TextIO) -> bool:
    """A pipe, socket or terminal: the event loop can wait on it."""
    try:
        fd = stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


def _emit(stream: TextIO, text: str) -> None:
    stream.write(text + "\n")
    stream.flush()


def _free_name(target: Path) -> Path:
    counter = 1
    candidate = target
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{counter}{target.suffix}")
        counter += 1
    return candidate
