"""Uploads: check type and size before any transfer, then stream files (or URLs) to Nemo."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlparse

from bot.engine.config import ACCEPTED_EXTENSIONS, ACCEPTED_MIME, EngineConfig
from bot.engine.messages import Attachment
from bot.engine.ports import NemoMedia
from bot.i18n import say
from bot.nemo.models import UploadedFile


@dataclass(frozen=True, slots=True)
class Checked:
    """Attachments split into those to upload and the reasons the others were refused."""

    accepted: tuple[Attachment, ...]
    refusals: tuple[str, ...]


def extension(name: str, mime_type: str | None = None) -> str | None:
    """The accepted extension for a file name (or its MIME type), or None."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ACCEPTED_EXTENSIONS:
        return suffix
    return ACCEPTED_MIME.get((mime_type or "").lower())


class Screen(StrEnum):
    """What to do with a file before any transfer."""

    ACCEPT = "accept"
    UNSUPPORTED = "unsupported"  # not a type Nemo takes
    UNREACHABLE = "unreachable"  # over what the platform lets a bot download
    TOO_BIG = "too_big"  # over what Nemo takes


def screen(
    name: str, mime_type: str | None, size: int | None, *, max_bytes: int, download_limit: int | None = None,
) -> Screen:
    """Accept or refuse a file from what the platform says about it (an unknown size is let through)."""
    if extension(name, mime_type) is None:
        return Screen.UNSUPPORTED
    if size is not None and download_limit is not None and size > download_limit:
        return Screen.UNREACHABLE
    if size is not None and size > max_bytes:
        return Screen.TOO_BIG
    return Screen.ACCEPT


def media_urls(urls: Sequence[str]) -> list[str]:
    """The URLs whose path names an accepted media file."""
    return [url for url in urls if extension(urlparse(url).path)]


def check(attachments: Sequence[Attachment], config: EngineConfig, locale: str) -> Checked:
    """Refuse wrong types and oversize files before anything is transferred."""
    accepted: list[Attachment] = []
    refusals: list[str] = []
    for item in attachments:
        verdict = screen(item.name, item.mime_type, item.size, max_bytes=config.max_upload_bytes)
        if item.refusal:
            refusals.append(item.refusal)
        elif verdict is Screen.UNSUPPORTED:
            refusals.append(say("upload_unsupported", locale, name=item.name))
        elif verdict is Screen.TOO_BIG:
            size_mb, limit_mb = (item.size or 0) / 1e6, config.max_upload_mb
            refusals.append(say("upload_too_big", locale, name=item.name, size_mb=size_mb, limit_mb=limit_mb))
        else:
            accepted.append(item)
    return Checked(tuple(accepted), tuple(refusals))


def describe(files: Sequence[UploadedFile], locale: str) -> str:
    """`clip.mp4 (video, 12s), logo.png (image)`."""
    return ", ".join(
        say("upload_item_timed", locale, name=item.filename, kind=item.file_type, seconds=item.duration)
        if item.duration else say("upload_item", locale, name=item.filename, kind=item.file_type)
        for item in files
    )


class Uploader:
    """Moves attachments from the chat to Nemo without holding them in memory."""

    def __init__(self, nemo: NemoMedia, config: EngineConfig) -> None:
        self._nemo = nemo
        self._config = config

    async def upload(self, session_id: str, items: Sequence[Attachment], locale: str) -> list[UploadedFile]:
        """Upload local and downloadable attachments in one call, and URL attachments in another."""
        urls = [item.url for item in items if item.url and item.path is None and item.save_to is None]
        local = [item for item in items if item.path is not None or item.save_to is not None]
        uploaded: list[UploadedFile] = []
        if local:
            uploaded += await self._upload_local(session_id, local, locale)
        if urls:
            uploaded += await self._nemo.upload_urls(session_id, urls)
        return uploaded

    async def _upload_local(self, session_id: str, items: Sequence[Attachment], locale: str) -> list[UploadedFile]:
        self._config.workdir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="upload-", dir=self._config.workdir))
        try:
            paths = [await self._materialize(item, scratch, index) for index, item in enumerate(items)]
            for item, path in zip(items, paths, strict=True):
                size = path.stat().st_size
                if size > self._config.max_upload_bytes:
                    limit_mb = self._config.max_upload_mb
                    raise UploadRefused(say("upload_too_big", locale, name=item.name, size_mb=size / 1e6,
                                            limit_mb=limit_mb))
            return await self._nemo.upload_files(session_id, paths)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    async def _materialize(self, item: Attachment, scratch: Path, index: int) -> Path:
        if item.path is not None:
            return item.path
        assert item.save_to is not None
        # Keep the original name: Nemo checks the extension, and the agent shows the name.
        folder = scratch / str(index)
        folder.mkdir()
        path = folder / Path(item.name).name
        await item.save_to(path)
        return path


class UploadRefused(Exception):
    """A file turned out to be unacceptable after it was fetched; the message says why."""
