"""The chart the engine builds from a draft: one lane per track, bars labelled in the user's language."""

from __future__ import annotations

from bot.engine.charts import MAX_LANES, Bar, chart_of
from bot.nemo.draft import TrackKind
from tests.pictures.drafts import CAT, ROCKET, tracks


def test_each_track_is_a_lane_of_labelled_bars_in_english() -> None:
    chart = chart_of(ROCKET, "en")

    assert chart.heading == "Timeline · Rocket Launch"
    assert chart.total == "20s in all"
    assert chart.duration_ms == 20000
    assert [(lane.name, lane.kind) for lane in chart.lanes] == [
        ("Video", TrackKind.VIDEO), ("Music", TrackKind.BGM), ("Title", TrackKind.TITLE),
    ]
    assert chart.lanes[0].bars == (Bar(0, 12000, "a rocket launch"), Bar(12000, 8000, "the crowd"))
    assert chart.lanes[1].bars == (Bar(0, 20000, "Cinematic Ambient · 35%"),)
    assert chart.lanes[2].bars == (Bar(0, 3000, '"Liftoff"'),)
    assert chart.seconds.format(value=5) == "5s"


def test_the_same_chart_in_chinese() -> None:
    chart = chart_of(CAT, "zh")

    assert chart.heading == "时间线 · 喵星人"
    assert chart.total == "总时长 30 秒"
    assert [lane.name for lane in chart.lanes] == ["视频", "音乐", "标题"]
    assert chart.lanes[1].bars[0].label == "舒缓钢琴 · 50%"
    assert chart.seconds.format(value=10) == "10秒"


def test_tracks_past_the_limit_are_counted_not_drawn() -> None:
    chart = chart_of(tracks(MAX_LANES + 3), "en")

    assert len(chart.lanes) == MAX_LANES
    assert chart.more == "+3 more tracks not shown"
    assert chart_of(tracks(3), "en").more == ""
