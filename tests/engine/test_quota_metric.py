"""A request refused over its sender's quota is counted in the metrics, by platform and quota."""

from __future__ import annotations

from pathlib import Path

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.rules import TeamRules
from bot.metrics import Metrics
from tests.harness import FAST, running_bot


async def test_quota_refusals_are_counted(tmp_path: Path) -> None:
    metrics = Metrics()
    async with running_bot(tmp_path, db=14) as h:
        config = EngineConfig(
            workdir=tmp_path / "work", **{**FAST, "allow_private_urls": True},
            team=TeamRules(quota_turns=1, quota_exports=1),
        )
        engine = Engine(h.nemo, h.store, config, events=metrics)
        chat = h.chat()
        for text in ("make a video of a fox", "add a title", "export", "add music"):
            await engine.handle(h.message(text), chat)
        await engine.background.close()

    def count(kind: str) -> float | None:
        return metrics.registry.get_sample_value(
            "nemo_bot_quota_refusals_total", {"platform": "console", "kind": kind},
        )

    assert count("turns") == 2
    assert count("exports") is None  # the one export was within its quota
    assert sum(text.startswith("🧮 You've reached your quota") for text in chat.texts) == 2
