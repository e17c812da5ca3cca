"""The console adapter: lines from stdin in, replies on stdout, delivered videos saved to a folder."""

from __future__ import annotations

import asyncio
import getpass
import mimetypes
import os
import shutil
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from bot.engine.engine import Engine
from bot.engine.messages import Attachment, Incoming
from bot.engine.ports import Limits, Outgoing, Post, Video
from bot.i18n import resolve_locale, say
from bot.store.keys import ChatKey

PLATFORM = "console"
CHAT = ChatKey(PLATFORM, "local")
LIMITS = Limits(text_length=sys.maxsize, upload_bytes=4 * 1000 * 1000 * 1000)


class ConsoleOutgoing:
    """Replies printed to stdout (progress edits as new lines: stdout may be a pipe); videos moved to a folder."""

    def __init__(self, stream: TextIO, out_dir: Path, locale: str = "en") -> None:
        self._stream = stream
        self._out_dir = out_dir
        self._locale = locale

    @property
    def limits(self) -> Limits:
        """Any length, any size (the console saves videos to disk), every progress step shown."""
        return LIMITS

    async def send(self, post: Post) -> object:
        """Print a reply, a progress line or a link; actions are shown as words to type."""
        if post.live:
            _emit(self._stream, f"  … {post.text}")
        elif post.link is not None:
            _emit(self._stream, f"🤖 {post.text}\n🔗 {post.link}")
        else:
            words = " | ".join(button.action.value for button in post.buttons)
            _emit(self._stream, f"🤖 {post.text}" + (f"\n  [{words}]" if words else ""))
        return None

    async def edit(self, handle: object, text: str | None, *, last: bool = False) -> None:
        """Print the new progress text on its own line."""
        if text is not None:
            _emit(self._stream, f"  … {text}")

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Move the video into the output folder and print where it is."""
        self._out_dir.mkdir(parents=True, exist_ok=True)
        target = _free_name(self._out_dir / path.name)
        await asyncio.to_thread(shutil.move, path, target)
        saved = say(
            "console_saved", self._locale, path=target, width=video.width, height=video.height, duration=video.duration,
        )
        _emit(self._stream, f"🤖 {caption}\n{saved}")

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
        return ConsoleOutgoing(self._stream, self._out_dir, locale)


def to_incoming(line: str, locale: str) -> Incoming | str:
    """A typed line as a message, or an error text for a bad `/upload`."""
    text = line.strip()
    if text.startswith("/upload ") and "://" not in text:
        path = Path(text.removeprefix("/upload ").strip()).expanduser()
        if not path.is_file():
            return say("console_no_such_file", locale, path=path)
        mime, _ = mimetypes.guess_type(path.name)
        attachment = Attachment(name=path.name, mime_type=mime, size=path.stat().st_size, path=path)
        return Incoming(CHAT, getpass.getuser(), getpass.getuser(), "", (attachment,), locale)
    return Incoming(CHAT, getpass.getuser(), getpass.getuser(), text, (), locale)


async def run_console(
    engine: Engine, out_dir: Path, language: str | None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
) -> int:
    """Read lines until end of input, replying in the terminal's `language` (its LANG); piped input runs one turn
    at a time; returns the exit code."""
    locale = resolve_locale(language)
    interactive = stdin.isatty()
    platform = ConsolePlatform(stdout, out_dir)
    out = platform.outgoing(CHAT, None, locale)
    await engine.resume({PLATFORM: platform})
    if interactive:
        _emit(stdout, say("console_intro", locale))
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
