"""`python -m nemo_sim [--host H] [--port P]`: serve the simulator; `SIM_*` variables set its config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from nemo_sim.config import SimConfig
from nemo_sim.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m nemo_sim", description="Local fake of the Nemo API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(args.host, args.port, SimConfig.from_env()))


if __name__ == "__main__":
    main()
