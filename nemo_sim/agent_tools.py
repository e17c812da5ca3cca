"""Scenario scripts that run tools and change the project: generate (two stages), silent edits, drops, legacy.

A turn after new uploads builds the timeline from them (a batch item gets its own clip): the files the prompt
names, else "this"/"这个" one (the newest), else every file uploaded since the last timeline was built.
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot.nemo.wire import NO_CONTENT, LegacyFrame
from nemo_sim import drafts, prompts, replies
from nemo_sim.stream import frame
from nemo_sim.turn import Turn

DEFAULT_SECONDS = 10
SILENT_ENDINGS = ("no_parts", "empty_text", "no_content_code", "bare_event", "close")
VISUAL = ("video", "image")
SINGULAR = re.compile(
    r"\b(?:this|that|the new|the latest|the last|the newest)\s+(?:one|clip|video|photo|picture|image|file|upload)\b"
    r"|这个|这段|这张|这条|刚上传|最新",
    re.IGNORECASE,
)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    return slug or f"m{zlib.crc32(text.encode()):08x}"


def _music_url(turn: Turn, name: str) -> str:
    return turn.cdn_url("audio", f"{_slug(name)}.mp3")


@dataclass(frozen=True, slots=True)
class Sources:
    """The uploaded files a turn builds its timeline from."""

    visuals: list[dict[str, Any]]
    audio: dict[str, Any] | None

    @property
    def newest(self) -> str:
        """The newest photo or clip's file name ("" when none)."""
        return str(self.visuals[-1]["filename"]) if self.visuals else ""


def _named(prompt: str, filename: str) -> bool:
    stem = filename.rsplit(".", 1)[0]
    lowered = prompt.lower()
    return filename.lower() in lowered or (len(stem) >= 3 and re.search(rf"\b{re.escape(stem.lower())}\b",
                                                                         lowered) is not None)


def take_sources(turn: Turn) -> Sources:
    """The uploads this turn builds from; they count as used from now on."""
    session = turn.session
    named = [item for item in session.uploads if _named(turn.prompt, item["filename"])]
    fresh = session.uploads[session.uploads_used:]
    session.uploads_used = len(session.uploads)
    chosen = named or (fresh[-1:] if SINGULAR.search(turn.prompt) else fresh)
    visuals = [item for item in chosen if item["file_type"] in VISUAL]
    audio = next((item for item in reversed(chosen) if item["file_type"] == "audio"), None)
    return Sources(visuals, audio)


def _title(turn: Turn, sources: Sources) -> str:
    """The title of what this turn makes: the prompt's, else the uploaded file's name, else the default."""
    return (prompts.title_of(turn.prompt) or prompts.title_from_name(sources.newest)
            or replies.say(turn.lang, "default_title"))


def _store_clip(turn: Turn, seconds: int, label: str) -> str:
    """Stage 1 result: a generated clip on the video track and in `video_infos`/`generated_media`."""
    url = turn.cdn_url("gen", secrets.token_hex(8), f"{_slug(label)}_{seconds}s.mp4")
    canvas = turn.state["canvas_config"]
    drafts.add_clip(turn.state, url, label, seconds * 1000)
    info = {"duration": float(seconds), "width": canvas["width"], "height": canvas["height"], "fps": 24}
    turn.state["video_infos"].append(drafts.media_item(url, url.rsplit("/", 1)[-1], "video", info))
    turn.state["generated_media"].append(drafts.generated_item(url, turn.prompt, seconds))
    return url


async def _stage_two(turn: Turn, sources: Sources, title: str) -> str:
    """The backend's own follow-up: background music (an uploaded track if any) and a title card."""
    if sources.audio is not None:
        music, music_url = str(sources.audio["filename"]), str(sources.audio["cdn_url"])
    else:
        music = replies.music_for(turn.prompt, turn.lang)
        music_url = _music_url(turn, music)
    args = {"operations": [{"op": "set_bgm", "name": music}, {"op": "set_title", "text": title}]}
    event, call_id = turn.events.call("edit_multitrack", args)
    turn.emit(event)
    await turn.work(turn.config.edit_seconds)
    ops = [drafts.set_music(turn.state, music, music_url), drafts.set_title(turn.state, title)]
    tracks = len(turn.state["draft"]["t"])
    turn.emit(turn.events.response(call_id, "edit_multitrack", {"status": "success", "operations": ops,
                                                                 "tracks": tracks}))
    return music


