"""Uploads: check type, size, content, local paths and links before any transfer, then stream files (or URLs) to
Nemo; refusals worded here."""

from __future__ import annotations

import asyncio
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.engine.config import ACCEPTED_EXTENSIONS, ACCEPTED_MIME, EngineConfig
from bot.engine.kinds import Kind, kind_of_extension, kinds, read_head
from bot.engine.links import Reach, host_of, reach
from bot.engine.messages import Attachment
from bot.engine.ports import Limits, NemoMedia
from bot.i18n import say
from bot.nemo.models import UploadedFile


@dataclass(frozen=True, slots=True)
class Checked:
    """Attachments split into those to upload and the reasons the others were refused."""

    accepted: tuple[Attachment, ...]
    refusals: tuple[str, ...]


def extension(name: str, mime_type: str | None = None) -> str | None:
    """The accepted extension for a file name (or its MIME type), or None."""
    return next(iter(_named(name, mime_type)), None)


def _named(name: str, mime_type: str | None) -> list[str]:
    """The accepted extensions a file's name and its MIME type give, the name's first."""
    found = [Path(name).suffix.lower().lstrip("."), ACCEPTED_MIME.get((mime_type or "").lower(), "")]
    return [suffix for suffix in found if suffix in ACCEPTED_EXTENSIONS]


class Screen(StrEnum):
    """What to do with a file before any transfer."""

    ACCEPT = "accept"
    UNSUPPORTED = "unsupported"  # not a type Nemo takes
    EMPTY = "empty"  # zero bytes
    NOT_VIDEO = "not_video"  # named as a video, but its first bytes are not one
    NOT_IMAGE = "not_image"
    NOT_AUDIO = "not_audio"
    UNREACHABLE = "unreachable"  # over what the platform lets a bot download
    TOO_BIG = "too_big"  # over what Nemo takes
    FAILED = "failed"  # the platform did not hand the file over
    UNREADABLE = "unreadable"  # fetched, but it would not convert to a form Nemo takes (a voice note)
    NOT_PLAIN = "not_plain"  # a local path that is a link, a folder or a device, not a regular file
    CANNOT_READ = "cannot_read"  # a file on disk this process may not read (or that is gone)
    SCHEME = "scheme"  # a link that is not http(s)
    PRIVATE = "private"  # a link to a private, loopback or link-local address, or localhost
    UNCLEAR = "unclear"  # a link whose host parsers read differently


# One catalogue key per reason a file is refused.
_REFUSALS = {
    Screen.UNSUPPORTED: "upload_unsupported",
    Screen.EMPTY: "upload_empty",
    Screen.NOT_VIDEO: "upload_not_video",
    Screen.NOT_IMAGE: "upload_not_image",
    Screen.NOT_AUDIO: "upload_not_audio",
    Screen.UNREACHABLE: "upload_unreachable",
    Screen.TOO_BIG: "upload_too_big",
    Screen.FAILED: "upload_fetch_failed",
    Screen.UNREADABLE: "upload_voice_failed",
    Screen.NOT_PLAIN: "upload_not_plain_file",
    Screen.CANNOT_READ: "upload_cannot_read",
    Screen.SCHEME: "upload_link_scheme",
    Screen.PRIVATE: "upload_link_private",
    Screen.UNCLEAR: "upload_link_unclear",
}
_LINK_SCREENS = {Reach.SCHEME: Screen.SCHEME, Reach.PRIVATE: Screen.PRIVATE, Reach.UNCLEAR: Screen.UNCLEAR}
_NOT_OF_KIND = {Kind.VIDEO: Screen.NOT_VIDEO, Kind.IMAGE: Screen.NOT_IMAGE, Kind.AUDIO: Screen.NOT_AUDIO}


class NotFetched(Exception):
    """An adapter could not fetch a file from its platform; `reason` says why, and the engine words it."""

    def __init__(self, reason: Screen) -> None:
        super().__init__(reason.value)
        self.reason = reason


def screen(
    name: str, mime_type: str | None, size: int | None, *, max_bytes: int, download_limit: int | None = None,
) -> Screen:
    """Accept or refuse a file from what the platform says about it (an unknown size is let through)."""
    if extension(name, mime_type) is None:
        return Screen.UNSUPPORTED
    if size == 0:
        return Screen.EMPTY
    if size is not None and download_limit is not None and size > download_limit:
        return Screen.UNREACHABLE
    if size is not None and size > max_bytes:
        return Screen.TOO_BIG
    return Screen.ACCEPT


def inspect(path: Path, name: str, mime_type: str | None, *, max_bytes: int) -> tuple[Screen, int]:
    """Judge a file on disk by its size now and its first bytes, which must be of the kind its name or its MIME type
    says; returns the verdict and the size (blocking: call it in a thread)."""
    try:
        size = path.stat().st_size
        head = read_head(path) if 0 < size <= max_bytes else b""
    except OSError:
        return Screen.CANNOT_READ, 0
    if size == 0:
        return Screen.EMPTY, size
    if size > max_bytes:
        return Screen.TOO_BIG, size
    # Either will do: a platform may name a file after what it was (Telegram sends a GIF as an MP4 named cat.gif).
    expected = [kind for kind in map(kind_of_extension, _named(name, mime_type)) if kind is not None]
    if not expected:
        return Screen.UNSUPPORTED, size
    found = kinds(head)
    return (Screen.ACCEPT if any(kind in found for kind in expected) else _NOT_OF_KIND[expected[0]]), size


