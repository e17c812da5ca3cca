"""Scenario scripts that run tools and change the project: generate (two stages), silent edits, drops, legacy."""

from __future__ import annotations

import re
import secrets

from bot.nemo.wire import NO_CONTENT, LegacyFrame
from nemo_sim import drafts, replies
from nemo_sim.stream import frame
from nemo_sim.turn import Turn

DEFAULT_SECONDS = 10
SILENT_ENDINGS = ("no_parts", "empty_text", "no_content_code", "bare_event", "close")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "clip"


def _music_url(turn: Turn, name: str) -> str:
    return turn.cdn_url("audio", f"{_slug(name)}.mp3")


def _store_clip(turn: Turn, seconds: int) -> str:
    """Stage 1 result: a generated clip on the video track and in `video_infos`/`generated_media`."""
    subject = replies.subject(turn.prompt)
    url = turn.cdn_url("gen", secrets.token_hex(8), f"{_slug(subject)}_{seconds}s.mp4")
    canvas = turn.state["canvas_config"]
    drafts.add_clip(turn.state, url, subject, seconds * 1000)
    info = {"duration": float(seconds), "width": canvas["width"], "height": canvas["height"], "fps": 24}
    turn.state["video_infos"].append(drafts.media_item(url, url.rsplit("/", 1)[-1], "video", info))
    turn.state["generated_media"].append(drafts.generated_item(url, turn.prompt, seconds))
    return url


async def _stage_two(turn: Turn) -> None:
    """The backend's own follow-up: background music and a title card via edit_multitrack."""
    music, title = replies.music_for(turn.prompt), replies.title_for(turn.prompt)
    args = {"operations": [{"op": "set_bgm", "name": music}, {"op": "set_title", "text": title}]}
    event, call_id = turn.events.call("edit_multitrack", args)
    turn.emit(event)
    await turn.work(turn.config.edit_seconds)
    ops = [drafts.set_music(turn.state, music, _music_url(turn, music)), drafts.set_title(turn.state, title)]
    tracks = len(turn.state["draft"]["t"])
    turn.emit(turn.events.response(call_id, "edit_multitrack", {"status": "success", "operations": ops,
                                                                 "tracks": tracks}))


async def _generate(turn: Turn, *, cut: bool) -> None:
    seconds = replies.seconds_in(turn.prompt) or DEFAULT_SECONDS
    canvas = turn.state["canvas_config"]
    args = {"prompt": replies.subject(turn.prompt), "duration": seconds, "aspect_ratio": canvas["ratio"]}
    # Real ADK can put a text part and a functionCall in one model event; the client must handle both.
    event, call_id = turn.events.call("generate_video", args, text=replies.generate_intro(turn.prompt, seconds))
    await turn.pause()
    turn.emit(event)
    if cut:
        await turn.work(min(turn.config.gen_seconds, 2 * turn.config.hb_interval))
        turn.cut()
    await turn.work(turn.config.gen_seconds)
    url = _store_clip(turn, seconds)
    turn.emit(turn.events.response(call_id, "generate_video",
                                   {"status": "success", "video_url": url, "duration": seconds}))
    await turn.pause()
    turn.emit(turn.events.text("The raw clip is ready. Now I'm adding background music and a title."))
    await _stage_two(turn)
    turn.charge()
    await turn.pause()
    turn.emit(turn.events.text(replies.generate_done(turn.prompt, seconds)))


async def generate(turn: Turn) -> None:
    """Text + generate_video call, keepalives, result, then stage 2 (music, title), then the final text."""
    await _generate(turn, cut=False)


async def drop(turn: Turn) -> None:
    """Generation whose connection is cut early; the work, state changes and charge still complete."""
    await _generate(turn, cut=True)


async def silent_edit(turn: Turn) -> None:
    """Only an edit_multitrack call and its response; the turn then ends in one of ADK's no-text shapes."""
    event, call_id = turn.events.call("edit_multitrack", {"instruction": turn.prompt})
    await turn.pause()
    turn.emit(event)
    await turn.work(turn.config.edit_seconds)
    music_url = _music_url(turn, replies.music_for(turn.prompt))
    ops = drafts.apply_edit(turn.state, turn.prompt, music_url)
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
    seconds = replies.seconds_in(turn.prompt) or DEFAULT_SECONDS
    name = "generate_video_with_seedance"
    await turn.pause()
    turn.emit_bytes(frame({"type": LegacyFrame.TEXT, "content": replies.generate_intro(turn.prompt, seconds)}))
    args = {"prompt": replies.subject(turn.prompt)}
    turn.emit_bytes(frame({"type": LegacyFrame.TOOL_CALL, "name": name, "args": args}))
    for _ in range(3):
        await turn.pause()
        turn.emit_bytes(frame({"type": LegacyFrame.HEARTBEAT}))
    url = _store_clip(turn, seconds)
    turn.charge()
    result = {"status": "success", "video_url": url}
    turn.emit_bytes(frame({"type": LegacyFrame.TOOL_RESULT, "name": name, "result": result}))
    await turn.pause()
    done = f'Done! "{replies.title_for(turn.prompt)}" is on your timeline.'
    turn.emit_bytes(frame({"type": LegacyFrame.TEXT, "content": done}))
