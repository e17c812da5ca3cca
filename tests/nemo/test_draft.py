"""The draft view, its one-line summary, and the state diff used to report silent edits."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.nemo.draft import Draft, describe_changes, summarize
from bot.nemo.models import ProjectState

VIDEO = {"tt": 0, "sg": [{"src": "http://cdn/x/city.mp4", "prompt": "city timelapse", "s": 0, "d": 10000}]}
BGM = {"tt": 1, "sg": [{"name": "Lo-fi", "s": 0, "d": 10000, "volume": 0.35}], "fx": {"fade": True}}
TITLE = {"tt": 7, "sg": [{"text": "Urban Dreams", "s": 0, "d": 3000, "style": {"color": "neon"}}]}


def draft(*tracks: dict[str, Any], d: int = 10000, **extra: Any) -> dict[str, Any]:
    """A raw draft the way the service nests it."""
    return {
        "t": [copy.deepcopy(t) for t in tracks],
        "d": d,
        "m": {"title": "City", "width": 640, "height": 360},
        **extra,
    }


def state(raw_draft: dict[str, Any], videos: int = 0, generated: int = 0) -> ProjectState:
    """A project state around a draft."""
    payload = {
        "session_id": "1",
        "task_id": "task_1",
        "state": {
            "draft": raw_draft,
            "video_infos": [{"cdn_url": f"u{i}"} for i in range(videos)],
            "generated_media": [{"url": f"g{i}"} for i in range(generated)],
            "canvas_config": {"width": 640, "height": 360},
        },
    }
    return ProjectState.from_wire(payload, "1")


def test_reads_tracks_and_keeps_the_raw_dict_untouched() -> None:
    raw = draft(VIDEO, BGM, TITLE, unknown={"deep": [1, 2]})
    before = copy.deepcopy(raw)
    parsed = Draft.from_raw(raw)
    assert parsed.raw is raw
    assert raw == before
    assert [t.kind for t in parsed.tracks] == ["Video", "BGM", "Title"]
    assert (parsed.duration_ms, parsed.width, parsed.height, parsed.title) == (10000, 640, 360, "City")
    assert parsed.is_ready


def test_summary_in_the_documented_style() -> None:
    assert summarize(Draft.from_raw(draft(VIDEO, BGM, TITLE))) == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_summary_of_nothing() -> None:
    assert summarize(Draft.from_raw({})) == "Timeline is empty"
    assert summarize(Draft.from_raw(None)) == "Timeline is empty"
    assert not Draft.from_raw({"t": [{"tt": 0, "sg": []}]}).is_ready


def test_summary_with_unknown_keys_and_types() -> None:
    raw = {"t": [{"tt": 3, "sg": [{"start": 2000, "end": 4500, "url": "https://cdn/a/b/clip.mov?sig=1"}, {}]}]}
    assert summarize(Draft.from_raw(raw)) == "Timeline (1 track): 1. Track: clip.mov +1 more (0-4.5s)"


def test_segment_without_duration_uses_the_draft_duration() -> None:
    parsed = Draft.from_raw({"t": [{"tt": 0, "sg": [{"src": "a.mp4"}]}], "d": 8000})
    assert parsed.tracks[0].span_ms == (0, 8000)


def test_no_changes() -> None:
    assert describe_changes(state(draft(VIDEO)), state(draft(VIDEO))) == []


def test_first_state_lists_every_track() -> None:
    assert describe_changes(None, state(draft(VIDEO, TITLE), generated=1)) == [
        "Video track added: city timelapse (0-10s)",
        'Title track added: "Urban Dreams" (0-3s)',
        "1 new generated media item",
    ]


def test_silent_edit_adding_music_and_title() -> None:
    lines = describe_changes(state(draft(VIDEO)), state(draft(VIDEO, BGM, TITLE, d=15000)))
    assert lines == [
        "BGM track added: Lo-fi (0-10s, 35%)",
        'Title track added: "Urban Dreams" (0-3s)',
        "Duration 10s -> 15s",
    ]


def test_track_removed_segments_and_title_text() -> None:
    two_clips = {"tt": 0, "sg": [VIDEO["sg"][0], {"src": "b.mp4", "s": 10000, "d": 5000}]}  # type: ignore[index]
    retitled = {"tt": 7, "sg": [{"text": "Paradise Found", "s": 0, "d": 3000}]}
    lines = describe_changes(state(draft(VIDEO, BGM, TITLE)), state(draft(two_clips, retitled), videos=2))
    assert lines == [
        "Video track: 1 -> 2 segments",
        "BGM track removed",
        'Title changed: "Urban Dreams" -> "Paradise Found"',
        "2 new uploaded media items",
    ]


def test_unrecognised_edit_is_still_reported() -> None:
    styled = copy.deepcopy(TITLE)
    styled["sg"][0]["style"] = {"color": "white"}  # type: ignore[index]
    assert describe_changes(state(draft(TITLE)), state(draft(styled))) == ["Timeline updated"]


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["t", "tt", "sg", "d", "m", "s", "text", "src", "volume", "x"]), inner)
    ),
    max_leaves=30,
)


@given(VALUES, VALUES)
def test_any_json_drafts_never_raise(old: object, new: object) -> None:
    a, b = Draft.from_raw(old), Draft.from_raw(new)
    assert isinstance(summarize(a), str)
    wrap = {"state": {"draft": new, "video_infos": old, "generated_media": new}}
    assert isinstance(describe_changes(state(a.raw), ProjectState.from_wire(wrap, "s")), list)
    assert isinstance(b.is_ready, bool)


def test_tracks_of_undocumented_types_use_their_own_name() -> None:
    effects = {"tt": 3, "n": "Effects", "sg": [{"fx": "zoom-in", "s": 0, "d": 1000}]}
    unnamed = {"tt": 5, "sg": [{"s": 0, "d": 2000}]}
    assert describe_changes(state(draft(VIDEO)), state(draft(VIDEO, effects, unnamed))) == [
        "Effects track added: zoom-in (0-1s)",
        "Track added: untitled (0-2s)",
    ]
