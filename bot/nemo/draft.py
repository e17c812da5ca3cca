"""The project draft: a small typed view over the opaque timeline dict, its summary, and state diffs.

Only `t` (tracks), `tt` (track type), `sg` (segments), `d` (duration, ms) and `m` (metadata) are documented;
segment keys are not, so labels and times are looked up under several common names with defaults. The raw
dict is kept untouched because render needs it exactly as the server sent it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.nemo._json import as_dict, dict_items, opt_float, opt_int, opt_str

if TYPE_CHECKING:
    from bot.nemo.models import ProjectState

_KINDS = {0: "Video", 1: "BGM", 7: "Title"}
_LABEL_KEYS = ("text", "title", "name", "prompt", "label", "content", "desc", "description", "effect", "fx")
_SOURCE_KEYS = ("src", "url", "cdn_url", "source", "path")
_MAX_LABEL = 48


@dataclass(frozen=True, slots=True)
class Segment:
    """One clip on a track, times in milliseconds."""

    start_ms: int
    duration_ms: int
    label: str | None
    volume: int | None

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], default_ms: int) -> Segment:
        """Read a segment dict whose keys are undocumented."""
        start = opt_int(raw, "s", "st", "start", "start_ms", "offset") or 0
        duration = opt_int(raw, "d", "dur", "duration", "duration_ms")
        end = opt_int(raw, "e", "end", "end_ms")
        if duration is None:
            duration = end - start if end is not None else default_ms
        return cls(max(start, 0), max(duration, 0), _label(raw), _volume(raw))


@dataclass(frozen=True, slots=True)
class Track:
    """One timeline track: its type code and segments."""

    type_code: int | None
    segments: tuple[Segment, ...]
    name: str | None = None

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], default_ms: int) -> Track:
        """Read a track dict: `tt`, `sg`, and a name if it carries one."""
        segments = tuple(Segment.from_raw(s, default_ms) for s in dict_items(raw.get("sg")))
        name = opt_str(raw, "n", "name")
        return cls(opt_int(raw, "tt"), segments, name[:_MAX_LABEL] if name else None)

    @property
    def kind(self) -> str:
        """Video, BGM, Title; for types the docs do not name, the track's own name or "Track"."""
        known = _KINDS.get(self.type_code) if self.type_code is not None else None
        return known or self.name or "Track"

    @property
    def noun(self) -> str:
        """`Title track`, or just `Track` when the kind is unknown."""
        return "Track" if self.kind == "Track" else f"{self.kind} track"

    @property
    def label(self) -> str | None:
        """The first segment label found."""
        return next((s.label for s in self.segments if s.label), None)

    @property
    def span_ms(self) -> tuple[int, int]:
        """The earliest start and latest end of its segments."""
        if not self.segments:
            return (0, 0)
        starts = [s.start_ms for s in self.segments]
        return (min(starts), max(s.start_ms + s.duration_ms for s in self.segments))

    def describe(self) -> str:
        """`Video: city timelapse (0-10s)` style text."""
        return f"{self.kind}: {self.details()}"

    def details(self) -> str:
        """`city timelapse (0-10s)`: label, extra clips, span and volume."""
        label = self.label
        shown = f'"{label}"' if label and self.type_code == 7 else (label or "untitled")
        if not self.segments:
            return "empty"
        extra = f" +{len(self.segments) - 1} more" if len(self.segments) > 1 else ""
        start, end = self.span_ms
        volume = next((s.volume for s in self.segments if s.volume is not None), None)
        detail = f"{_secs(start)}-{_secs(end)}s" + (f", {volume}%" if volume is not None else "")
        return f"{shown}{extra} ({detail})"


