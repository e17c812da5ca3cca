"""How the simulated agent changes a project's state: the draft (`t/tt/sg/d/m`) and its media lists.

Segment keys (`src`, `s`, `d`, `text`, `name`, `vol`, `fx`, `label`) are made up by the simulator; only
`t/tt/sg/d/m` are documented, and a client must rely on nothing else.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from nemo_sim import prompts, replies

VIDEO, BGM, EFFECTS, TEXT = 0, 1, 3, 7
TRACK_NAMES = {VIDEO: "Video", BGM: "BGM", EFFECTS: "Effects", TEXT: "Title"}
TITLE_MS = 3000
TITLE_STYLES = ("white, top-center, fade-in", "yellow, bottom-center, bold", "white, center, typewriter",
                "black on white, lower-third, slide-in")
IMAGE_MS = 5000  # a photo on the timeline, when nothing says how long
UPLOAD_VIDEO_MS = 10000  # an uploaded clip whose length is unknown
MAX_MS = prompts.MAX_SECONDS * 1000
Op = dict[str, Any]

# What an edit asks for (English words whole, Chinese anywhere).
TITLE_WORDS = ("title", "caption", "captions", "text", "subtitle", "subtitles", "heading", "标题", "字幕", "文字")
MUSIC_WORDS = ("music", "bgm", "song", "soundtrack", "audio", "音乐", "配乐", "歌")
SHORTER_WORDS = ("shorter", "shorten", "trim", "cut", "tighten", "缩短", "短一点", "剪短", "剪")
LONGER_WORDS = ("longer", "extend", "lengthen", "加长", "延长", "长一点")


def draft_of(state: dict[str, Any]) -> dict[str, Any]:
    """The state's draft, initialised (empty tracks, canvas-sized metadata) if it was `{}`."""
    draft: dict[str, Any] = state["draft"]
    if not draft:
        canvas = state["canvas_config"]
        draft.update({"t": [], "d": 0, "m": {"title": "", "width": canvas["width"], "height": canvas["height"]}})
    return draft


def new_timeline(state: dict[str, Any]) -> Op:
    """Start the draft over (a batch item gets its own timeline); the media lists are kept."""
    state["draft"] = {}
    draft_of(state)
    return {"op": "new_timeline"}


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


def set_title(state: dict[str, Any], text: str, style: str = TITLE_STYLES[0]) -> Op:
    """Replace the title card."""
    draft = draft_of(state)
    length = min(TITLE_MS, draft["d"]) if draft["d"] else TITLE_MS
    _track(draft, TEXT)["sg"] = [{"text": text, "s": 0, "d": length, "style": style}]
    draft["d"] = max(draft["d"], length)
    draft["m"]["title"] = text
    return {"op": "set_title", "text": text, "style": style}


def _retitle(state: dict[str, Any], text: str) -> Op:
    """Set the title; asked again for the title it has, the card gets the next style (the change shows)."""
    title = find_track(draft_of(state), TEXT)
    segment = title["sg"][0] if title and title["sg"] else {}
    if segment.get("text") != text:
        return set_title(state, text)
    index = TITLE_STYLES.index(segment["style"]) if segment.get("style") in TITLE_STYLES else -1
    return set_title(state, text, TITLE_STYLES[(index + 1) % len(TITLE_STYLES)])


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


def music_now(draft: dict[str, Any]) -> str:
    """The name of the background music on the timeline ("" when none)."""
    music = find_track(draft, BGM)
    return str(music["sg"][0].get("name", "")) if music and music["sg"] else ""


def build_from(state: dict[str, Any], visuals: Sequence[dict[str, Any]], audio: dict[str, Any] | None) -> list[Op]:
    """A fresh timeline from uploaded files: the photos and clips in order on the video track, the audio as music."""
    ops: list[Op] = []
    if visuals:
        ops.append(new_timeline(state))
    for item in visuals:
        known = item.get("duration")
        fallback = IMAGE_MS if item["file_type"] == "image" else UPLOAD_VIDEO_MS
        length = int(known * 1000) if known else fallback
        ops.append(add_clip(state, item["cdn_url"], item["filename"], length))
    if audio is not None:
        ops.append(set_music(state, audio["filename"], audio["cdn_url"]))
    return ops


def apply_edit(
    state: dict[str, Any], prompt: str, lang: str, music_url: Callable[[str], str], fallback_title: str
) -> list[Op]:
    """Change the draft the way an edit request asks; always changes something a viewer can see."""
    draft = draft_of(state)
    before = copy.deepcopy(draft)
    ops: list[Op] = []
    title_asked, music_asked = replies.mentions(prompt, TITLE_WORDS), replies.mentions(prompt, MUSIC_WORDS)
    spelled = prompts.title_text(prompt)
    if title_asked or (spelled and not music_asked):
        ops.append(_retitle(state, spelled or fallback_title))
    if music_asked:
        # A quoted name in a music request names the track ("add music 'Summer Breeze'").
        name = (not title_asked and prompts.quoted(prompt)) or replies.music_for(prompt, lang, avoid=music_now(draft))
        ops.append(set_music(state, name, music_url(name)))
    if (seconds := prompts.seconds_in(prompt)) is not None:
        ops.append(set_length(state, seconds * 1000))
    elif replies.mentions(prompt, SHORTER_WORDS) and draft["d"] > 1000:
        ops.append(set_length(state, max(1000, draft["d"] * 2 // 3)))
    elif replies.mentions(prompt, LONGER_WORDS) and draft["d"]:
        ops.append(set_length(state, min(MAX_MS, draft["d"] * 3 // 2)))
    if state["draft"] == before:
        ops.append(_default_edit(state, prompt, lang, music_url, fallback_title))
    return ops


def _default_edit(
    state: dict[str, Any], prompt: str, lang: str, music_url: Callable[[str], str], fallback_title: str
) -> Op:
    draft = draft_of(state)
    if find_track(draft, TEXT) is None:
        return set_title(state, fallback_title)
    if find_track(draft, BGM) is None:
        name = replies.music_for(prompt, lang)
        return set_music(state, name, music_url(name))
    effects = find_track(draft, EFFECTS)
    used = [seg["fx"] for seg in effects["sg"]] if effects else []
    return add_effect(state, replies.effect_for(prompt, lang, used))
