"""Reporting what the engine does: the default that reports nothing, and how a turn's ending is named."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager

from bot.engine.ports import Events, RenderOutcome, TurnOutcome
from bot.nemo.errors import NemoError
from bot.store.errors import StoreUnavailable

# The relay's own names for how a turn's stream ended (they are also its catalogue keys).
_RELAYED = {"turn_done": TurnOutcome.DONE, "turn_dropped": TurnOutcome.DROPPED, "turn_running": TurnOutcome.TIMED_OUT}


class Quiet:
    """Reports nothing: the engine's default, for tests and runs without metrics."""

    def message_in(self, platform: str, intent: str) -> None:
        """Nothing."""

    def turn_ended(self, platform: str, outcome: TurnOutcome) -> None:
        """Nothing."""

    def render_ended(self, platform: str, outcome: RenderOutcome) -> None:
        """Nothing."""

    def video_posted(self, platform: str, lag: float) -> None:
        """Nothing."""

    def quota_refused(self, platform: str, kind: str) -> None:
        """Nothing."""

    def queue_depth(self, waiting: int) -> None:
        """Nothing."""

    def working(self, kind: str) -> AbstractContextManager[None]:
        """Nothing to count."""
        return contextlib.nullcontext()


QUIET = Quiet()


def relayed(outcome: str, failed: bool) -> TurnOutcome:
    """A turn whose stream the relay saw to its end: `outcome` in the relay's words; `failed`, the agent said so."""
    return TurnOutcome.FAILED if failed else _RELAYED.get(outcome, TurnOutcome.ERROR)


@contextlib.contextmanager
def reporting_failures(events: Events, platform: str) -> Iterator[None]:
    """Report a turn that ended in an exception (one that ended otherwise the relay reports itself)."""
    try:
        yield
    except asyncio.CancelledError:
        events.turn_ended(platform, TurnOutcome.CANCELLED)
        raise
    except NemoError:
        events.turn_ended(platform, TurnOutcome.NEMO_ERROR)
        raise
    except StoreUnavailable:
        events.turn_ended(platform, TurnOutcome.STORE_UNAVAILABLE)
        raise
    except Exception:
        events.turn_ended(platform, TurnOutcome.ERROR)
        raise
