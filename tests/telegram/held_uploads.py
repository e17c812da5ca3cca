"""An ASGI wrapper for the fake Bot API that holds each sendVideo's body for a while before the fake reads it, so an
upload is under way (sent, not yet received) long enough for a test to kill its sender; and who is sending one.

A sender killed while its upload is held leaves a closed connection: the fake then reads a disconnect, not the
body, and records no video, as Telegram would receive none.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(slots=True)
class HeldUploads:
    """Wraps `app`; `uploading` maps each held upload's client port (its sender's end of the connection) to 1."""

    app: ASGIApp
    hold: float
    uploading: dict[int, int] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the first read of a sendVideo's body; pass everything else through."""
        if scope["type"] != "http" or not str(scope["path"]).endswith("/sendVideo"):
            with contextlib.suppress(ClientDisconnect):  # a killed sender's call: nobody to answer
                await self.app(scope, receive, send)
            return
        port = int(scope["client"][1]) if scope.get("client") else 0
        first = True

        async def held() -> Message:
            nonlocal first
            if first:
                first = False
                self.uploading[port] = 1
                try:
                    await asyncio.sleep(self.hold)
                finally:
                    self.uploading.pop(port, None)
            return await receive()

        with contextlib.suppress(ClientDisconnect):  # its sender was killed: nothing was received, nobody to answer
            await self.app(scope, held, send)


def owner_of(client_port: int, server_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the TCP connection from local `client_port` to `server_port` (Linux /proc), if any."""
    inode = _inode(client_port, server_port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        folder = Path(f"/proc/{pid}/fd")
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(folder / name) == wanted:
                    return pid
            except OSError:
                continue
    return None


def _inode(client_port: int, server_port: int) -> str | None:
    """The inode of the socket whose local port is `client_port` and remote port `server_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == client_port and int(remote.rsplit(":", 1)[1], 16) == server_port:
                return fields[9]
    return None