def url_name(url: str) -> str:
    """The file name a link's path ends in, decoded: `clip.mp4` for `https://x/a/clip.mp4?sig=abc#t=3`."""
    try:
        path = urlsplit(url).path
    except ValueError:  # a host parsers cannot read; the link is refused by its host
        path = url.split("#", 1)[0].split("?", 1)[0]
    return unquote(path).rsplit("/", 1)[-1]


def media_urls(urls: Sequence[str]) -> list[str]:
    """The URLs whose path (never their query or fragment) names an accepted media file."""
    return [url for url in urls if extension(url_name(url))]


def check(attachments: Sequence[Attachment], config: EngineConfig, locale: str, limits: Limits) -> Checked:
    """Refuse wrong types, empty and oversize files, files whose first bytes are not what their name says, files
    the platform would not hand over, local paths that are not plain files and links that must not leave the bot,
    before any transfer (it reads the start of files already on disk: call it in a thread)."""
    accepted: list[Attachment] = []
    refusals: list[str] = []
    for item in attachments:
        verdict = _verdict(item, config, limits)
        if verdict is Screen.ACCEPT:
            accepted.append(item)
        else:
            refusals.append(
                refusal(verdict, item.name, item.size, config=config, limits=limits, locale=locale, url=item.url)
            )
    return Checked(tuple(accepted), tuple(refusals))


def _verdict(item: Attachment, config: EngineConfig, limits: Limits) -> Screen:
    if item.fetch_failed:
        return Screen.FAILED
    if item.path is not None and not _plain_file(item.path):
        return Screen.NOT_PLAIN
    if item.url is not None and item.path is None and item.save_to is None:
        found = reach(item.url, allow_private=config.allow_private_urls)
        if found is not Reach.PUBLIC:
            return _LINK_SCREENS[found]
    declared = screen(
        item.name, item.mime_type, item.size, max_bytes=config.max_upload_bytes, download_limit=limits.download_bytes,
    )
    if declared is not Screen.ACCEPT or item.path is None:
        return declared
    return inspect(item.path, item.name, item.mime_type, max_bytes=config.max_upload_bytes)[0]


def _plain_file(path: Path) -> bool:
    """A regular file, itself: a link is not followed (it could point at anything this process may read)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def refusal(
    verdict: Screen, name: str, size: int | None, *, config: EngineConfig, limits: Limits, locale: str,
    url: str | None = None,
) -> str:
    """Why a file is refused and what to send instead, in the user's language."""
    # Without a size, the platform said the file is too big without saying how big.
    key = "upload_unreachable_unknown" if verdict is Screen.UNREACHABLE and size is None else _REFUSALS[verdict]
    return say(
        key, locale, name=name, size_mb=(size or 0) / 1e6, limit_mb=config.max_upload_mb,
        download_mb=(limits.download_bytes or 0) / 1e6, platform=limits.platform_name,
        host=host_of(url or "") or url, link=url or name, schemes="http(s)://",
    )


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

    async def upload(
        self, session_id: str, items: Sequence[Attachment], locale: str, limits: Limits,
    ) -> list[UploadedFile]:
        """Upload local and downloadable attachments in one call, and URL attachments in another."""
        urls = [item.url for item in items if item.url and item.path is None and item.save_to is None]
        local = [item for item in items if item.path is not None or item.save_to is not None]
        uploaded: list[UploadedFile] = []
        if local:
            uploaded += await self._upload_local(session_id, local, locale, limits)
        if urls:
            uploaded += await self._nemo.upload_urls(session_id, urls)
        return uploaded

    async def _upload_local(
        self, session_id: str, items: Sequence[Attachment], locale: str, limits: Limits,
    ) -> list[UploadedFile]:
        self._config.workdir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="upload-", dir=self._config.workdir))
        try:
            paths: list[Path] = []
            for index, item in enumerate(items):
                try:
                    paths.append(await self._materialize(item, scratch, index))
                except NotFetched as exc:
                    raise UploadRefused(self._refusal(exc.reason, item, item.size, limits, locale)) from exc
                # What a platform declares is checked before the download; what arrived is checked here.
                verdict, size = await asyncio.to_thread(
                    inspect, paths[-1], item.name, item.mime_type, max_bytes=self._config.max_upload_bytes,
                )
                if verdict is not Screen.ACCEPT:
                    raise UploadRefused(self._refusal(verdict, item, size, limits, locale))
            return await self._nemo.upload_files(session_id, paths)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _refusal(self, verdict: Screen, item: Attachment, size: int | None, limits: Limits, locale: str) -> str:
        return refusal(verdict, item.name, size, config=self._config, limits=limits, locale=locale)

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
