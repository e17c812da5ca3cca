"""`nemo-bot telegram` replicas as subprocesses in webhook mode, as the Kubernetes Deployment runs them: started on
fresh ports against a Redis, the simulator and the fake Bot API; read through their health server; fed updates
through their webhook. Used by the two-replica test and by `bench/chaos.py`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from adapters.telegram.webhook import SECRET_HEADER
from tests.command import command_env
from tests.redis_server import closed_port
from tests.telegram.fake_api import TOKEN, FakeBotApi

SECRET = "replicas_share-this-secret"
HOOK_PATH = "/tg/hook"


@dataclass(slots=True)
class Replica:
    """One `nemo-bot telegram` process: its webhook and health ports."""

    process: asyncio.subprocess.Process
    webhook_port: int
    health_port: int

    @property
    def endpoint(self) -> str:
        """Where Telegram would POST updates to this replica (the Service picks one)."""
        return f"http://127.0.0.1:{self.webhook_port}{HOOK_PATH}"

    async def stop(self) -> None:
        """SIGTERM, as Kubernetes stops a pod, unless it is gone already."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 30)


async def launch(folder: Path, *, sim_url: str, api_url: str, redis_url: str, lease: float, **settings: str,
                 ) -> Replica:
    """Start `nemo-bot telegram` in webhook mode on fresh ports, on the shared Redis, simulator and Bot API, with
    `settings` added or changed; its stderr goes to `folder/stderr.log`."""
    await asyncio.to_thread(folder.mkdir, parents=True)
    webhook_port, health_port = closed_port(), closed_port()
    defaults = dict(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api_url,
        TELEGRAM_WEBHOOK_URL=f"https://bot.example.com{HOOK_PATH}", TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1", TELEGRAM_WEBHOOK_PORT=str(webhook_port),
        HEALTH_PORT=str(health_port), HEALTH_LISTEN="127.0.0.1", REDIS_URL=redis_url, NEMO_API_URL=sim_url,
        LOCK_LEASE=str(lease), RENDER_POLL_INITIAL="0.05", RENDER_POLL_MAX="0.1", ALLOW_PRIVATE_URLS="true",
        LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
    )
    env = command_env(folder, **{**defaults, **settings})
    with (folder / "stderr.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "telegram", cwd=folder, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
    return Replica(process, webhook_port, health_port)


@contextlib.asynccontextmanager
async def started(folder: Path, fake: FakeBotApi, http: httpx.AsyncClient, **launch_args: Any,
                  ) -> AsyncIterator[Replica]:
    """A replica (`launch` with `launch_args`) started and ready, stopped on exit.

    Other programs on this machine may take a free port between our pick and the replica's bind: a replica that
    exits at start is started again on other ports, and it counts as ready only once the fake Bot API has seen its
    setWebhook and its own /readyz answers 200.
    """
    for attempt in range(3):
        one = await launch(folder / str(attempt), **launch_args)
        registered = len(fake.calls_to("setWebhook"))
        async with asyncio.timeout(30):
            while one.process.returncode is None and not (  # noqa: ASYNC110 - another process's state
                len(fake.calls_to("setWebhook")) > registered and await ready(http, one.health_port)
            ):
                await asyncio.sleep(0.1)
        if one.process.returncode is None:
            break
    else:
        raise AssertionError(f"no replica started; see {folder}/*/stderr.log")
    try:
        yield one
    finally:
        await one.stop()


async def ready(http: httpx.AsyncClient, port: int) -> bool:
    """Whether the health server on `port` answers /readyz with 200."""
    try:
        return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def post(http: httpx.AsyncClient, to: Replica, update: dict[str, Any]) -> None:
    """Deliver `update` to one replica's webhook, as Telegram does."""
    answer = await http.post(to.endpoint, json=update, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200


class Fleet:
    """`count` replicas kept running: one that exits (killed, or failed at start) is started again at once, on
    fresh ports; `starts`, `kills` and `exits` (ends that were not a kill) count what happened."""

    def __init__(self, folder: Path, count: int, **launch_args: Any) -> None:
        self._folder = folder
        self._launch_args = launch_args
        self.current: list[Replica | None] = [None] * count
        self.starts = 0
        self.kills = 0
        self.exits: list[str] = []  # why each replica that ended by itself ended: its exit code and last line
        self._killed: set[int] = set()  # pids this fleet killed
        self._stopping = False

    def live(self) -> list[Replica]:
        """The replicas whose process runs now."""
        return [one for one in self.current if one is not None and one.process.returncode is None]

    def kill(self, index: int) -> Replica | None:
        """SIGKILL replica `index` (it is started again at once); the replica killed, None if it was down."""
        one = self.current[index]
        if one is None or one.process.returncode is not None:
            return None
        self._killed.add(one.process.pid)
        one.process.send_signal(signal.SIGKILL)
        self.kills += 1
        return one

    async def keep(self, index: int) -> None:
        """Run replica `index` until `stop`, starting it again whenever it ends."""
        while not self._stopping:
            folder = self._folder / f"replica{index}-{self.starts}"
            one = await launch(folder, **self._launch_args)
            self.starts += 1
            self.current[index] = one
            if self._stopping:  # stopped while this one started
                await one.stop()
            code = await one.process.wait()
            if one.process.pid not in self._killed and not self._stopping:
                tail = await asyncio.to_thread(_last_line, folder / "stderr.log")
                self.exits.append(f"exit {code}: {tail}")
                await asyncio.sleep(0.5)  # a replica that cannot start (Redis down) is not started in a busy loop

    async def stop(self) -> None:
        """SIGTERM every replica and wait for them to end."""
        self._stopping = True
        await asyncio.gather(*(one.stop() for one in self.live()))


def _last_line(log: Path) -> str:
    """The last non-empty line of a log file ('' when there is none)."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""
