"""S4: peak memory of uploading a 200 MB file with NemoClient.upload_files, and of downloading one with
NemoClient.download (target: under 40 MB of growth each way; both stream, so it stays flat).

The simulator (the upload's end) and a plain file server (the download's start) run in subprocesses, so only the
client's memory is measured here. Run:
    .venv/bin/python -m bench.upload_memory [--size-mb 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bot.nemo.client import NemoClient

ATTRIBUTION = {"X-Skill-Source": "nemo-video", "X-Skill-Version": "bench", "X-Skill-Platform": "console"}


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) where Linux allows it, so setup work does not hide growth."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB: VmHWM when readable, else ru_maxrss (KiB on Linux)."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident set size now, in MB."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_file(folder: Path, size_mb: int) -> Path:
    """A video-named file of `size_mb` MB: random bytes, written in 1 MB blocks."""
    path = folder / "big.mp4"
    with path.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(1 << 20))
    return path


async def wait_until_up(http: httpx.AsyncClient, url: str, deadline: float) -> None:
    """Poll the simulator until it answers."""
    while True:
        try:
            await http.get(f"{url}/__sim/requests")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def upload(url: str, path: Path) -> float:
    """Upload `path` once; the peak RSS growth in MB it caused."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as http:
        await wait_until_up(http, url, time.monotonic() + 30)
        client = NemoClient(http, base_url=url, client_id="bench-upload", attribution=ATTRIBUTION)
        session = await client.create_session("en")
        reset_peak()
        before = current_rss_mb()
        started = time.monotonic()
        files = await client.upload_files(session.session_id, [path])
        after = peak_rss_mb()
        print(f"uploaded {files[0].filename} in {time.monotonic() - started:.1f}s")
        return after - before


async def download(url: str, dest: Path) -> float:
    """Download `url` into `dest` once; the peak RSS growth in MB it caused."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as http:
        client = NemoClient(http, base_url="http://api.invalid", client_id="bench-download", attribution=ATTRIBUTION)
        reset_peak()
        before = current_rss_mb()
        started = time.monotonic()
        size = await client.download(url, dest)
        after = peak_rss_mb()
        print(f"downloaded {size / 1e6:.0f} MB in {time.monotonic() - started:.1f}s")
        return after - before


@contextlib.contextmanager
def serving(folder: Path, port: int) -> Iterator[str]:
    """`python -m http.server` over `folder`; yields its URL once it answers."""
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.head(f"{url}/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    """Make the file, start the simulator, upload, download, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(Path(folder), args.size_mb)
        env = {**os.environ, "SIM_SPEED": "0.001", "SIM_MAX_UPLOAD_MB": str(args.size_mb * 4)}
        command = [sys.executable, "-m", "nemo_sim", "--host", "127.0.0.1", "--port", str(port)]
        sim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            up = asyncio.run(upload(f"http://127.0.0.1:{port}", path))
        finally:
            sim.terminate()
            sim.wait(timeout=10)
        with serving(Path(folder), free_port()) as url:
            down = asyncio.run(download(f"{url}/{path.name}", Path(folder) / "back.mp4"))
    for direction, growth in (("upload", up), ("download", down)):
        verdict = "OK" if growth < 40 else "OVER TARGET"
        print(f"peak RSS growth during a {args.size_mb} MB {direction}: {growth:.1f} MB (target < 40 MB: {verdict})")


if __name__ == "__main__":
    main()
