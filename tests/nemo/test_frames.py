"""The /run_sse frame parser over raw stream text: every frame form the protocol reference lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nemo.events import (
    AgentEvent,
    AgentText,
    AgentTextDelta,
    Keepalive,
    StreamError,
    ToolCall,
    ToolResult,
)
from bot.nemo.frames import StreamDecoder, parse_frame


def decode(raw: str) -> list[AgentEvent]:
    """Feed a whole stream's text line by line, then close it."""
    decoder = StreamDecoder()
    events: list[AgentEvent] = []
    for line in raw.split("\n"):
        events += decoder.feed_line(line)
    return events + decoder.finish()


def adk(*parts: dict[str, Any], **extra: Any) -> str:
    """One ADK event frame, compact JSON as ADK writes it."""
    event = {
        "content": {"parts": list(parts), "role": "model"},
        "invocationId": "e-1",
        "author": "nemo_agent",
        "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
        "id": "4b5c0a34-8d0e-4a5f-9d53-0c3f0b1f3c6e",
        "timestamp": 1743712257.391317,
        **extra,
    }
    return f"data: {json.dumps(event, separators=(',', ':'))}\n\n"


CALL = {"functionCall": {"id": "c1", "name": "generate_video", "args": {"prompt": "city", "duration": 10}}}
RESULT = {"functionResponse": {"id": "c1", "name": "generate_video", "response": {"status": "success"}}}


def test_text_event() -> None:
    assert decode(adk({"text": "Hello there"})) == [AgentText("Hello there")]


def test_text_and_function_call_in_one_event_keep_their_order() -> None:
    events = decode(adk({"text": "I'll generate it."}, CALL, finishReason="STOP"))
    assert events == [
        AgentText("I'll generate it."),
        ToolCall("c1", "generate_video", {"prompt": "city", "duration": 10}),
    ]


def test_function_response_event_has_role_user_but_is_a_tool_result() -> None:
    frame = adk(RESULT).replace('"role":"model"', '"role":"user"')
    assert decode(frame) == [ToolResult("c1", "generate_video", {"status": "success"})]


def test_adjacent_text_parts_merge() -> None:
    assert decode(adk({"text": "Hello "}, {"text": "world"})) == [AgentText("Hello world")]


def test_thought_parts_never_surface() -> None:
    events = decode(adk({"text": "secret plan", "thought": True}, {"text": "Done."}))
    assert events == [AgentText("Done.")]


@pytest.mark.parametrize(
    "frame",
    [
        'data: {"content":{"role":"model"},"author":"nemo_agent","id":"x"}\n\n',
        adk({"text": ""}),
        adk({"text": "   "}),
        'data: {"errorCode":"MODEL_RETURNED_NO_CONTENT","errorMessage":"no content","author":"nemo_agent"}\n\n',
        'data: {"author":"nemo_agent","id":"x","actions":{}}\n\n',
    ],
    ids=["no-parts", "empty-text", "blank-text", "no-content-code", "no-content"],
)
def test_silent_edit_endings_are_not_errors(frame: str) -> None:
    assert decode(adk(CALL) + adk(RESULT) + frame) == [
        ToolCall("c1", "generate_video", {"prompt": "city", "duration": 10}),
        ToolResult("c1", "generate_video", {"status": "success"}),
    ]


def test_other_error_codes_are_stream_errors() -> None:
    frame = 'data: {"errorCode":"TOOL_ERROR","errorMessage":"ValueError: bad","author":"nemo_agent"}\n\n'
    assert decode(frame) == [StreamError("ValueError: bad")]


def test_adk_two_frame_error() -> None:
    raw = (
        'data: {"errorCode":"UNKNOWN_ERROR","errorMessage":"boom"}\n\n'
        'data: {"error": "RuntimeError: boom", "error_details": {"type": "RuntimeError"}}\n\n'
    )
    assert decode(raw) == [StreamError("boom"), StreamError("RuntimeError: boom")]


def test_error_frame_with_an_object() -> None:
    assert decode('data: {"error": {"message": "quota"}}\n\n') == [StreamError("quota")]


