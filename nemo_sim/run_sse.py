"""`POST /run_sse`: validate the ADK run request, check the session and credits, then stream a scenario."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.nemo.wire import APP_NAME, EVENT_STREAM, ME, ErrorCode
from nemo_sim import agent_text, agent_tools
from nemo_sim.errors import SimError
from nemo_sim.records import SessionRecord, User
from nemo_sim.scenarios import Scenario, cost_of, pick_scenario
from nemo_sim.turn import Script, Turn, run_turn, sse_body
from nemo_sim.world import World

SCRIPTS: dict[Scenario, Script] = {
    Scenario.CHAT: agent_text.chat,
    Scenario.GENERATE: agent_tools.generate,
    Scenario.SILENT_EDIT: agent_tools.silent_edit,
    Scenario.PARTIAL_STREAM: agent_text.partial_stream,
    Scenario.THOUGHT: agent_text.thought,
    Scenario.TRAILING_ISSUE: agent_text.trailing_issue,
    Scenario.ERROR_MID: agent_text.error_mid,
    Scenario.DROP: agent_tools.drop,
    Scenario.STALL: agent_text.stall,
    Scenario.LEGACY_FRAMES: agent_tools.legacy_frames,
    Scenario.REFUSAL: agent_text.refusal,
}


@dataclass(frozen=True, slots=True)
class RunRequest:
    """The fields of ADK's `RunAgentRequest` the simulator uses."""

    user_id: str
    session_id: str
    text: str


def _missing(camel: str, body: Any) -> SimError:
    # FastAPI's 422 names fields by their camelCase alias, as ADK's server does.
    detail = [{"type": "missing", "loc": ["body", camel], "msg": "Field required", "input": body}]
    return SimError(422, detail=detail)


def _field(body: dict[str, Any], snake: str, camel: str) -> Any:
    return body[snake] if snake in body else body.get(camel)


def parse_run_request(raw: bytes) -> RunRequest:
    """Validate the body (snake_case or camelCase keys, optional `role`); 422 like FastAPI otherwise."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SimError(422, detail=[{"type": "json_invalid", "loc": ["body"], "msg": str(exc)}]) from exc
    if not isinstance(body, dict):
        raise SimError(422, detail=[{"type": "model_type", "loc": ["body"], "msg": "Input should be an object"}])
    app_name = _field(body, "app_name", "appName")
    if app_name is None:
        raise _missing("appName", body)
    if app_name != APP_NAME:
        raise SimError(422, detail=f"Unknown app: {app_name}")
    session_id = _field(body, "session_id", "sessionId")
    if not isinstance(session_id, str) or not session_id:
        raise _missing("sessionId", body)
    message = _field(body, "new_message", "newMessage")
    parts = message.get("parts") if isinstance(message, dict) else None
    text = parts[0].get("text") if isinstance(parts, list) and parts and isinstance(parts[0], dict) else None
    if not isinstance(text, str) or not text.strip():
        raise _missing("newMessage", body)
    user_id = _field(body, "user_id", "userId")
    return RunRequest(user_id=str(user_id or ME), session_id=session_id, text=text)


def _session(world: World, user: User, req: RunRequest) -> SessionRecord:
    try:
        return world.find_session(req.session_id, user, req.user_id)
    except SimError:
        if world.config.session_404:
            raise SimError(404, detail=f"Session not found: {req.session_id}") from None
        raise


async def run_sse(request: Request) -> Response:
    """Start one agent turn and stream its events as SSE."""
    world: World = request.app.state.world
    user = world.authenticate(request.headers.get("authorization"))
    req = parse_run_request(await request.body())
    session = _session(world, user, req)
    scenario = pick_scenario(req.text, world.config.scenario)
    cost = cost_of(scenario)
    reject = world.config.busy == "reject"
    if reject and session.lock.locked():
        raise SimError(409, "Session is busy: the previous message is still being processed")
    if not user.hold(cost):
        if world.config.no_credits == "error":
            message = f"Insufficient credits: {cost} needed, {user.available} available"
            raise SimError(ErrorCode.CREDITS_EXHAUSTED, message)
        scenario, cost = Scenario.REFUSAL, 0
    if reject:
        await session.lock.acquire()  # free (checked above), so this does not wait
    world.turn_counter += 1
    turn = Turn(world, session, user, req.text, str(request.base_url).rstrip("/"), cost, world.turn_counter)
    script = run_turn(turn, SCRIPTS[scenario], wait_for_session=not reject)
    task = world.spawn(script, f"turn-{session.session_id}")
    # A task cancelled before it ever ran skips run_turn's cleanup; make sure the stream still ends.
    task.add_done_callback(lambda _: turn.close())
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(sse_body(turn), media_type=EVENT_STREAM, headers=headers)
