"""A fake Discord gateway (websocket): HELLO, IDENTIFY -> READY and GUILD_CREATE, heartbeat ACKs, then whatever
events a test dispatches. Only the startup test needs it; the rest feed payloads to the client's parser."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord_bot.fake_discord import APP_ID, BOT_USER


class FakeGateway:
    """Speaks the gateway's JSON frames (uncompressed text frames, which discord.py accepts)."""

    def __init__(self, guilds: list[dict[str, Any]]) -> None:
        self.guilds = guilds
        self.identify: dict[str, Any] | None = None
        self.identifies: list[dict[str, Any]] = []  # every connection's IDENTIFY, in order (one per shard)
        self.query: dict[str, str] = {}
        self.identified = asyncio.Event()
        self._socket: web.WebSocketResponse | None = None
        self._seq = 0

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One gateway connection."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.query = dict(request.query)
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                break
            message = json.loads(frame.data)
            if message["op"] == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif message["op"] == 2:
                await self._ready(socket, message["d"])
        return socket

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one event to the connected client."""
        assert self._socket is not None
        self._seq += 1
        await self._socket.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _ready(self, socket: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        self.identify = identify
        self.identifies.append(identify)
        self._socket = socket
        await self.dispatch("READY", {
            "v": 10, "user": BOT_USER, "session_id": "session", "resume_gateway_url": "ws://127.0.0.1:9/",
            "guilds": [{"id": guild["id"], "unavailable": True} for guild in self.guilds],
            "application": {"id": str(APP_ID), "flags": 0}, "shard": identify.get("shard", [0, 1]),
        })
        for guild in self.guilds:
            await self.dispatch("GUILD_CREATE", guild)
        self.identified.set()


def guild(guild_id: int, channels: list[dict[str, Any]], threads: list[dict[str, Any]], *, tier: int = 0,
          locale: str = "en-US") -> dict[str, Any]:
    """A GUILD_CREATE payload."""
    return {
        "id": str(guild_id), "name": "team", "icon": None, "owner_id": "1", "afk_timeout": 300,
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                   "hoist": False, "managed": False, "mentionable": False}],
        "emojis": [], "stickers": [], "features": [], "mfa_level": 0, "premium_tier": tier,
        "preferred_locale": locale, "member_count": 2, "members": [], "channels": channels, "threads": threads,
        "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "large": False, "unavailable": False, "joined_at": "2025-01-01T00:00:00+00:00", "nsfw_level": 0,
    }
