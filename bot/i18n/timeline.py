"""The timeline summary and its changes in the user's language, from the values `bot.nemo` returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.i18n import say
from bot.nemo.changes import Change, ChangeKind
from bot.nemo.draft import TrackKind, TrackSummary

# The kind as a word in a summary item, as a noun in a change line, and as named when a label changes.
_KIND = {
    TrackKind.VIDEO: "timeline_kind_video",
    TrackKind.BGM: "timeline_kind_bgm",
    TrackKind.TITLE: "timeline_kind_title",
}
_TRACK = {
    TrackKind.VIDEO: "timeline_track_video",
    TrackKind.BGM: "timeline_track_bgm",
    TrackKind.TITLE: "timeline_track_title",
}
_NAME = {
    TrackKind.VIDEO: "timeline_name_video",
    TrackKind.BGM: "timeline_name_bgm",
    TrackKind.TITLE: "timeline_name_title",
}


def summary(tracks: Sequence[TrackSummary], locale: str) -> str:
    """One line: `Timeline (3 tracks): 1. Video: ... (0-10s) 2. BGM: ... 3. Title: "..." (0-3s)`."""
    if not tracks:
        return say("timeline_none", locale)
    items = " ".join(_item(number, track, locale) for number, track in enumerate(tracks, 1))
    return say("timeline_one" if len(tracks) == 1 else "timeline_many", locale, count=len(tracks), items=items)


def change(item: Change, locale: str) -> str:
    """One change as a line: `BGM track added: Lo-fi (0-10s, 35%)`, `Duration 10s -> 15s`."""
    if item.track is not None:
        return _TRACK_PHRASES[item.kind](item, item.track, locale)
    return _PHRASES[item.kind](item, locale)


def _item(number: int, track: TrackSummary, locale: str) -> str:
    details = _details(track, locale)
    if track.kind is TrackKind.OTHER:
        return say("timeline_item_named", locale, number=number, name=_own_name(track, locale), details=details)
    return say("timeline_item", locale, number=number, kind=say(_KIND[track.kind], locale), details=details)


def _details(track: TrackSummary, locale: str) -> str:
    """`city timelapse +1 more (0-10s, 35%)`: label, extra clips, span and volume."""
    if not track.clips:
        return say("timeline_track_empty", locale)
    label = _quoted(track.label, locale) if track.label and track.kind is TrackKind.TITLE else None
    label = label or track.label or say("timeline_untitled", locale)
    start, end = _secs(track.start_ms), _secs(track.end_ms)
    if track.volume is None:
        span = say("timeline_span", locale, start=start, end=end)
    else:
        span = say("timeline_span_volume", locale, start=start, end=end, volume=track.volume)
    if track.clips > 1:
        return say("timeline_details_more", locale, label=label, more=track.clips - 1, span=span)
    return say("timeline_details", locale, label=label, span=span)


def _track(track: TrackSummary, locale: str) -> str:
    """`Title track`; for other types, the track's own name, or just `Track`."""
    if track.kind is not TrackKind.OTHER:
        return say(_TRACK[track.kind], locale)
    if track.name:
        return say("timeline_track_named", locale, name=track.name)
    return say("timeline_unnamed", locale)


def _own_name(track: TrackSummary, locale: str) -> str:
    return track.name or say("timeline_unnamed", locale)


def _quoted(label: str, locale: str) -> str:
    return say("timeline_quoted", locale, label=label)


def _added(item: Change, track: TrackSummary, locale: str) -> str:
    return say("timeline_added", locale, track=_track(track, locale), details=_details(track, locale))


def _removed(item: Change, track: TrackSummary, locale: str) -> str:
    return say("timeline_removed", locale, track=_track(track, locale))


def _segments(item: Change, track: TrackSummary, locale: str) -> str:
    return say("timeline_segments", locale, track=_track(track, locale), before=item.before, after=item.after)


def _relabelled(item: Change, track: TrackSummary, locale: str) -> str:
    kind = _own_name(track, locale) if track.kind is TrackKind.OTHER else say(_NAME[track.kind], locale)
    before, after = item.old_label or "", item.new_label or ""
    if track.kind is TrackKind.TITLE:
        before, after = _quoted(before, locale), _quoted(after, locale)
    return say("timeline_relabelled", locale, kind=kind, before=before, after=after)


def _duration(item: Change, locale: str) -> str:
    return say("timeline_duration", locale, before=_secs(item.before), after=_secs(item.after))


def _media(one: str, many: str) -> Callable[[Change, str], str]:
    def phrase(item: Change, locale: str) -> str:
        added = item.after - item.before
        return say(one if added == 1 else many, locale, count=added)

    return phrase


def _updated(item: Change, locale: str) -> str:
    return say("timeline_updated", locale)


_TRACK_PHRASES: dict[ChangeKind, Callable[[Change, TrackSummary, str], str]] = {
    ChangeKind.TRACK_ADDED: _added,
    ChangeKind.TRACK_REMOVED: _removed,
    ChangeKind.SEGMENTS: _segments,
    ChangeKind.RELABELLED: _relabelled,
}
_PHRASES: dict[ChangeKind, Callable[[Change, str], str]] = {
    ChangeKind.DURATION: _duration,
    ChangeKind.UPLOADED: _media("timeline_uploaded_one", "timeline_uploaded_many"),
    ChangeKind.GENERATED: _media("timeline_generated_one", "timeline_generated_many"),
    ChangeKind.UPDATED: _updated,
}


def _secs(ms: int) -> str:
    """Milliseconds as seconds without a needless `.0`."""
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)