@pytest.mark.parametrize(
    "raw",
    [": ping\n\n", "data: \n\n", "data:\n\n", 'data: {"type":"heartbeat"}\n\n', "event: heartbeat\ndata: x\n\n"],
    ids=["comment", "empty-data", "bare-data", "json", "event"],
)
def test_keepalive_forms(raw: str) -> None:
    assert decode(raw) == [Keepalive()]


def test_done_sentinel_is_a_keepalive() -> None:
    assert decode("data: [DONE]\n\n") == [Keepalive()]


def test_legacy_frames() -> None:
    raw = (
        'data: {"type":"text","content":"Working on it"}\n\n'
        'data: {"type":"tool_call","name":"generate_video_with_seedance","args":{"p":1}}\n\n'
        'data: {"type":"tool_result","name":"generate_video_with_seedance","result":"ok"}\n\n'
        'data: {"type":"error","message":"nope"}\n\n'
    )
    assert decode(raw) == [
        AgentText("Working on it"),
        ToolCall(None, "generate_video_with_seedance", {"p": 1}),
        ToolResult(None, "generate_video_with_seedance", {"result": "ok"}),
        StreamError("nope"),
    ]


@pytest.mark.parametrize(
    "raw",
    ['data: {"foo": 1}\n\n', 'data: {"type":"progress","n":3}\n\n', "data: [1, 2]\n\n", "data: not json\n\n"],
    ids=["unknown-object", "unknown-type", "array", "not-json"],
)
def test_unknown_frames_are_skipped(raw: str) -> None:
    assert decode(raw + adk({"text": "after"})) == [AgentText("after")]


def test_partials_then_final_show_the_text_once() -> None:
    raw = adk({"text": "Hel"}, partial=True) + adk({"text": "lo"}, CALL, partial=True) + adk({"text": "Hello"}, CALL)
    events = decode(raw)
    assert events == [
        AgentTextDelta("Hel"),
        AgentTextDelta("lo"),
        AgentText("Hello"),
        ToolCall("c1", "generate_video", {"prompt": "city", "duration": 10}),
    ]


def test_partials_without_a_final_are_joined_at_close() -> None:
    raw = adk({"text": "Hel"}, partial=True) + adk({"text": "lo"}, partial=True)
    assert decode(raw)[-1] == AgentText("Hello")


def test_multiline_data_and_crlf() -> None:
    raw = 'data: {"content":{"parts":\r\ndata: [{"text":"hi"}]}}\r\n\r\n'
    decoder = StreamDecoder()
    events = [e for line in raw.split("\r\n") for e in decoder.feed_line(line)]
    assert events == [AgentText("hi")]


def test_last_frame_without_blank_line_is_kept() -> None:
    assert decode(adk({"text": "tail"}).rstrip("\n")) == [AgentText("tail")]


def test_non_ascii_text() -> None:
    frame = "data: " + json.dumps({"content": {"parts": [{"text": "好的\u2028ok"}]}}, ensure_ascii=False) + "\n\n"
    assert decode(frame) == [AgentText("好的\u2028ok")]


def test_parse_frame_is_pure() -> None:
    assert parse_frame("message", '{"content":{"parts":[{"text":"a"}]}}') == [AgentText("a")]
    assert parse_frame("heartbeat", "") == [Keepalive()]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["content", "parts", "text", "thought", "functionCall", "functionResponse", "partial", "error", "errorCode",
     "errorMessage", "type", "name", "args", "response", "id", "role"]
)  # fmt: skip
FRAMES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@given(st.text(max_size=30), JSON | FRAMES)
def test_parse_frame_never_raises_on_any_json(event_name: str, payload: object) -> None:
    events = parse_frame(event_name, json.dumps(payload))
    assert all(
        isinstance(e, AgentText | AgentTextDelta | ToolCall | ToolResult | Keepalive | StreamError) for e in events
    )


@given(st.lists(st.text(max_size=40), max_size=20))
def test_decoder_never_raises_on_any_lines(lines: list[str]) -> None:
    decoder = StreamDecoder()
    for line in lines:
        decoder.feed_line(line)
    decoder.finish()
