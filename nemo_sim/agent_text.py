"""Scenario scripts that talk without changing the project: chat, partial streaming, thoughts, errors, stalls."""

from __future__ import annotations

import re
from typing import Any

from nemo_sim import replies
from nemo_sim.drafts import find_track
from nemo_sim.stream import MODEL_VERSION, spaced_frame
from nemo_sim.turn import Turn

TRAILING_ISSUE = replies.say(replies.EN, "trailing")
TOOL_FAILURE = "timeline service unavailable (upstream returned 503)"


async def chat(turn: Turn) -> None:
    """One model text event."""
    await turn.pause()
    turn.emit(turn.events.text(replies.chat_reply(turn.prompt, turn.lang, turn.config.gui_hint)))


async def refusal(turn: Turn) -> None:
    """The agent declines in plain text because the account is out of credits."""
    await turn.pause()
    turn.emit(turn.events.text(replies.say(turn.lang, "refusal", available=turn.user.available)))


async def thought(turn: Turn) -> None:
    """A thought-only event, then an event mixing a thought part and the visible answer."""
    await turn.pause()
    reasoning = replies.say(turn.lang, "thinking")
    turn.emit(turn.events.event([{"text": reasoning, "thought": True}], modelVersion=MODEL_VERSION))
    await turn.pause()
    parts: list[dict[str, Any]] = [
        {"text": replies.say(turn.lang, "plan"), "thought": True, "thoughtSignature": "c2lnLXNpbQ=="},
        {"text": replies.chat_reply(turn.prompt, turn.lang, turn.config.gui_hint)},
    ]
    turn.emit(turn.events.event(parts, finishReason="STOP", modelVersion=MODEL_VERSION))


async def trailing_issue(turn: Turn) -> None:
    """A normal reply, then the spurious "temporary issue" sentence the docs tell clients to ignore."""
    await chat(turn)
    await turn.pause()
    turn.emit(turn.events.text(replies.say(turn.lang, "trailing")))


def _chunks(text: str, count: int = 4) -> list[str]:
    words: list[str] = re.findall(r"\S+\s*", text)
    if len(words) < count:
        words = list(text)  # Chinese has no spaces to split at
    size = max(1, -(-len(words) // count))
    return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


async def _stream_text(turn: Turn, text: str, call: tuple[str, dict[str, object]] | None = None) -> str | None:
    """Partial chunks, then the aggregated final repeating the text (and the functionCall, if any)."""
    # ADK 2.x gives partials and their final one event id; 1.x does not. Alternate between the two.
    shared_id = turn.events.event(None)["id"] if turn.variant % 2 == 0 else None
    for chunk in _chunks(text):
        await turn.pause(0.1)
        turn.emit(turn.events.text(chunk, partial=True, event_id=shared_id))
    if call is None:
        turn.emit(turn.events.text(text, event_id=shared_id))
        return None
    final, call_id = turn.events.call(call[0], dict(call[1]), text=text, event_id=shared_id)
    partial_call = dict(final, partial=True, content={"role": "model", "parts": final["content"]["parts"][1:]})
    partial_call["id"] = shared_id or turn.events.event(None)["id"]
    for key in ("finishReason", "usageMetadata"):
        partial_call.pop(key, None)
    turn.emit(partial_call)
    turn.emit(final)
    return call_id


async def partial_stream(turn: Turn) -> None:
    """Streaming mode: chunks + final with a functionCall, its response, then a second streamed answer."""
    call_id = await _stream_text(turn, replies.say(turn.lang, "look_first"), ("get_timeline", {}))
    assert call_id is not None
    tracks = len(turn.state["draft"].get("t", []))
    await turn.pause()
    turn.emit(turn.events.response(call_id, "get_timeline", {"status": "success", "tracks": tracks}))
    video = find_track(turn.state["draft"], 0) if turn.state["draft"] else None
    key = "no_video" if not video else "one_track" if tracks == 1 else "tracks"
    summary = replies.say(turn.lang, key, count=tracks)
    reply = replies.chat_reply(turn.prompt, turn.lang, turn.config.gui_hint)
    await _stream_text(turn, replies.join(turn.lang, summary, reply))


async def error_mid(turn: Turn) -> None:
    """A few events, then the tool fails: ADK 1.x `{"error": ...}` or the 2.x two-frame form; then close."""
    await turn.pause()
    turn.emit(turn.events.text(replies.say(turn.lang, "applying")))
    event, _ = turn.events.call("edit_multitrack", {"instruction": turn.prompt})
    turn.emit(event)
    await turn.work(turn.config.edit_seconds / 4)
    style = turn.config.error_style
    if style == "rotate":
        style = "2.x" if turn.variant % 2 else "1.x"
    if style == "1.x":
        turn.emit_bytes(spaced_frame({"error": TOOL_FAILURE}))
        return
    turn.emit(turn.events.event(None, with_content=False, errorCode="UNKNOWN_ERROR", errorMessage=TOOL_FAILURE))
    details = {"type": "RuntimeError", "message": TOOL_FAILURE, "tool": "edit_multitrack"}
    turn.emit_bytes(spaced_frame({"error": f"RuntimeError: {TOOL_FAILURE}", "error_details": details}))


async def stall(turn: Turn) -> None:
    """Keepalives only, until the client gives up and disconnects."""
    await turn.keepalives_until_gone()
