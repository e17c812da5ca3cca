"""What changed between two project states, as values: `bot.i18n.timeline` puts them into words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.nemo.draft import Draft, Track, TrackSummary
from bot.nemo.models import ProjectState


class ChangeKind(StrEnum):
    """The kinds of change reported to a person."""

    TRACK_ADDED = "track_added"
    TRACK_REMOVED = "track_removed"
    SEGMENTS = "segments"
    RELABELLED = "relabelled"
    DURATION = "duration"
    UPLOADED = "uploaded"
    GENERATED = "generated"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class Change:
    """One change: the track it is about (if any), numbers before and after (segments, ms, media), labels."""

    kind: ChangeKind
    track: TrackSummary | None = None
    before: int = 0
    after: int = 0
    old_label: str | None = None
    new_label: str | None = None


def changes_between(old: ProjectState | None, new: ProjectState) -> list[Change]:
    """What changed from `old` (None: nothing seen yet) to `new`; empty when nothing did."""
    before = old.draft if old is not None else Draft()
    found = _track_changes(before.tracks, new.draft.tracks)
    if before.duration_ms != new.draft.duration_ms and before.tracks and new.draft.tracks:
        found.append(Change(ChangeKind.DURATION, before=before.duration_ms, after=new.draft.duration_ms))
    found.extend(_media_changes(old, new))
    if not found and before.raw != new.draft.raw:
        found.append(Change(ChangeKind.UPDATED))
    return found


def _track_changes(old: tuple[Track, ...], new: tuple[Track, ...]) -> list[Change]:
    """Tracks added, removed or edited, matched by type and then by position."""
    found: list[Change] = []
    for code in dict.fromkeys([t.type_code for t in old] + [t.type_code for t in new]):
        before = [t for t in old if t.type_code == code]
        after = [t for t in new if t.type_code == code]
        found += [Change(ChangeKind.TRACK_ADDED, t.summary()) for t in after[len(before) :]]
        found += [Change(ChangeKind.TRACK_REMOVED, t.summary()) for t in before[len(after) :]]
        found += [change for a, b in zip(before, after, strict=False) if (change := _edited(a, b)) is not None]
    return found


def _edited(old: Track, new: Track) -> Change | None:
    """What changed on one track kept across both states."""
    if len(old.segments) != len(new.segments):
        return Change(ChangeKind.SEGMENTS, new.summary(), before=len(old.segments), after=len(new.segments))
    if old.label != new.label:
        return Change(ChangeKind.RELABELLED, new.summary(), old_label=old.label, new_label=new.label)
    return None


def _media_changes(old: ProjectState | None, new: ProjectState) -> list[Change]:
    """New uploaded or generated media items."""
    found = []
    for kind, before, after in (
        (ChangeKind.UPLOADED, len(old.video_infos) if old else 0, len(new.video_infos)),
        (ChangeKind.GENERATED, len(old.generated_media) if old else 0, len(new.generated_media)),
    ):
        if after > before:
            found.append(Change(kind, before=before, after=after))
    return found
