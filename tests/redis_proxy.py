"""A TCP link to the test Redis that can be cut and restored: a real server going away, then coming back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from tests.store_fixtures import REDIS_HOST, REDIS_PORT


class RedisLink:
    """Forwards bytes to the test Redis; `cut()` drops every connection and refuses new ones until `restore()`;
    `pause()` holds every byte, connections open, until `resume()`: a Redis that stops answering for a while;
    `hold_after_sent` and `hold_after_received` pause right after one chosen exchange, a process frozen at that step."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._sent_marker: bytes | None = None
        self._received_marker: bytes | None = None
        self.held = asyncio.Event()  # set once a hold_after_* has paused the link

    def hold_after_sent(self, marker: bytes) -> None:
        """Once a command holding `marker` has been answered, pause (the answer passes, nothing after it)."""
        self._sent_marker = marker

    def hold_after_received(self, marker: bytes) -> None:
        """Once an answer holding `marker` has passed, pause."""
        self._received_marker = marker

    def _hold(self) -> None:
        self._flowing.clear()
        self._sent_marker = self._received_marker = None
        self.held.set()

    def pause(self) -> None:
        """Hold every byte in either direction until `resume()` (what is held then goes on, in order)."""
        self._flowing.clear()

    def resume(self) -> None:
        """Let the held bytes and everything after them through."""
        self._flowing.set()

    async def restore(self) -> None:
        """Listen (again, on the same port once one was chosen)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        """Stop listening and close every forwarded connection now, before anything else runs."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._open:
            writer.close()

    def client(self, db: int, timeout: float | None = None) -> Redis:
        """A client through the link that waits `timeout` seconds for an answer (None: for ever); no retries, so an
        outage shows at once."""
        return Redis(
            host="127.0.0.1", port=self.port, db=db, decode_responses=True, retry=Retry(NoBackoff(), 0),
            socket_timeout=timeout,
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(REDIS_HOST, REDIS_PORT)
        self._open |= {writer, up_writer}
        try:
            answering = asyncio.Event()  # this connection sent the command to hold after: its answer is the last

            def sent(data: bytes) -> None:
                if self._sent_marker is not None and self._sent_marker in data:
                    answering.set()

            def received(data: bytes) -> None:
                if answering.is_set() or (self._received_marker is not None and self._received_marker in data):
                    self._hold()

            await asyncio.gather(
                _pipe(reader, up_writer, self._flowing, sent), _pipe(up_reader, writer, self._flowing, received),
            )
        finally:
            self._open -= {writer, up_writer}
            for end in (writer, up_writer):
                end.close()
                with contextlib.suppress(OSError):
                    await end.wait_closed()


async def _pipe(
    source: asyncio.StreamReader, sink: asyncio.StreamWriter, flowing: asyncio.Event,
    passed: Callable[[bytes], None] = lambda data: None,
) -> None:
    """Copy until either side closes, holding the bytes while `flowing` is clear; `passed` sees each chunk sent on."""
    with contextlib.suppress(OSError):
        while data := await source.read(65536):
            await flowing.wait()
            sink.write(data)
            await sink.drain()
            passed(data)
    sink.close()


@contextlib.asynccontextmanager
async def redis_link() -> AsyncIterator[RedisLink]:
    """A listening link, cut on exit."""
    link = RedisLink()
    await link.restore()
    try:
        yield link
    finally:
        link.cut()
