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
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.common import (
    ATTRIBUTION,
    current_rss_mb,
    free_port,
    peak_rss_mb,
    reset_peak,
    server_process,
    simulator,
)
from bot.nemo.client import NemoClient


def make_file(folder: Path, size_mb: int) -> Path:
    """A video-named file of `size_mb` MB: random bytes, written in 1 MB blocks."""
    path = folder / "big.mp4"
    with path.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(1 << 20))
    return path


async def upload(url: str, path: Path) -> float:
    """Upload `path` once; the peak RSS growth in MB it caused."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as http:
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
    with server_process(command, os.environ, f"http://127.0.0.1:{port}", "/") as (url, _):
        yield url


def main() -> None:
    """Make the file, start the simulator, upload, download, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(Path(folder), args.size_mb)
        with simulator(speed=0.001, max_upload_mb=args.size_mb * 4) as sim:
            up = asyncio.run(upload(sim.url, path))
        with serving(Path(folder), free_port()) as url:
            down = asyncio.run(download(f"{url}/{path.name}", Path(folder) / "back.mp4"))
    for direction, growth in (("upload", up), ("download", down)):
        verdict = "OK" if growth < 40 else "OVER TARGET"
        print(f"peak RSS growth during a {args.size_mb} MB {direction}: {growth:.1f} MB (target < 40 MB: {verdict})")


if __name__ == "__main__":
    main()