async def _generate(turn: Turn, *, cut: bool) -> None:
    seconds = prompts.seconds_in(turn.prompt) or DEFAULT_SECONDS
    sources = take_sources(turn)
    canvas = turn.state["canvas_config"]
    args: dict[str, Any] = {"prompt": turn.prompt, "duration": seconds, "aspect_ratio": canvas["ratio"]}
    if sources.visuals:
        args["reference_media"] = [item["cdn_url"] for item in sources.visuals]
    names = ", ".join(item["filename"] for item in sources.visuals)
    intro = replies.generate_intro(turn.prompt, seconds, turn.lang, source=names)
    # Real ADK can put a text part and a functionCall in one model event; the client must handle both.
    event, call_id = turn.events.call("generate_video", args, text=intro)
    await turn.pause()
    turn.emit(event)
    if cut:
        await turn.work(min(turn.config.gen_seconds, 2 * turn.config.hb_interval))
        turn.cut()
    await turn.work(turn.config.gen_seconds)
    title = _title(turn, sources)
    if sources.visuals:
        drafts.new_timeline(turn.state)
    url = _store_clip(turn, seconds, sources.newest or prompts.topic_of(turn.prompt).subject or title)
    turn.emit(turn.events.response(call_id, "generate_video",
                                   {"status": "success", "video_url": url, "duration": seconds}))
    await turn.pause()
    turn.emit(turn.events.text(replies.say(turn.lang, "raw_ready")))
    music = await _stage_two(turn, sources, title)
    turn.session.brief = turn.prompt
    turn.charge()
    await turn.pause()
    done = replies.generate_done(turn.prompt, seconds, turn.lang, title, music, turn.config.gui_hint)
    turn.emit(turn.events.text(done))


async def generate(turn: Turn) -> None:
    """Text + generate_video call, keepalives, result, then stage 2 (music, title), then the final text."""
    await _generate(turn, cut=False)


async def drop(turn: Turn) -> None:
    """Generation whose connection is cut early; the work, state changes and charge still complete."""
    await _generate(turn, cut=True)


def _edit(turn: Turn) -> list[drafts.Op]:
    """Build the timeline from new uploads (if any), then change it the way the prompt asks."""
    sources = take_sources(turn)
    ops = drafts.build_from(turn.state, sources.visuals, sources.audio)
    if sources.visuals:
        fallback = prompts.title_from_name(sources.newest)
    elif turn.session.brief:
        fallback = replies.title_for(turn.session.brief, turn.lang)
    else:
        fallback = replies.say(turn.lang, "default_title")
    return ops + drafts.apply_edit(turn.state, turn.prompt, turn.lang, partial(_music_url, turn), fallback)


async def silent_edit(turn: Turn) -> None:
    """Only an edit_multitrack call and its response; the turn then ends in one of ADK's no-text shapes."""
    event, call_id = turn.events.call("edit_multitrack", {"instruction": turn.prompt})
    await turn.pause()
    turn.emit(event)
    await turn.work(turn.config.edit_seconds)
    ops = _edit(turn)
    turn.charge()
    draft = turn.state["draft"]
    response = {"status": "success", "operations": ops, "tracks": len(draft["t"]), "duration_ms": draft["d"]}
    turn.emit(turn.events.response(call_id, "edit_multitrack", response))
    await turn.pause()
    ending: str = turn.config.silent_end
    if ending == "rotate":
        ending = SILENT_ENDINGS[turn.variant % len(SILENT_ENDINGS)]
    if ending == "no_parts":
        turn.emit(turn.events.event(None))
    elif ending == "empty_text":
        turn.emit(turn.events.event([{"text": ""}], finishReason="STOP"))
    elif ending == "no_content_code":
        message = "Model returned no content after the tool call."
        turn.emit(turn.events.event(None, with_content=False, errorCode=NO_CONTENT,
                                    errorMessage=message))
    elif ending == "bare_event":
        turn.emit(turn.events.event(None, with_content=False, turnComplete=True))


async def legacy_frames(turn: Turn) -> None:
    """The v4.4 illustrative frames: type text / tool_call / heartbeat / tool_result; the clip is really made."""
    seconds = prompts.seconds_in(turn.prompt) or DEFAULT_SECONDS
    sources = take_sources(turn)
    name = "generate_video_with_seedance"
    await turn.pause()
    intro = replies.generate_intro(turn.prompt, seconds, turn.lang)
    turn.emit_bytes(frame({"type": LegacyFrame.TEXT, "content": intro}))
    turn.emit_bytes(frame({"type": LegacyFrame.TOOL_CALL, "name": name, "args": {"prompt": turn.prompt}}))
    for _ in range(3):
        await turn.pause()
        turn.emit_bytes(frame({"type": LegacyFrame.HEARTBEAT}))
    title = _title(turn, sources)
    if sources.visuals:
        drafts.new_timeline(turn.state)
    url = _store_clip(turn, seconds, sources.newest or prompts.topic_of(turn.prompt).subject or title)
    turn.session.brief = turn.prompt
    turn.charge()
    turn.emit_bytes(frame({"type": LegacyFrame.TOOL_RESULT, "name": name, "result": {"status": "success",
                                                                                     "video_url": url}}))
    await turn.pause()
    turn.emit_bytes(frame({"type": LegacyFrame.TEXT, "content": replies.say(turn.lang, "legacy_done", title=title)}))
