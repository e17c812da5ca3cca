"""Test helpers that speak the simulator's wire: auth headers, SSE frame collection, MP4 probing."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg

ATTRIBUTION = {"X-Skill-Source": "nemo-video", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "console"}


@dataclass(frozen=True, slots=True)
class Account:
    """An anonymous account on the simulator with one session."""

    token: str
    user_id: str
    session_id: str
    task_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Bearer plus attribution headers."""
        return {"Authorization": f"Bearer {self.token}", **ATTRIBUTION}


async def new_account(client: httpx.AsyncClient, client_id: str = "test-client", language: str = "en") -> Account:
    """Get an anonymous token and create a session."""
    reply = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    data = reply.json()["data"]
    headers = {"Authorization": f"Bearer {data['token']}", **ATTRIBUTION}
    body = {"task_name": "project", "language": language}
    made = await client.post("/api/tasks/me/with-session/nemo_agent", json=body, headers=headers)
    session = made.json()["data"]
    return Account(data["token"], data["user_id"], session["session_id"], session["task_id"])


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE frame: its raw text, the event name, and the parsed JSON data (None when not JSON)."""

    raw: str
    event: str | None
    data: str | None
    json: Any

    @property
    def is_keepalive(self) -> bool:
        """A comment, empty data, heartbeat JSON or heartbeat event."""
        return (
            self.raw.startswith(":")
            or self.event == "heartbeat"
            or (self.data is not None and not self.data.strip())
            or self.json == {"type": "heartbeat"}
        )


def parse_frames(text: str) -> list[Frame]:
    """Split an SSE body into frames (LF-separated blocks)."""
    frames = []
    for block in text.split("\n\n"):
        if not block:
            continue
        event, data_lines = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data_lines.append(line[5:].removeprefix(" "))
        data = "\n".join(data_lines) if data_lines else None
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        frames.append(Frame(block, event, data, parsed))
    return frames


def run_body(account: Account, text: str) -> dict[str, Any]:
    """A documented snake_case /run_sse body."""
    return {"app_name": "nemo_agent", "user_id": "me", "session_id": account.session_id,
            "new_message": {"parts": [{"text": text}]}}


async def run_turn(client: httpx.AsyncClient, account: Account, text: str) -> tuple[httpx.Response, list[Frame]]:
    """Send one message and read the whole stream."""
    reply = await client.post("/run_sse", json=run_body(account, text), headers=account.headers)
    return reply, parse_frames(reply.text)


def events(frames: list[Frame]) -> list[dict[str, Any]]:
    """The JSON event frames (keepalives dropped)."""
    return [f.json for f in frames if not f.is_keepalive and isinstance(f.json, dict)]


def texts(frames: list[Frame]) -> list[str]:
    """Visible (non-thought) text parts, in order."""
    out = []
    for event in events(frames):
        for part in (event.get("content") or {}).get("parts", []):
            if "text" in part and not part.get("thought"):
                out.append(part["text"])
    return out


def part_kinds(event: dict[str, Any]) -> list[str]:
    """The kinds of parts in an event (text, thought, functionCall, functionResponse)."""
    kinds = []
    for part in (event.get("content") or {}).get("parts", []):
        kinds.append("thought" if part.get("thought") else next(k for k in part if k != "thoughtSignature"))
    return kinds


async def state_of(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    """The session's state."""
    reply = await client.get(f"/api/state/nemo_agent/me/{account.session_id}/latest", headers=account.headers)
    state: dict[str, Any] = reply.json()["data"]["state"]
    return state


async def configure(client: httpx.AsyncClient, **patch: Any) -> dict[str, Any]:
    """POST /__sim/config."""
    reply = await client.post("/__sim/config", json=patch)
    assert reply.status_code == 200, reply.text
    config: dict[str, Any] = reply.json()
    return config


@dataclass(frozen=True, slots=True)
class Probe:
    """What ffmpeg says about a media file."""

    ok: bool
    seconds: float | None
    width: int | None
    height: int | None
    codec: str | None


async def probe(path: Path) -> Probe:
    """Decode the whole file with ffmpeg (ffprobe is not shipped) and read duration, size and codec."""
    proc = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _, err = await proc.communicate()
    log = err.decode(errors="replace")
    duration = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", log)
    stream = re.search(r"Stream #0:0.*?Video: (\w+).*?, (\d{2,5})x(\d{2,5})", log)
    seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else None
    return Probe(
        ok=proc.returncode == 0 and "Invalid data" not in log,
        seconds=seconds,
        width=int(stream[2]) if stream else None,
        height=int(stream[3]) if stream else None,
        codec=stream[1] if stream else None,
    )


async def upload(client: httpx.AsyncClient, account: Account, name: str, data: bytes) -> dict[str, Any]:
    """Upload one file (multipart `files`); the file's entry in the answer."""
    reply = await client.post(f"/api/upload-video/nemo_agent/me/{account.session_id}",
                              files={"files": (name, data, "application/octet-stream")}, headers=account.headers)
    item: dict[str, Any] = reply.json()["data"]["files"][0]
    return item


async def credits_of(client: httpx.AsyncClient, account: Account) -> int:
    """The available credits."""
    reply = await client.get("/api/credits/balance/simple", headers=account.headers)
    available: int = reply.json()["data"]["available"]
    return available


async def export(client: httpx.AsyncClient, account: Account, render_id: str, folder: Path) -> Path:
    """Render the session's current draft, as the bot's export does, and download the MP4 into `folder`."""
    draft = (await state_of(client, account))["draft"]
    body = {"id": render_id, "sessionId": account.session_id, "draft": draft}
    submitted = await client.post("/api/render/proxy/lambda", json=body, headers=account.headers)
    assert submitted.json()["success"] is True, submitted.text
    async with asyncio.timeout(20):
        while True:
            data = (await client.get(f"/api/render/proxy/lambda/{render_id}", headers=account.headers)).json()["data"]
            if data["status"] == "completed":
                break
            assert data["status"] in ("pending", "processing"), data
            await asyncio.sleep(0.02)
    target = folder / f"{render_id}.mp4"
    target.write_bytes((await client.get(data["outputUrl"])).content)
    return target
