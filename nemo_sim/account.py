"""REST endpoints in the `{"code":0,"data":...}` envelope: anonymous token, session, claim token, credits, state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.nemo.wire import CLIENT_ID_MAX, ErrorCode, Header
from nemo_sim import ids
from nemo_sim.errors import SimError
from nemo_sim.world import World

CLAIM_TTL = 7 * 86400


def ok(data: dict[str, Any], **extra: Any) -> JSONResponse:
    """A success envelope."""
    return JSONResponse({"code": ErrorCode.OK, **extra, "data": data})


def world_of(request: Request) -> World:
    """The world behind the app."""
    world: World = request.app.state.world
    return world


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); HTTP 400 when it is not one."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SimError(400, "Request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise SimError(400, "Request body must be a JSON object")
    return body


async def anonymous_token(request: Request) -> Response:
    """`POST /api/auth/anonymous-token`."""
    world = world_of(request)
    client_id = request.headers.get(Header.CLIENT_ID, "").strip()
    if not client_id:
        raise SimError(400, "X-Client-Id header is required")
    if len(client_id) > CLIENT_ID_MAX:
        raise SimError(400, f"X-Client-Id must be at most {CLIENT_ID_MAX} characters")
    if client_id in world.config.refused_client_ids:
        raise SimError(400, "X-Client-Id is not accepted")
    ip = request.client.host if request.client else "unknown"
    record = world.issue_anonymous_token(client_id, ip)
    expires = datetime.fromtimestamp(record.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    user = world.users[record.user_id]
    data = {"token": record.token, "user_id": record.user_id, "credits": user.available, "expires_at": expires}
    return ok(data, message="ok")


async def create_session(request: Request) -> Response:
    """`POST /api/tasks/me/with-session/nemo_agent`."""
    world = world_of(request)
    user = world.authenticate(request.headers.get("authorization"))
    body = await json_object(request)
    language = str(body.get("language") or "en")
    session = world.create_session(user.user_id, str(body.get("task_name") or "project"), language)
    data = {"task_id": session.task_id, "session_id": session.session_id}
    if not world.config.drop_user_id:
        data["user_id"] = user.user_id
    return ok(data)


async def claim_token(request: Request) -> Response:
    """`POST /api/auth/claim-token`."""
    world = world_of(request)
    user = world.authenticate(request.headers.get("authorization"))
    body = await json_object(request)
    session = world.find_session(str(body.get("session_id", "")), user)
    if body.get("task_id") != session.task_id:
        raise SimError(ErrorCode.SESSION_NOT_FOUND, "Task not found for this session")
    claim = ids.new_claim_token()
    world.claims[claim] = (session.task_id, session.session_id)
    return ok({"claim_token": claim, "expires_in": CLAIM_TTL})


async def credits(request: Request) -> Response:
    """`GET /api/credits/balance/simple`."""
    user = world_of(request).authenticate(request.headers.get("authorization"))
    return ok({"available": user.available, "frozen": user.frozen, "total": user.available + user.frozen})


async def state(request: Request) -> Response:
    """`GET /api/state/nemo_agent/{uid}/{sid}/latest`."""
    world = world_of(request)
    user = world.authenticate(request.headers.get("authorization"))
    session = world.find_session(request.path_params["sid"], user, request.path_params["uid"])
    data = {
        "session_id": session.session_id,
        "task_id": session.task_id,
        "task_name": session.task_name,
        "user_id": session.user_id,
        "state": session.state,
    }
    return ok(data)
