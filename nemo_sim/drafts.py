"""How the simulated agent changes a project's state: the draft (`t/tt/sg/d/m`) and its media lists.

Segment keys (`src`, `s`, `d`, `text`, `name`, `vol`, `fx`, `label`) are made up by the simulator; only
`t/tt/sg/d/m` are documented, and a client must rely on nothing else.
"""

from __future__ import annotations

from typing import Any

from nemo_sim import replies

VIDEO, BGM, EFFECTS, TEXT = 0, 1, 3, 7
TRACK_NAMES = {VIDEO: "Video", BGM: "BGM", EFFECTS: "Effects", TEXT: "Title"}
TITLE_MS = 3000
Op = dict[str, Any]


def draft_of(state: dict[str, Any]) -> dict[str, Any]:
    """The state's draft, initialised (empty tracks, canvas-sized metadata) if it was `{}`."""
    draft: dict[str, Any] = state["draft"]
    if not draft:
        canvas = state["canvas_config"]
        draft.update({"t": [], "d": 0, "m": {"title": "", "width": canvas["width"], "height": canvas["height"]}})
    return draft


def find_track(draft: dict[str, Any], tt: int) -> dict[str, Any] | None:
    """The first track of type `tt`."""
    return next((track for track in draft.get("t", []) if track.get("tt") == tt), None)


def _track(draft: dict[str, Any], tt: int) -> dict[str, Any]:
    track = find_track(draft, tt)
    if track is None:
        track = {"tt": tt, "n": TRACK_NAMES[tt], "sg": []}
        # Video first, as editors list it; other tracks in the order they were added.
        draft["t"].insert(0, track) if tt == VIDEO else draft["t"].append(track)
    return track


def add_clip(state: dict[str, Any], url: str, label: str, duration_ms: int) -> Op:
    """Append a clip to the video track (creating it) and extend the timeline."""
    draft = draft_of(state)
    track = _track(draft, VIDEO)
    start = max((seg["s"] + seg["d"] for seg in track["sg"]), default=0)
    track["sg"].append({"src": url, "label": label, "s": start, "d": duration_ms})
    draft["d"] = max(draft["d"], start + duration_ms)
    return {"op": "add_clip", "label": label, "duration_ms": duration_ms}


def set_music(state: dict[str, Any], name: str, url: str) -> Op:
    """Replace the background music with one track spanning the whole timeline."""
    draft = draft_of(state)
    length = draft["d"] or 10000
    _track(draft, BGM)["sg"] = [{"name": name, "src": url, "s": 0, "d": length, "vol": 0.35}]
    draft["d"] = max(draft["d"], length)
    return {"op": "set_bgm", "name": name, "volume": 0.35}


def set_title(state: dict[str, Any], text: str) -> Op:
    """Replace the title card."""
    draft = draft_of(state)
    length = min(TITLE_MS, draft["d"]) if draft["d"] else TITLE_MS
    _track(draft, TEXT)["sg"] = [{"text": text, "s": 0, "d": length, "style": "white, top-center, fade-in"}]
    draft["d"] = max(draft["d"], length)
    draft["m"]["title"] = text
    return {"op": "set_title", "text": text, "style": "white, top-center, fade-in"}


def set_length(state: dict[str, Any], duration_ms: int) -> Op:
    """Make the timeline `duration_ms` long: the last clip and the music stretch or shrink to fit."""
    draft = draft_of(state)
    video = find_track(draft, VIDEO)
    if video and video["sg"]:
        last = video["sg"][-1]
        last["d"] = max(500, duration_ms - last["s"])
    music = find_track(draft, BGM)
    if music and music["sg"]:
        music["sg"][0]["d"] = duration_ms
    draft["d"] = duration_ms
    return {"op": "set_duration", "duration_ms": duration_ms}


def add_effect(state: dict[str, Any], name: str) -> Op:
    """Add a one-second effect at the start."""
    draft = draft_of(state)
    _track(draft, EFFECTS)["sg"].append({"fx": name, "s": 0, "d": 1000})
    draft["d"] = max(draft["d"], 1000)
    return {"op": "add_effect", "effect": name}


def media_item(url: str, filename: str, file_type: str, info: dict[str, Any]) -> dict[str, Any]:
    """A `video_infos` entry."""
    return {"url": url, "cdn_url": url, "filename": filename, "file_type": file_type, **info}


def generated_item(url: str, prompt: str, seconds: int) -> dict[str, Any]:
    """A `generated_media` entry."""
    return {"type": "video", "url": url, "prompt": prompt, "duration": float(seconds), "model": "seedance"}


def _wants(lowered: str, *words: str) -> bool:
    return any(word in lowered for word in words)


def apply_edit(state: dict[str, Any], prompt: str, music_url: str) -> list[Op]:
    """Change the draft the way an edit request asks; always changes something a diff can see."""
    ops: list[Op] = []
    draft = draft_of(state)
    if find_track(draft, VIDEO) is None and state["video_infos"]:
        upload = state["video_infos"][0]
        ops.append(add_clip(state, upload["url"], upload["filename"], int(upload.get("duration") or 10) * 1000))
    lowered = prompt.lower()
    if _wants(lowered, "title", "caption", "text") or replies.QUOTED.search(prompt):
        ops.append(set_title(state, replies.title_for(prompt)))
    if _wants(lowered, "music", "bgm", "song", "soundtrack", "audio"):
        ops.append(set_music(state, replies.music_for(prompt), music_url))
    if (seconds := replies.seconds_in(prompt)) is not None:
        ops.append(set_length(state, seconds * 1000))
    if all(op["op"] == "add_clip" for op in ops):
        ops.append(_default_edit(state, prompt, music_url))
    return ops


def _default_edit(state: dict[str, Any], prompt: str, music_url: str) -> Op:
    draft = draft_of(state)
    if find_track(draft, TEXT) is None:
        return set_title(state, replies.title_for(prompt))
    if find_track(draft, BGM) is None:
        return set_music(state, replies.music_for(prompt), music_url)
    return add_effect(state, replies.pick(("fade-in", "zoom-in", "warm filter", "glitch"), prompt))
