"""The timeline summary and change lines, word for word, in English and Chinese."""

from __future__ import annotations

import copy

import pytest

from bot.i18n import timeline
from bot.nemo.changes import changes_between
from bot.nemo.draft import Draft, summarize
from tests.nemo.test_draft import BGM, TITLE, VIDEO, draft, state


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", 'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) '
               '3. Title: "Urban Dreams" (0-3s)'),
        ("zh", '时间线（3 条轨道）：1. 视频：city timelapse (0-10s) 2. 背景音乐：Lo-fi (0-10s, 35%) '
               '3. 标题："Urban Dreams" (0-3s)'),
    ],
)
def test_summary_in_the_documented_style(locale: str, expected: str) -> None:
    assert timeline.summary(summarize(Draft.from_raw(draft(VIDEO, BGM, TITLE))), locale) == expected


def test_summary_of_nothing() -> None:
    assert timeline.summary(summarize(Draft.from_raw({})), "en") == "Timeline is empty"
    assert timeline.summary(summarize(Draft.from_raw(None)), "zh") == "时间线为空"


def test_summary_with_unknown_keys_and_types() -> None:
    raw = {"t": [{"tt": 3, "sg": [{"start": 2000, "end": 4500, "url": "https://cdn/a/b/clip.mov?sig=1"}, {}]}]}
    tracks = summarize(Draft.from_raw(raw))
    assert timeline.summary(tracks, "en") == "Timeline (1 track): 1. Track: clip.mov +1 more (0-4.5s)"
    assert timeline.summary(tracks, "zh") == "时间线（1 条轨道）：1. 轨道：clip.mov 及另外 1 个片段 (0-4.5s)"


TWO_CLIPS = {"tt": 0, "sg": [VIDEO["sg"][0], {"src": "b.mp4", "s": 10000, "d": 5000}]}  # type: ignore[index]
RETITLED = {"tt": 7, "sg": [{"text": "Paradise Found", "s": 0, "d": 3000}]}
STYLED = copy.deepcopy(TITLE)
STYLED["sg"][0]["style"] = {"color": "white"}  # type: ignore[index]
EFFECTS = {"tt": 3, "n": "Effects", "sg": [{"fx": "zoom-in", "s": 0, "d": 1000}]}
UNNAMED = {"tt": 5, "sg": [{"s": 0, "d": 2000}]}

CASES = {
    "first state": (
        None, state(draft(VIDEO, TITLE), generated=1),
        ["Video track added: city timelapse (0-10s)", 'Title track added: "Urban Dreams" (0-3s)',
         "1 new generated media item"],
        ["视频轨道 已添加：city timelapse (0-10s)", '标题轨道 已添加："Urban Dreams" (0-3s)', "新增 1 个生成素材"],
    ),
    "music and title": (
        state(draft(VIDEO)), state(draft(VIDEO, BGM, TITLE, d=15000)),
        ["BGM track added: Lo-fi (0-10s, 35%)", 'Title track added: "Urban Dreams" (0-3s)', "Duration 10s -> 15s"],
        ["背景音乐轨道 已添加：Lo-fi (0-10s, 35%)", '标题轨道 已添加："Urban Dreams" (0-3s)', "时长 10 秒 → 15 秒"],
    ),
    "removed, segments, title text": (
        state(draft(VIDEO, BGM, TITLE)), state(draft(TWO_CLIPS, RETITLED), videos=2),
        ["Video track: 1 -> 2 segments", "BGM track removed", 'Title changed: "Urban Dreams" -> "Paradise Found"',
         "2 new uploaded media items"],
        ["视频轨道: 片段 1 → 2", "背景音乐轨道 已移除", '标题 已修改："Urban Dreams" -> "Paradise Found"',
         "新增 2 个上传素材"],
    ),
    "unrecognised edit": (state(draft(TITLE)), state(draft(STYLED)), ["Timeline updated"], ["时间线已更新"]),
    "undocumented types": (
        state(draft(VIDEO)), state(draft(VIDEO, EFFECTS, UNNAMED)),
        ["Effects track added: zoom-in (0-1s)", "Track added: untitled (0-2s)"],
        ["Effects 轨道 已添加：zoom-in (0-1s)", "轨道 已添加：未命名 (0-2s)"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_change_lines_in_both_languages(case: str) -> None:
    old, new, english, chinese = CASES[case]
    found = changes_between(old, new)
    assert [timeline.change(change, "en") for change in found] == english
    assert [timeline.change(change, "zh") for change in found] == chinese
