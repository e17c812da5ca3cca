"""A faithful local fake of the Nemo API (REST, `/run_sse` streams, uploads, renders) for tests and demos."""

from nemo_sim.config import Fault, SimConfig
from nemo_sim.server import Simulator, run_simulator, serve_forever

__all__ = ["Fault", "SimConfig", "Simulator", "run_simulator", "serve_forever"]