@dataclass(frozen=True, slots=True)
class Draft:
    """The timeline: tracks, duration and metadata read with defaults; `raw` is passed to render as is."""

    raw: dict[str, Any] = field(default_factory=dict)
    tracks: tuple[Track, ...] = ()
    duration_ms: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: object) -> Draft:
        """Read any JSON value as a draft; anything unusable becomes an empty draft."""
        data = as_dict(raw)
        duration = opt_int(data, "d") or 0
        tracks = tuple(Track.from_raw(t, duration) for t in dict_items(data.get("t")))
        if not duration and tracks:
            duration = max(t.span_ms[1] for t in tracks)
        return cls(data, tracks, duration, as_dict(data.get("m")))

    @property
    def is_ready(self) -> bool:
        """Exportable: some track has at least one segment."""
        return any(t.segments for t in self.tracks)

    @property
    def width(self) -> int | None:
        """Canvas width from the metadata, if given."""
        return opt_int(self.meta, "width", "w")

    @property
    def height(self) -> int | None:
        """Canvas height from the metadata, if given."""
        return opt_int(self.meta, "height", "h")

    @property
    def title(self) -> str | None:
        """Project title from the metadata, if given."""
        return opt_str(self.meta, "title", "name")


def summarize(draft: Draft) -> str:
    """One line: `Timeline (3 tracks): 1. Video: ... (0-10s) 2. BGM: ... 3. Title: "..." (0-3s)`."""
    if not draft.tracks:
        return "Timeline is empty"
    count = len(draft.tracks)
    items = " ".join(f"{n}. {t.describe()}" for n, t in enumerate(draft.tracks, 1))
    return f"Timeline ({count} track{'s' if count != 1 else ''}): {items}"


def describe_changes(old: ProjectState | None, new: ProjectState) -> list[str]:
    """Human lines naming what changed between two states; empty when nothing did."""
    before = old.draft if old is not None else Draft()
    lines = _track_changes(before.tracks, new.draft.tracks)
    if before.duration_ms != new.draft.duration_ms and before.tracks and new.draft.tracks:
        lines.append(f"Duration {_secs(before.duration_ms)}s -> {_secs(new.draft.duration_ms)}s")
    lines.extend(_media_changes(old, new))
    if not lines and before.raw != new.draft.raw:
        lines.append("Timeline updated")
    return lines


def _track_changes(old: tuple[Track, ...], new: tuple[Track, ...]) -> list[str]:
    """Tracks added, removed or edited, matched by type and then by position."""
    lines: list[str] = []
    for code in dict.fromkeys([t.type_code for t in old] + [t.type_code for t in new]):
        before = [t for t in old if t.type_code == code]
        after = [t for t in new if t.type_code == code]
        lines += [f"{t.noun} added: {t.details()}" for t in after[len(before) :]]
        lines += [f"{t.noun} removed" for t in before[len(after) :]]
        lines += [line for a, b in zip(before, after, strict=False) for line in _edited(a, b)]
    return lines


def _edited(old: Track, new: Track) -> list[str]:
    """What changed on one track kept across both states."""
    if len(old.segments) != len(new.segments):
        return [f"{new.noun}: {len(old.segments)} -> {len(new.segments)} segments"]
    if old.label != new.label:
        quote = '"' if new.type_code == 7 else ""
        return [f"{new.kind} changed: {quote}{old.label or ''}{quote} -> {quote}{new.label or ''}{quote}"]
    return []


def _media_changes(old: ProjectState | None, new: ProjectState) -> list[str]:
    """New uploaded or generated media items."""
    lines = []
    for name, before, after in (
        ("uploaded", len(old.video_infos) if old else 0, len(new.video_infos)),
        ("generated", len(old.generated_media) if old else 0, len(new.generated_media)),
    ):
        if after > before:
            added = after - before
            lines.append(f"{added} new {name} media item{'s' if added != 1 else ''}")
    return lines


def _label(raw: Mapping[str, Any]) -> str | None:
    """A short human label: its text/name/prompt, else the file name of its source."""
    text = opt_str(raw, *_LABEL_KEYS)
    if not text:
        source = opt_str(raw, *_SOURCE_KEYS)
        text = PurePosixPath(urlsplit(source).path).name if source else None
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _volume(raw: Mapping[str, Any]) -> int | None:
    """Volume as a percentage; values up to 1 are read as a fraction."""
    value = opt_float(raw, "volume", "vol")
    if value is None or value < 0:
        return None
    return round(value * 100) if value <= 1 else round(value)


def _secs(ms: int) -> str:
    """Milliseconds as seconds without a needless `.0`."""
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)
