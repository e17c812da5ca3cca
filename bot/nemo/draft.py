"""The project draft: a small typed view over the opaque timeline dict, and its summary as values.

Only `t` (tracks), `tt` (track type), `sg` (segments), `d` (duration, ms) and `m` (metadata) are documented;
segment keys are not, so labels and times are looked up under several common names with defaults. The raw
dict is kept untouched because render needs it exactly as the server sent it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from bot.nemo._json import as_dict, dict_items, opt_float, opt_int, opt_str


class TrackKind(StrEnum):
    """The documented track types; any other type code is OTHER."""

    VIDEO = "video"
    BGM = "bgm"
    TITLE = "title"
    OTHER = "other"


_KINDS = {0: TrackKind.VIDEO, 1: TrackKind.BGM, 7: TrackKind.TITLE}
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
    def kind(self) -> TrackKind:
        """Video, BGM or Title for the documented type codes, else OTHER (then `name` may tell more)."""
        return _KINDS.get(self.type_code, TrackKind.OTHER) if self.type_code is not None else TrackKind.OTHER

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

    def summary(self) -> TrackSummary:
        """The track as shown to a person: kind, name, first label, clip count, span and volume."""
        start, end = self.span_ms
        volume = next((s.volume for s in self.segments if s.volume is not None), None)
        return TrackSummary(self.kind, self.name, self.label, len(self.segments), start, end, volume)


@dataclass(frozen=True, slots=True)
class TrackSummary:
    """What a person is told about one track; `bot.i18n.timeline` puts it into words."""

    kind: TrackKind
    name: str | None
    label: str | None
    clips: int
    start_ms: int
    end_ms: int
    volume: int | None


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
    def fingerprint(self) -> str:
        """A digest of the whole timeline: equal exactly when two drafts would render the same video."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]

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


def summarize(draft: Draft) -> tuple[TrackSummary, ...]:
    """Every track of the draft, in order, as shown to a person."""
    return tuple(track.summary() for track in draft.tracks)


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

