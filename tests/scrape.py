"""Reading the health server as a prober and a Prometheus server would: over HTTP, the text format parsed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True, slots=True)
class Scrape:
    """Every sample of one /metrics answer."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly these labels (0 when it is absent, as Prometheus reads a missing counter)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def labelled(self, name: str) -> list[dict[str, str]]:
        """The label sets of every sample called `name`."""
        return [dict(labels) for (sample, labels) in self.samples if sample == name]


async def scrape(http: httpx.AsyncClient, port: int) -> Scrape:
    """GET /metrics and parse it."""
    reply = await http.get(f"http://127.0.0.1:{port}/metrics")
    reply.raise_for_status()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.text) for sample in family.samples
    }
    return Scrape(samples)


async def probe(http: httpx.AsyncClient, port: int, path: str) -> tuple[int, dict[str, Any]]:
    """GET /healthz or /readyz: the status and the JSON body."""
    reply = await http.get(f"http://127.0.0.1:{port}{path}")
    body: dict[str, Any] = reply.json()
    return reply.status_code, body


async def until_status(http: httpx.AsyncClient, port: int, path: str, status: int, limit: float = 20.0,
                       ) -> dict[str, Any]:
    """Probe `path` until it answers `status` (the server may still be starting); its body."""
    async with asyncio.timeout(limit):
        while True:
            with contextlib.suppress(httpx.TransportError):
                answered, body = await probe(http, port, path)
                if answered == status:
                    return body
            await asyncio.sleep(0.1)


async def until_scraped(http: httpx.AsyncClient, port: int, holds: Callable[[Scrape], bool], limit: float = 15.0,
                        ) -> Scrape:
    """Scrape until the metrics satisfy `holds`; that scrape."""
    async with asyncio.timeout(limit):
        while True:
            seen = await scrape(http, port)
            if holds(seen):
                return seen
            await asyncio.sleep(0.1)
