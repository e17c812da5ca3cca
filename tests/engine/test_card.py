"""The progress card against a simulated clock: its stages, the bar, the elapsed time, and an honest time left."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.card import Card, CardMaker, Eta, Stage, bar, clock_time

START = 1_800_000_000.0


class FakeClock:
    """Epoch seconds that move only when told."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move forward."""
        self.now += seconds


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(0, "▱▱▱▱▱▱▱▱▱▱ 0%"), (48, "▰▰▰▰▱▱▱▱▱▱ 48%"), (99, "▰▰▰▰▰▰▰▰▰▱ 99%"), (100, "▰▰▰▰▰▰▰▰▰▰ 100%"),
     (130, "▰▰▰▰▰▰▰▰▰▰ 100%"), (-5, "▱▱▱▱▱▱▱▱▱▱ 0%")],
)
def test_the_bar(percent: int, expected: str) -> None:
    assert bar(percent) == expected


@pytest.mark.parametrize(("seconds", "expected"), [(0, "0:00"), (42.9, "0:42"), (725, "12:05"), (3723, "1:02:03")])
def test_elapsed_time_reads_like_a_clock(seconds: float, expected: str) -> None:
    assert clock_time(seconds) == expected


def test_a_render_moves_from_queued_to_uploading_with_an_honest_time_left() -> None:
    clock = FakeClock()
    cards = CardMaker("en", clock)

    queued = cards.waiting(queue=2)
    assert (queued.stage, queued.queue, queued.eta_at, queued.bar) == (Stage.QUEUED, 2, None, None)
    assert queued.text == "**⏳ Waiting to render** · 0:00\nPlace in line: 2"

    clock.advance(10)
    first = cards.rendering(10)
    assert first.eta_at is None  # one reading says nothing about the rate
    assert first.text == "**🎞 Rendering** · 0:10\n▰▱▱▱▱▱▱▱▱▱ 10%"

    clock.advance(30)
    second = cards.rendering(40)  # 30 points in 30 s: 60 more take 60 s
    assert second.eta_at == START + 40 + 60
    assert second.text == "**🎞 Rendering** · 0:40\n▰▰▰▰▱▱▱▱▱▱ 40%\n⏱ About 1 min left"

    clock.advance(30)
    third = cards.rendering(50)  # slower: 40 points in 60 s, so 50 more take 75 s (to the nearest ten)
    assert third.eta_at == START + 70 + 70
    assert third.text.endswith("⏱ About 2 min left")

    clock.advance(10)
    sending = cards.uploading()
    assert (sending.stage, sending.bar, sending.eta_at) == (Stage.UPLOADING, "▰▰▰▰▰▰▰▰▰▰ 100%", None)
    assert sending.text.startswith("**📤 Sending the video** · 1:20")
    assert {card.started_at for card in (queued, first, second, third, sending)} == {START}


def test_the_time_left_soon_and_in_chinese() -> None:
    clock = FakeClock()
    cards = CardMaker("zh", clock)
    cards.rendering(50)
    clock.advance(10)
    card = cards.rendering(90)
    assert card.text == "**🎞 正在渲染** · 0:10\n▰▰▰▰▰▰▰▰▰▱ 90%\n⏱ 不到一分钟"
    assert (card.started_label, card.eta_label) == ("开始于", "预计完成")


def test_progress_that_goes_backwards_starts_the_estimate_over() -> None:
    eta = Eta()
    assert eta.observe(0, 50) is None
    assert eta.observe(10, 60) == 50  # 10 points in 10 s: 40 more take 40 s
    assert eta.observe(20, 20) is None  # a retried render starts from the beginning
    assert eta.observe(30, 20) is None  # no progress, no promise
    assert eta.observe(40, 30) == 180  # 10 points in 20 s: 70 more take 140 s


def test_agent_stages_show_elapsed_time_and_a_note_and_a_picture_once_there_is_one() -> None:
    clock = FakeClock()
    cards = CardMaker("en", clock)
    clock.advance(75)
    card = cards.card(Stage.GENERATING, note="This usually takes 2-5 minutes.")
    assert card == Card(
        Stage.GENERATING, "🎬 Generating video", "**🎬 Generating video** · 1:15\nThis usually takes 2-5 minutes.",
        START, note="This usually takes 2-5 minutes.", started_label="Started", eta_label="Done",
        queue_label="Place in line",
    )
    frame = Path("frame.jpg")
    cards.show(frame)
    assert cards.card(Stage.EDITING).image == frame
