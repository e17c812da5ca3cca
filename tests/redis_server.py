"""A throwaway redis-server of the test's own, on a free port, that the test stops and starts again at will; and a
Redis Sentinel monitoring one."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class RedisServer:
    """A redis-server subprocess, by default without persistence: a restart loses every key, as Redis without AOF
    does; with `aof`, every write goes to an append-only file fsynced every second, read back on start."""

    def __init__(self, folder: Path, password: str | None = None, *, aof: bool = False) -> None:
        self.port = closed_port()
        self._folder = folder
        self._password = password
        self._aof = aof
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, password: str | None = None, db: int = 0) -> str:
        """The server's URL (with `password`, which need not be the right one)."""
        auth = f":{password}@" if password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start the server (on the same port after a stop) and wait until it accepts connections."""
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if self._aof else ["--appendonly", "no"]
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence,
                   "--dir", str(self._folder)]
        if self._password:
            command += ["--requirepass", self._password]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server; its clients' connections are closed by the server going away."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def crash(self) -> None:
        """Kill the server with SIGKILL, as a crash: with `aof`, up to a second of writes is lost."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


@contextlib.contextmanager
def redis_server(folder: Path, password: str | None = None) -> Iterator[RedisServer]:
    """A started throwaway Redis, stopped on exit."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed; the tests need it")
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder, password)
    server.start()
    try:
        yield server
    finally:
        server.stop()


SERVICE = "nemo-master"
"""The service name the test sentinel monitors."""


@contextlib.contextmanager
def sentinel_server(folder: Path, master: RedisServer, password: str | None = None) -> Iterator[int]:
    """A real Redis Sentinel (redis-server in sentinel mode) monitoring `master` as SERVICE; yields its port.

    The test is skipped when this redis-server cannot run as a sentinel (a build without it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = closed_port()
    conf = folder / "sentinel.conf"  # sentinel rewrites its own config: a file of its own, in a folder of its own
    lines = [f"port {port}", "bind 127.0.0.1", f"dir {folder}", f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 1",
             f"sentinel down-after-milliseconds {SERVICE} 60000"]
    if password:
        lines.append(f"sentinel auth-pass {SERVICE} {password}")
    conf.write_text("\n".join(lines) + "\n")
    log = folder / "sentinel.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for_sentinel(process, port, log)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_sentinel(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until the sentinel answers and sees the master up; skip the test if it cannot run at all."""
    deadline = time.monotonic() + 15
    while True:
        if process.poll() is not None:
            pytest.skip(f"redis-server cannot run in sentinel mode here: {log.read_text(errors='replace')[-300:]}")
        with contextlib.suppress(redis.RedisError), redis.Redis(port=port, socket_timeout=1) as client:
            masters = client.sentinel_masters()
            if SERVICE in masters and masters[SERVICE]["is_master"] and not masters[SERVICE]["is_disconnected"]:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sentinel on port {port} never saw its master: {log.read_text()[-500:]}")
        time.sleep(0.05)
