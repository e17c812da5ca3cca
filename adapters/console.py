"""The console adapter: lines from stdin in, replies on stdout, delivered videos saved to a folder."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import shutil
import stat
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from bot.engine.card import Card
from bot.engine.engine import Engine
from bot.engine.messages import Attachment, Incoming
from bot.engine.ports import Limits, Outgoing, Post, Video
from bot.engine.rules import is_id
from bot.i18n import resolve_locale, say
from bot.store.keys import ChatKey

PLATFORM = "console"
USER = "local"
CHAT = ChatKey(PLATFORM, USER)
LIMITS = Limits(text_length=sys.maxsize, upload_bytes=4 * 1000 * 1000 * 1000)
# The most of one input line held in memory, in bytes: far above the engine's longest request, so a longer line is
# read to its end and handed on as truncated (the engine refuses it) rather than kept.
LINE_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
# What a terminal would act on rather than show: escape sequences (CSI, OSC and the other string controls to their
# terminator, two-character escapes), then any other C0 or C1 control but newline and tab.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ConsoleOutgoing:
    """Replies printed to stdout; videos and pictures moved to a folder. On a terminal a progress card is one line
    redrawn in place; on a pipe or file each change is a new line."""

    def __init__(self, stream: TextIO, out_dir: Path, locale: str = "en") -> None:
        self._stream = stream
        self._out_dir = out_dir
        self._locale = locale
        self._redraw = _is_terminal(stream)
        self._drawn = False  # a progress line is on screen without its newline yet
        self._last = ""  # the progress line shown last: a card that changed only in its picture shows nothing new

    @property
    def limits(self) -> Limits:
        """Any length, any size (the console saves videos to disk), every progress step shown."""
        return LIMITS

    async def send(self, post: Post) -> object:
        """Print a reply, a progress line or a link; actions are shown as words to type; a picture is saved and its
        path printed above its caption."""
        if post.live:
            self._progress(post.text, post.card, last=False)
            return None
        self._end_line()
        if post.image is not None:
            saved = await self._keep(post.image)
            _emit(self._stream, say("console_picture", self._locale, path=saved))
        if post.link is not None:
            _emit(self._stream, f"🤖 {post.text}\n🔗 {post.link}")
        elif post.text or post.buttons:
            words = " | ".join(button.words for button in post.buttons)
            _emit(self._stream, f"🤖 {post.text}" + (f"\n  [{words}]" if words else ""))
        return None

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Show the new progress text: the same line redrawn on a terminal, a new line elsewhere."""
        if text is not None:
            self._progress(text, card, last=last)
        elif last:
            self._end_line()

    def _progress(self, text: str, card: Card | None, *, last: bool) -> None:
        line = _one_line(text) if card is not None else text
        if line == self._last and not last:
            return
        self._last = line
        if not self._redraw:
            _emit(self._stream, f"  … {line}")
            return
        # Carriage return and erase-line: the card is redrawn where it stands.
        self._stream.write(f"\r\x1b[2K  … {printable(line)}")
        self._drawn = True
        if last:
            self._end_line()
        self._stream.flush()

    def _end_line(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._drawn = False

    async def _keep(self, picture: Path) -> Path:
        await asyncio.to_thread(self._out_dir.mkdir, parents=True, exist_ok=True)
        target = _free_name(self._out_dir / picture.name)
        await asyncio.to_thread(shutil.copyfile, picture, target)
        return target

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Move the video into the output folder and print where it is."""
        self._end_line()
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


@dataclass(slots=True)
class Seat:
    """Who types at the terminal and where: `/as NAME [admin]` and `/chat [NAME]` change it, to try access and quotas
    without a platform. The name is the user id the access lists and quotas match; a group chat's name is its id."""

    user: str = USER
    admin: bool = False
    group: str | None = None  # None: the direct chat

    @property
    def chat(self) -> ChatKey:
        """The direct chat, or the named group chat."""
        return CHAT if self.group is None else ChatKey(PLATFORM, self.group)

    def switch(self, line: str, locale: str) -> str | None:
        """What `/as` or `/chat` changed, said; None when the line is neither (it is for the engine)."""
        command, _, rest = line.strip().partition(" ")
        words = rest.split()
        if command == "/as":
            if not (1 <= len(words) <= 2 and _name(words[0]) and words[1:] in ([], ["admin"])):
                return say("console_as_usage", locale)
            self.user, self.admin = words[0], words[1:] == ["admin"]
            return say("console_as_admin" if self.admin else "console_as", locale, user=self.user)
        if command == "/chat":
            if len(words) > 1 or (words and not _name(words[0])):
                return say("console_chat_usage", locale)
            self.group = words[0] if words else None
            return say("console_chat", locale, chat=self.group) if words else say("console_chat_direct", locale)
        return None

    def incoming(self, text: str, locale: str, *, attachments: tuple[Attachment, ...] = (),
                 truncated: bool = False) -> Incoming:
        """A message typed by whoever sits at the terminal now."""
        return Incoming(
            self.chat, self.user, self.user, text, attachments, locale, direct=self.group is None,
            truncated=truncated, admin=self.admin,
        )


def _name(word: str) -> bool:
    """A user or chat name the console takes: letters, digits and `_ . - @` (no platform prefix: it is the console)."""
    return is_id(word) and ":" not in word


def to_incoming(line: str | None, locale: str, seat: Seat | None = None) -> Incoming | str:
    """A typed line as a message (None: a line too long to hold), or an error text for a bad `/upload`."""
    seat = seat or Seat()
    if line is None:
        return seat.incoming("", locale, truncated=True)
    text = line.strip()
    if text.startswith("/upload ") and "://" not in text:
        typed = Path(text.removeprefix("/upload ").strip()).expanduser()
        found = _local(typed)
        if found is None:
            return say("console_no_such_file", locale, path=typed)
        path, size = found
        mime, _ = mimetypes.guess_type(path.name)
        attachment = Attachment(name=path.name, mime_type=mime, size=size, path=path)
        return seat.incoming("", locale, attachments=(attachment,))
    return seat.incoming(text, locale)


def _local(typed: Path) -> tuple[Path, int] | None:
    """The typed path with its folders resolved, and its size; None when there is nothing there."""
    try:
        # The file itself is not resolved: the engine refuses a link rather than read whatever it points at.
        path = typed.absolute().parent.resolve() / typed.name
        found = path.lstat()
    except (OSError, RuntimeError):  # missing, unreadable, a name too long, a loop of links
        return None
    if stat.S_ISDIR(found.st_mode):
        return None
    return path, found.st_size


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
    seat = Seat()
    async for line in _lines(stdin):
        if line is not None and not line.strip():
            continue
        switched = seat.switch(line, locale) if line is not None else None
        if switched is not None:
            _emit(stdout, switched)
            continue
        message = to_incoming(line, locale, seat)
        if isinstance(message, str):
            _emit(stdout, message)
        elif interactive:
            engine.background.spawn(engine.handle(message, out), name="console-turn")
        else:
            await engine.handle(message, out)
    await engine.background.drain()
    return 0


class LineSplitter:
    """Lines out of chunks of bytes, holding at most `limit` bytes of one line; None stands for a longer line."""

    def __init__(self, limit: int = LINE_BYTES) -> None:
        self._limit = limit
        self._held = bytearray()
        self._over = False

    def feed(self, chunk: bytes) -> list[str | None]:
        """The lines this chunk ends; the start of the next one is kept (up to the limit)."""
        lines: list[str | None] = []
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            lines.append(self._finish(chunk[start:end]))
            start = end + 1
        self._hold(chunk[start:])
        return lines

    def end(self) -> list[str | None]:
        """The last line, when the input ends without a newline."""
        return [self._finish(b"")] if self._held or self._over else []

    def _hold(self, part: bytes) -> None:
        if self._over:
            return
        if len(self._held) + len(part) > self._limit:
            self._held.clear()
            self._over = True
        else:
            self._held += part

    def _finish(self, part: bytes) -> str | None:
        self._hold(part)
        # Input is whatever the terminal or file holds: an invalid byte reads as U+FFFD, never as an error.
        line = None if self._over else self._held.decode("utf-8", errors="replace")
        self._held.clear()
        self._over = False
        return line


async def _lines(stdin: TextIO) -> AsyncIterator[str | None]:
    """Lines from stdin, each decoded on its own; None for a line over `LINE_BYTES` (read to its end, not kept)."""
    splitter = LineSplitter()
    async for chunk in _chunks(stdin):
        for line in splitter.feed(chunk):
            yield line
    for line in splitter.end():
        yield line


async def _chunks(stdin: TextIO) -> AsyncIterator[bytes]:
    """Bytes from stdin without tying up a thread on a pipe or terminal (so SIGTERM can stop the bot)."""
    if not _watchable(stdin):
        # A regular file or /dev/null cannot be watched, but reading it never blocks for long either.
        read = _reader(stdin)
        while chunk := await asyncio.to_thread(read, CHUNK_BYTES):
            yield chunk
        return
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    try:
        while chunk := await reader.read(CHUNK_BYTES):
            yield chunk
    finally:
        transport.close()


def _reader(stdin: TextIO) -> Callable[[int], bytes]:
    """Reads the stream's bytes undecoded (a text stream without a byte buffer: its text, encoded back)."""
    buffer: BinaryIO | None = getattr(stdin, "buffer", None)
    if buffer is not None:
        return buffer.read
    return lambda size: stdin.read(size).encode("utf-8", errors="surrogatepass")


def _watchable(stdin: TextIO) -> bool:
    """A pipe, socket or terminal: the event loop can wait on it."""
    try:
        fd = stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


def printable(text: str) -> str:
    """The text without escape sequences or control characters (newline and tab stay): the agent's words and file
    names reach a terminal that would obey them (retitle the window, clear the screen)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _one_line(text: str) -> str:
    """A card's lines as one line, without the bold marks a terminal would print as they are."""
    return " · ".join(line.strip() for line in text.replace("**", "").splitlines() if line.strip())


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-less stream
        return False


def _emit(stream: TextIO, text: str) -> None:
    stream.write(printable(text) + "\n")
    stream.flush()


def _free_name(target: Path) -> Path:
    counter = 1
    candidate = target
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{counter}{target.suffix}")
        counter += 1
    return candidate
