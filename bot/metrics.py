"""The bot's Prometheus metrics: the engine's events, the Nemo client's requests and the platforms' API errors.

One `Metrics` per process, made by the composition root with a registry of its own (never the library's global
one), so tests and several bots in one process never share a count. README "Health and metrics" lists them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.engine.ports import RenderOutcome, TurnOutcome
from bot.nemo.observe import Exchange

PREFIX = "nemo_bot"
# Seconds: a Nemo request's reply takes tens of milliseconds to a minute (an upload, a slow state).
REQUEST_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Seconds from a render seen completed to its video posted: a download and an upload of up to hundreds of MB.
DELIVERY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)


def _named(name: str) -> str:
    """A metric's full name, under the bot's prefix."""
    return f"{PREFIX}_{name}"


class Metrics:
    """Every metric the bot exports; implements the engine's `Telemetry` port and observes Nemo requests."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # memory, CPU and open files of this process
        r = self.registry
        self._messages = Counter(
            _named("messages_in"), "Messages received, by platform and routed intent.", ["platform", "intent"],
            registry=r,
        )
        self._turns = Counter(
            _named("turns"), "Agent turns ended, by platform and outcome.", ["platform", "outcome"], registry=r,
        )
        self._renders = Counter(
            _named("renders"), "Renders this process followed to their end, by platform and outcome.",
            ["platform", "outcome"], registry=r,
        )
        self._in_flight = Gauge(
            _named("in_flight"), "Work running now: turn (a chat's request, an export included) or render.",
            ["kind"], registry=r,
        )
        self._lag = Histogram(
            _named("delivery_lag_seconds"), "From a render seen completed to its video (or link) posted.",
            ["platform"], buckets=DELIVERY_BUCKETS, registry=r,
        )
        self._nemo_seconds = Histogram(
            _named("nemo_request_seconds"), "Nemo API requests: time to the reply's headers, by endpoint.",
            ["endpoint"], buckets=REQUEST_BUCKETS, registry=r,
        )
        self._nemo_errors = Counter(
            _named("nemo_errors"), "Failed Nemo API requests, by endpoint and code (envelope code, http_<status>, "
            "or the failure's kind).", ["endpoint", "code"], registry=r,
        )
        self._uploaded = Counter(_named("upload_bytes"), "Bytes of files uploaded to Nemo.", registry=r)
        self._downloaded = Counter(
            _named("download_bytes"), "Bytes of files downloaded from Nemo (rendered videos).", registry=r,
        )
        self._platform_errors = Counter(
            _named("platform_api_errors"), "Failed chat platform API calls, by platform, method and code "
            "(the HTTP status, 429 for rate limits, or network).", ["platform", "method", "code"], registry=r,
        )
        self._quota_refusals = Counter(
            _named("quota_refusals"), "Requests refused because their sender's quota is used up, by platform and "
            "quota (turns, exports, credits).", ["platform", "kind"], registry=r,
        )
        self._queue_depth = Gauge(
            _named("queue_waiting"), "Requests waiting their turn in every chat's queue (every replica's), counted "
            "every half lease.", registry=r,
        )
        self._loop_lag = Gauge(
            _named("event_loop_lag_seconds"), "How late the event loop ran the last heartbeat.", registry=r,
        )
        for kind in ("turn", "render"):
            self._in_flight.labels(kind)  # shown at 0 before the first one

    # The engine's Telemetry port

    def message_in(self, platform: str, intent: str) -> None:
        """Count a message."""
        self._messages.labels(platform, intent).inc()

    def turn_ended(self, platform: str, outcome: TurnOutcome) -> None:
        """Count an agent turn."""
        self._turns.labels(platform, outcome.value).inc()

    def render_ended(self, platform: str, outcome: RenderOutcome) -> None:
        """Count a render."""
        self._renders.labels(platform, outcome.value).inc()

    def quota_refused(self, platform: str, kind: str) -> None:
        """Count a request refused over its sender's quota."""
        self._quota_refusals.labels(platform, kind).inc()

    def queue_depth(self, waiting: int) -> None:
        """Show the requests waiting in the queues."""
        self._queue_depth.set(waiting)

    def video_posted(self, platform: str, lag: float) -> None:
        """Record a delivery's lag."""
        self._lag.labels(platform).observe(lag)

    def working(self, kind: str) -> AbstractContextManager[None]:
        """Count the block as work in flight."""
        return self._in_flight.labels(kind).track_inprogress()

    # The other parts

    def nemo_exchange(self, exchange: Exchange) -> None:
        """Record one Nemo request (`bot.nemo.observe.Observer`)."""
        self._nemo_seconds.labels(exchange.endpoint).observe(exchange.seconds)
        if exchange.error is not None:
            self._nemo_errors.labels(exchange.endpoint, exchange.error).inc()
        if exchange.sent:
            self._uploaded.inc(exchange.sent)
        if exchange.received:
            self._downloaded.inc(exchange.received)

    def platform_error(self, platform: str, method: str, code: str) -> None:
        """Count a chat platform API call that failed."""
        self._platform_errors.labels(platform, method, code).inc()

    def loop_lag(self, seconds: float) -> None:
        """Record how late the event loop ran the heartbeat."""
        self._loop_lag.set(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """Every metric in Prometheus's text format, and that format's content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
