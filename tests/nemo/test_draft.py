"""The draft view, its summary as values, and the state diff (as values) used to report silent edits."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import timeline
from bot.nemo.changes import Change, ChangeKind, changes_between
from bot.nemo.draft import Draft, TrackKind, TrackSummary, summarize
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
    assert [t.kind for t in parsed.tracks] == [TrackKind.VIDEO, TrackKind.BGM, TrackKind.TITLE]
    assert (parsed.duration_ms, parsed.width, parsed.height, parsed.title) == (10000, 640, 360, "City")
    assert parsed.is_ready


def test_summary_lists_each_track_with_its_label_span_and_volume() -> None:
    assert summarize(Draft.from_raw(draft(VIDEO, BGM, TITLE))) == (
        TrackSummary(TrackKind.VIDEO, None, "city timelapse", 1, 0, 10000, None),
        TrackSummary(TrackKind.BGM, None, "Lo-fi", 1, 0, 10000, 35),
        TrackSummary(TrackKind.TITLE, None, "Urban Dreams", 1, 0, 3000, None),
    )


def test_summary_of_nothing() -> None:
    assert summarize(Draft.from_raw({})) == ()
    assert summarize(Draft.from_raw(None)) == ()
    assert not Draft.from_raw({"t": [{"tt": 0, "sg": []}]}).is_ready


def test_summary_with_unknown_keys_and_types() -> None:
    raw = {"t": [{"tt": 3, "sg": [{"start": 2000, "end": 4500, "url": "https://cdn/a/b/clip.mov?sig=1"}, {}]}]}
    assert summarize(Draft.from_raw(raw)) == (TrackSummary(TrackKind.OTHER, None, "clip.mov", 2, 0, 4500, None),)


def test_segment_without_duration_uses_the_draft_duration() -> None:
    parsed = Draft.from_raw({"t": [{"tt": 0, "sg": [{"src": "a.mp4"}]}], "d": 8000})
    assert parsed.tracks[0].span_ms == (0, 8000)


def test_no_changes() -> None:
    assert changes_between(state(draft(VIDEO)), state(draft(VIDEO))) == []


def test_first_state_lists_every_track() -> None:
    video, title = summarize(Draft.from_raw(draft(VIDEO, TITLE)))
    assert changes_between(None, state(draft(VIDEO, TITLE), generated=1)) == [
        Change(ChangeKind.TRACK_ADDED, video),
        Change(ChangeKind.TRACK_ADDED, title),
        Change(ChangeKind.GENERATED, before=0, after=1),
    ]


def test_silent_edit_adding_music_and_title() -> None:
    _, bgm, title = summarize(Draft.from_raw(draft(VIDEO, BGM, TITLE)))
    assert changes_between(state(draft(VIDEO)), state(draft(VIDEO, BGM, TITLE, d=15000))) == [
        Change(ChangeKind.TRACK_ADDED, bgm),
        Change(ChangeKind.TRACK_ADDED, title),
        Change(ChangeKind.DURATION, before=10000, after=15000),
    ]


def test_track_removed_segments_and_title_text() -> None:
    two_clips = {"tt": 0, "sg": [VIDEO["sg"][0], {"src": "b.mp4", "s": 10000, "d": 5000}]}  # type: ignore[index]
    retitled = {"tt": 7, "sg": [{"text": "Paradise Found", "s": 0, "d": 3000}]}
    found = changes_between(state(draft(VIDEO, BGM, TITLE)), state(draft(two_clips, retitled), videos=2))
    assert [(c.kind, c.track.kind if c.track else None) for c in found] == [
        (ChangeKind.SEGMENTS, TrackKind.VIDEO),
        (ChangeKind.TRACK_REMOVED, TrackKind.BGM),
        (ChangeKind.RELABELLED, TrackKind.TITLE),
        (ChangeKind.UPLOADED, None),
    ]
    assert (found[0].before, found[0].after) == (1, 2)
    assert (found[2].old_label, found[2].new_label) == ("Urban Dreams", "Paradise Found")
    assert (found[3].before, found[3].after) == (0, 2)


def test_unrecognised_edit_is_still_reported() -> None:
    styled = copy.deepcopy(TITLE)
    styled["sg"][0]["style"] = {"color": "white"}  # type: ignore[index]
    assert changes_between(state(draft(TITLE)), state(draft(styled))) == [Change(ChangeKind.UPDATED)]


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
    assert isinstance(timeline.summary(summarize(a), "zh"), str)
    wrap = {"state": {"draft": new, "video_infos": old, "generated_media": new}}
    for change in changes_between(state(a.raw), ProjectState.from_wire(wrap, "s")):
        assert timeline.change(change, "en")
    assert isinstance(b.is_ready, bool)


def test_tracks_of_undocumented_types_keep_their_own_name() -> None:
    effects = {"tt": 3, "n": "Effects", "sg": [{"fx": "zoom-in", "s": 0, "d": 1000}]}
    unnamed = {"tt": 5, "sg": [{"s": 0, "d": 2000}]}
    found = changes_between(state(draft(VIDEO)), state(draft(VIDEO, effects, unnamed)))
    assert [(c.kind, c.track) for c in found] == [
        (ChangeKind.TRACK_ADDED, TrackSummary(TrackKind.OTHER, "Effects", "zoom-in", 1, 0, 1000, None)),
        (ChangeKind.TRACK_ADDED, TrackSummary(TrackKind.OTHER, None, None, 1, 0, 2000, None)),
    ]
