"""The client id anonymous tokens are issued for: checked, kept in the store and a file, replaced when refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path

from bot.nemo.wire import is_client_id
from bot.store.redis_store import RedisStore

log = logging.getLogger(__name__)

FILE_NAME = "client_id"  # inside NEMO_CONFIG_DIR, where the official tools keep theirs


def new_client_id() -> str:
    """A fresh client id (a UUID, as the API recommends)."""
    return str(uuid.uuid4())


class ClientIds:
    """The client id in use: the configured one, or one kept in the store and in `folder/client_id`."""

    def __init__(self, store: RedisStore, folder: str, configured: str | None = None) -> None:
        self._store = store
        self._file = Path(folder).expanduser() / FILE_NAME
        self._configured = configured
        self.current = configured or ""

    def __repr__(self) -> str:
        return f"ClientIds(current={self.current!r}, file={str(self._file)!r})"

    async def load(self) -> str:
        """The id to use: the configured one, else the stored one, else the file's, else a new one (kept in both).

        A stored or filed id of the wrong shape is replaced: the token endpoint would refuse it on every request.
        """
        if self._configured is None:
            stored = await self._store.get_client_id()
            if stored is not None and is_client_id(stored):
                self.current = stored
            elif stored is None:
                self.current = await self._store.put_client_id_if_absent(await self._from_file())
            else:
                log.warning("the stored client id is not a valid one; replacing it")
                self.current = await self._store.replace_client_id(stored, await self._from_file())
        return self.current

    async def renew(self, refused: str) -> str | None:
        """A new id in place of `refused`, kept in the store and the file; None for a configured id."""
        if self._configured is not None:
            # The setting is the operator's to change; replacing it here would hide the problem.
            log.error("the token endpoint refused NEMO_CLIENT_ID; set a different one, or unset it")
            return None
        self.current = await self._store.replace_client_id(refused, new_client_id())
        await asyncio.to_thread(self._write, self.current)
        return self.current

    async def _from_file(self) -> str:
        return await asyncio.to_thread(self._read_or_make)

    def _read_or_make(self) -> str:
        """The valid id in the file, or a new one written there first."""
        try:
            found = self._file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            found = ""
        if is_client_id(found):
            return found
        if found:
            log.warning("the client id in %s is not a valid one; replacing it", self._file)
        made = new_client_id()
        self._write(made)
        return made

    def _write(self, client_id: str) -> None:
        # A read-only config folder must not stop the bot: the store keeps the id all the same.
        with contextlib.suppress(OSError):
            self._file.parent.mkdir(parents=True, exist_ok=True)
            self._file.write_text(client_id + "\n", encoding="utf-8")
