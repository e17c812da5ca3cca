"""The simulator served by hypercorn, which speaks HTTP/2 without TLS (h2c), for `bench/pools.py`'s HTTP/2 run.

Hypercorn and h2 come with the `dev` extra; the bot itself needs neither. Run:
    .venv/bin/python -m bench.h2sim PORT
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

from nemo_sim.app import build_app
from nemo_sim.config import SimConfig
from nemo_sim.media import temporary_media_cache
from nemo_sim.world import World


async def main(port: int) -> None:
    """Serve until killed."""
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.keep_alive_timeout = 60
    config.h2_max_concurrent_streams = 1000
    config.keep_alive_max_requests = 10**9  # its default, 1000, ends a connection (GOAWAY) mid-benchmark
    with temporary_media_cache() as media:
        async with World(SimConfig.from_env(), media) as world:
            app: Any = build_app(world)  # a Starlette app, which hypercorn's stricter ASGI type does not name
            await serve(app, config)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
