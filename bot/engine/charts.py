"""The timeline as a chart to draw: one lane per track, each clip a labelled bar, every word in the user's language.

The engine builds it from the draft and the catalogue; a `Pictures` port draws it (`bot.pictures`), so the words on
the picture come from the same tables as every other reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import say
from bot.nemo.draft import Draft, Segment, Track, TrackKind

MAX_LANES = 40  # more tracks than a picture can show legibly: the rest are counted in the footer

_LANE_NAMES = {
    TrackKind.VIDEO: "timeline_kind_video",
    TrackKind.BGM: "chart_lane_music",
    TrackKind.TITLE: "timeline_kind_title",
}


@dataclass(frozen=True, slots=True)
class Bar:
    """One clip on a lane, times in milliseconds, with its label (already in words)."""

    start_ms: int
    duration_ms: int
    label: str


@dataclass(frozen=True, slots=True)
class Lane:
    """One track: its name, its kind (which picks the colour) and its clips."""

    name: str
    kind: TrackKind
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A timeline to draw: a heading, the total duration in words, the lanes, and how seconds are written."""

    heading: str
    total: str
    duration_ms: int
    lanes: tuple[Lane, ...]
    seconds: str  # a template for the axis ticks: "{value}s", "{value}秒"
    more: str = ""  # "+3 more tracks" when some did not fit


def chart_of(draft: Draft, locale: str) -> Chart:
    """The draft's tracks as lanes on a time axis, labelled in the user's language."""
    shown = draft.tracks[:MAX_LANES]
    lanes = tuple(_lane(track, locale) for track in shown)
    hidden = len(draft.tracks) - len(shown)
    title = draft.title
    heading = say("chart_heading_titled", locale, title=title) if title else say("chart_heading", locale)
    seconds = _secs(draft.duration_ms)
    return Chart(
        heading=heading, total=say("chart_total", locale, seconds=seconds, count=len(draft.tracks)),
        duration_ms=max(draft.duration_ms, max((_end(lane) for lane in lanes), default=0)),
        lanes=lanes, seconds=say("chart_seconds", locale),
        more=say("chart_more", locale, count=hidden) if hidden else "",
    )


def _lane(track: Track, locale: str) -> Lane:
    if track.kind is TrackKind.OTHER:
        name = track.name or say("timeline_unnamed", locale)
    else:
        name = say(_LANE_NAMES[track.kind], locale)
    bars = tuple(Bar(s.start_ms, s.duration_ms, _label(track.kind, s, locale)) for s in track.segments)
    return Lane(name, track.kind, bars)


def _label(kind: TrackKind, segment: Segment, locale: str) -> str:
    """The clip's subject, the music's name with its volume, a title's text in quotes."""
    label = segment.label or say("timeline_untitled", locale)
    if kind is TrackKind.TITLE and segment.label:
        label = say("timeline_quoted", locale, label=label)
    if segment.volume is not None:
        return say("chart_volume", locale, label=label, volume=segment.volume)
    return label


def _end(lane: Lane) -> int:
    return max((bar.start_ms + bar.duration_ms for bar in lane.bars), default=0)


def _secs(ms: int) -> str:
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)
