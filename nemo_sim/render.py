"""The render proxy (`{"success":...}` envelope): submit, poll (shapes A and B), cancel, download."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from bot.nemo.wire import ATTRIBUTION, RenderState
from nemo_sim import drafts
from nemo_sim.account import json_object, world_of
from nemo_sim.errors import SimError
from nemo_sim.media import Look, MediaError
from nemo_sim.records import RenderRecord
from nemo_sim.world import World

TERMINAL = (RenderState.COMPLETED, RenderState.FAILED, RenderState.CANCELLED)
PENDING_PART = 0.05  # a render waits for a worker this part of its time (progress 0), then progresses linearly
JITTER = 3  # percentage points a reported progress strays from the straight line (each poll its own)
FAIL_AT = 0.5


def _is_ready(draft: Any) -> bool:
    tracks = draft.get("t") if isinstance(draft, dict) else None
    return isinstance(tracks, list) and any(isinstance(t, dict) and t.get("sg") for t in tracks)


def _dims(draft: dict[str, Any], world: World) -> tuple[int, int, int]:
    meta = draft.get("m")
    if not isinstance(meta, dict):
        meta = {}
    canvas_width, canvas_height = world.config.canvas
    width = int(meta.get("width") or canvas_width)
    height = int(meta.get("height") or canvas_height)
    return width, height, int(draft.get("d") or 10000)


def _colour(seed: str, low: int, high: int) -> str:
    """An `rrggbb` colour picked by `seed`, each channel within low..high."""
    raw = hashlib.sha256(seed.encode()).digest()
    return "".join(f"{low + byte * (high - low) // 255:02x}" for byte in raw[:3])


def _segments(draft: dict[str, Any], tt: int) -> list[dict[str, Any]]:
    tracks = draft.get("t")
    found = [t for t in tracks if isinstance(t, dict) and t.get("tt") == tt] if isinstance(tracks, list) else []
    segments = found[0].get("sg") if found else None
    return [seg for seg in segments if isinstance(seg, dict)] if isinstance(segments, list) else []


def look_of(draft: dict[str, Any]) -> Look:
    """How a draft is drawn: the video's colour, the draft's own colour, its title, its music and effects."""
    key = hashlib.sha256(json.dumps(draft, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    video = _segments(draft, drafts.VIDEO)
    meta = draft.get("m")
    titles = _segments(draft, drafts.TEXT)
    title = str((meta.get("title") if isinstance(meta, dict) else "") or (titles[0].get("text") if titles else ""))
    music = [str(seg.get("name")) for seg in _segments(draft, drafts.BGM) if seg.get("name")]
    effects = [str(seg.get("fx")) for seg in _segments(draft, drafts.EFFECTS) if seg.get("fx")]
    seconds = int(draft.get("d") or 0) / 1000
    caption = " · ".join([*music, *effects, f"{seconds:g}s"])
    source = str(video[0].get("label") or video[0].get("src") or "") if video else ""
    background = _colour(str(video[0].get("src", "")) if video else key, 16, 112)
    return Look(key=key[:24], background=background, band=_colour(key, 48, 176), source=source[-60:],
                title=title[:60], caption=caption)


async def _encode(world: World, record: RenderRecord, look: Look | None) -> None:
    try:
        record.file = await world.media.clip(record.width, record.height, record.duration_ms, look)
        record.encoded_at = world.clock()
    except MediaError as exc:
        record.error = f"Render failed: {exc}"


def _unit(*parts: object) -> float:
    """A number in [0, 1) picked by `parts`: the same render sees the same numbers on every run."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _spread(render_id: str, spread: float) -> float:
    """How much longer or shorter than nominal this render runs: a factor within 1 +- `spread`."""
    return 1 + spread * (2 * _unit(render_id, "spread") - 1)


async def submit(request: Request) -> Response:
    """`POST /api/render/proxy/lambda` `{id, sessionId, draft, output?}`; free, no credits charged."""
    world = world_of(request)
    user = world.authenticate(request.headers.get("authorization"))
    if any(not request.headers.get(name) for name in ATTRIBUTION) or world.config.plan == "free_blocked":
        raise SimError(402, render=True)
    body = await json_object(request)
    render_id, session_id, draft = body.get("id"), body.get("sessionId"), body.get("draft")
    if not isinstance(render_id, str) or not render_id:
        raise SimError(400, "id is required", render=True, soft=True)
    if not isinstance(session_id, str) or not session_id:
        raise SimError(400, "sessionId is required", render=True, soft=True)
    world.find_session(session_id, user)
    if not isinstance(draft, dict) or not _is_ready(draft):
        raise SimError(400, "draft is empty: no track has segments", render=True, soft=True)
    if render_id in world.renders:
        raise SimError(409, "duplicate id", render=True, soft=True)
    width, height, duration_ms = _dims(draft, world)
    record = RenderRecord(render_id, user.user_id, session_id, world.clock(), duration_ms, width, height)
    nominal = world.config.delay(world.config.render_seconds)
    record.run_seconds = nominal * _spread(render_id, world.config.render_spread)
    if world.config.render_fail > 0:
        world.config.render_fail -= 1
        record.will_fail = True
    world.renders[render_id] = record
    look = look_of(draft) if world.config.render_look == "draft" else None
    world.spawn(_encode(world, record, look), f"render-{render_id}")
    data = {"id": render_id, "status": record.status.value, "progress": record.progress}
    return JSONResponse({"success": True, "data": data})


