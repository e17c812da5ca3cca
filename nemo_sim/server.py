"""Serving the simulator: `run_simulator` (in the current event loop, for tests) and `serve_forever` (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import uvicorn

from nemo_sim.app import build_app
from nemo_sim.config import SimConfig
from nemo_sim.media import temporary_media_cache
from nemo_sim.turn import StreamCut
from nemo_sim.world import World

STARTUP_TIMEOUT = 10.0
KEEP_ALIVE = 60
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Simulator:
    """A running simulator: its base URL and its world (config, request log, tokens, sessions, renders)."""

    url: str
    world: World
    port: int


class _QuietCuts(logging.Filter):
    """Drops uvicorn's traceback for the deliberate connection cut of the drop scenario."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the StreamCut traceback."""
        return not (record.exc_info and isinstance(record.exc_info[1], StreamCut))


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server for someone else's loop: no signal handlers, and it stops as soon as it is asked."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing."""
        yield

    async def main_loop(self) -> None:
        """Tick once a second (the Date header) but wake at once on `stop_requested` (uvicorn polls at 0.1 s)."""
        counter = 0
        while not await self.on_tick(counter):
            counter += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 1.0)
            if self.stop_requested.is_set():
                self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown, minus its fixed 0.1 s nap (tests start and stop a server each)."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                while self.server_state.tasks:
                    await asyncio.wait(set(self.server_state.tasks))
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel()
        for server in self.servers:
            await server.wait_closed()
        await asyncio.sleep(0)  # let the closed transports run connection_lost
        await self.lifespan.shutdown()


@contextlib.contextmanager
def _quiet_cuts() -> Iterator[None]:
    log = logging.getLogger("uvicorn.error")
    flt = _QuietCuts()
    log.addFilter(flt)
    try:
        yield
    finally:
        log.removeFilter(flt)


@contextlib.contextmanager
def _listening_socket(host: str, port: int) -> Iterator[socket.socket]:
    """Bind here rather than in uvicorn, whose bind failure is a `sys.exit` that would end the whole loop."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets that say so,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    try:
        yield sock
    finally:
        sock.close()


@contextlib.asynccontextmanager
async def run_simulator(
    config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> AsyncIterator[Simulator]:
    """Serve a fresh simulator under uvicorn in this event loop; port 0 picks a free port."""
    with temporary_media_cache() as media, _quiet_cuts(), _listening_socket(host, port) as sock:
        world = World(config or SimConfig(), media)
        uv_config = uvicorn.Config(
            build_app(world), http="h11", lifespan="off",
            log_config=None, log_level=log_level, timeout_graceful_shutdown=2,
            # Idle connections stay open as long as behind a typical load balancer (uvicorn's own default is 5 s).
            timeout_keep_alive=KEEP_ALIVE,
        )
        server = _EmbeddedServer(uv_config)
        task = asyncio.create_task(server.serve(sockets=[sock]), name="nemo-sim-server")
        try:
            # The world is left first: ending our turns lets endless (stall) streams finish before shutdown.
            async with world:
                async with asyncio.timeout(STARTUP_TIMEOUT):
                    while not server.started:
                        if task.done():
                            task.result()
                            raise RuntimeError("simulator exited during startup")
                        await asyncio.sleep(0.01)
                bound = server.servers[0].sockets[0].getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                yield Simulator(url=f"http://{shown}:{bound}", world=world, port=bound)
        finally:
            server.stop_requested.set()
            await task


async def serve_forever(host: str = "127.0.0.1", port: int = 8765, config: SimConfig | None = None) -> None:
    """Serve the simulator until cancelled (Ctrl-C under `asyncio.run`), then shut down gracefully."""
    async with run_simulator(config or SimConfig.from_env(), host, port, log_level="info") as sim:
        logger.info("Nemo API simulator listening on %s (speed %s)", sim.url, sim.world.config.speed)
        await asyncio.Event().wait()
