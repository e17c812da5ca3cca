"""`/__sim/*`: the test-control endpoints (config, request log, renders, reset, credits, token expiry); never
recorded."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nemo_sim.account import json_object, world_of
from nemo_sim.errors import SimError


async def get_config(request: Request) -> Response:
    """`GET /__sim/config`: the full current config."""
    return JSONResponse(world_of(request).config.model_dump(mode="json"))


async def patch_config(request: Request) -> Response:
    """`POST /__sim/config`: apply a partial update, answer the full config (422 on unknown or bad fields)."""
    world = world_of(request)
    patch = await json_object(request)
    try:
        world.config = world.config.patched(patch)
    except ValidationError as exc:
        raise SimError(422, detail=exc.errors(include_url=False, include_context=False)) from exc
    return JSONResponse(world.config.model_dump(mode="json"))


async def list_requests(request: Request) -> Response:
    """`GET /__sim/requests[?path=<prefix>]`: the recorded requests, oldest first."""
    prefix = request.query_params.get("path", "")
    return JSONResponse([r for r in world_of(request).requests if r["path"].startswith(prefix)])


async def clear_requests(request: Request) -> Response:
    """`DELETE /__sim/requests`: forget the recorded requests."""
    world_of(request).requests.clear()
    return JSONResponse({"ok": True})


async def list_renders(request: Request) -> Response:
    """`GET /__sim/renders`: every render's timeline (submitted, due, completed: epoch seconds) and its polls."""
    renders = [
        {"id": r.render_id, "session_id": r.session_id, "status": r.status.value, "created_at": r.created_at,
         "run_seconds": r.run_seconds, "completed_at": r.completed_at, "polls": r.polls}
        for r in world_of(request).renders.values()
    ]
    return JSONResponse(renders)


async def reset(request: Request) -> Response:
    """`POST /__sim/reset`: cancel running turns, forget everything, restore the starting config."""
    await world_of(request).reset()
    return JSONResponse({"ok": True})


async def set_credits(request: Request) -> Response:
    """`POST /__sim/credits` `{user_id, available, frozen?}`: set a balance."""
    body = await json_object(request)
    try:
        world_of(request).set_credits(str(body["user_id"]), int(body["available"]), int(body.get("frozen", 0)))
    except (KeyError, TypeError, ValueError) as exc:
        raise SimError(400, "Expected {user_id, available, frozen?}") from exc
    return JSONResponse({"ok": True})


async def expire_tokens(request: Request) -> Response:
    """`POST /__sim/expire-tokens` `{user_id?}`: expire tokens, so the next call answers 1001."""
    body = await json_object(request)
    user_id = body.get("user_id")
    world_of(request).expire_tokens(str(user_id) if user_id else None)
    return JSONResponse({"ok": True})