def advance(record: RenderRecord, now: float) -> None:
    """Move a render along its timeline: pending (0 %), then processing with a percentage that grows linearly
    (each report up to JITTER points off the line, never going back), then completed (or failed)."""
    if record.status in TERMINAL:
        return
    elapsed = now - record.created_at
    fraction = 1.0 if record.run_seconds <= 0 else elapsed / record.run_seconds
    if record.error or (record.will_fail and fraction >= FAIL_AT):
        record.status = RenderState.FAILED
        record.error = record.error or "Render failed: the render worker crashed (simulated)"
        return
    if fraction >= 1.0 and record.file is not None:
        # It completed when its time was up, or when its file was, whichever came later.
        done = max(record.created_at + record.run_seconds, record.encoded_at or 0.0)
        record.status, record.progress, record.completed_at = RenderState.COMPLETED, 100, done
        return
    if fraction < PENDING_PART:
        record.status, record.progress = RenderState.PENDING, 0
        return
    line = 100 * (fraction - PENDING_PART) / (1 - PENDING_PART)
    jitter = JITTER * (2 * _unit(record.render_id, record.polls) - 1)
    reported = max(record.progress, min(99, round(line + jitter)))
    record.status, record.progress = RenderState.PROCESSING, max(1, reported)


def _owned(request: Request) -> RenderRecord:
    world = world_of(request)
    user = world.authenticate(request.headers.get("authorization"))
    record = world.renders.get(request.path_params["rid"])
    if record is None or record.user_id != user.user_id:
        raise SimError(404, "render not found", render=True)
    return record


def _shape(record: RenderRecord, output_url: str | None, shape: str) -> dict[str, Any]:
    if shape == "B":
        output = None
        if output_url is not None and record.file is not None:
            output = {"url": output_url, "duration": record.duration_ms / 1000, "size": record.file.stat().st_size}
        raw = {"taskId": record.render_id, "status": record.status.value, "progress": record.progress,
               "output": output, "error": record.error}
        return {key: value for key, value in raw.items() if value is not None}
    data = {
        "id": record.render_id,
        "status": record.status.value,
        "progress": record.progress,
        "outputUrl": output_url,
        "createdAt": int(record.created_at * 1000),
        "completedAt": int(record.completed_at * 1000) if record.completed_at else None,
        "error": record.error,
    }
    return {"success": True, "data": {key: value for key, value in data.items() if value is not None}}


async def poll(request: Request) -> Response:
    """`GET /api/render/proxy/lambda/{rid}`."""
    world = world_of(request)
    record = _owned(request)
    record.polls += 1
    advance(record, world.clock())
    done = record.status == RenderState.COMPLETED
    named = done and world.config.render_output_url
    url = f"{str(request.base_url).rstrip('/')}/cdn/render/{record.render_id}.mp4" if named else None
    return JSONResponse(_shape(record, url, world.config.render_shape))


async def cancel(request: Request) -> Response:
    """`POST /api/render/proxy/lambda/{rid}/cancel`: an unfinished render becomes cancelled."""
    record = _owned(request)
    advance(record, world_of(request).clock())
    if record.status not in TERMINAL:
        record.status, record.error = RenderState.CANCELLED, "cancelled by user"
    return JSONResponse({"success": True})


def _mp4(record: RenderRecord) -> Response:
    if record.status != RenderState.COMPLETED or record.file is None:
        raise SimError(409, f"render is {record.status.value}, not completed", render=True)
    return FileResponse(record.file, media_type="video/mp4", filename=f"{record.render_id}.mp4")


async def download(request: Request) -> Response:
    """`GET /api/render/proxy/{rid}/download` (Bearer): the rendered MP4."""
    record = _owned(request)
    advance(record, world_of(request).clock())
    return _mp4(record)


async def cdn(request: Request) -> Response:
    """`GET /cdn/...` (public): a render's output, or a canvas-sized test clip for any other media link."""
    world = world_of(request)
    path: str = request.path_params["path"]
    if path.startswith("render/"):
        record = world.renders.get(path.removeprefix("render/").removesuffix(".mp4"))
        if record is None:
            raise SimError(404, "not found", render=True)
        advance(record, world.clock())
        return _mp4(record)
    seconds = 10
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem.rsplit("_", 1)[-1].removesuffix("s").isdigit() and stem.endswith("s"):
        seconds = int(stem.rsplit("_", 1)[-1].removesuffix("s"))
    clip = await world.media.clip(*world.config.canvas, seconds * 1000)
    return FileResponse(clip, media_type="video/mp4")
