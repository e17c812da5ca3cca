"""`POST /api/upload-video/nemo_agent/{uid}/{sid}`: multipart `files` (streamed, never held) or JSON URLs."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response

from bot.nemo.wire import ErrorCode
from nemo_sim import drafts
from nemo_sim.account import json_object, ok, world_of
from nemo_sim.errors import SimError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

ALLOWED = {
    **dict.fromkeys(("mp4", "mov", "avi", "webm", "mkv"), "video"),
    **dict.fromkeys(("jpg", "png", "gif", "webp"), "image"),
    **dict.fromkeys(("mp3", "wav", "m4a", "aac"), "audio"),
}
# Fixed media facts: the simulator does not probe what it receives.
INFO: dict[str, dict[str, Any]] = {
    "video": {"duration": 10.0, "width": 1920, "height": 1080, "fps": 30},
    "image": {"duration": None, "width": 1080, "height": 1080, "fps": None},
    "audio": {"duration": 30.0, "width": None, "height": None, "fps": None},
}
MB = 1_000_000  # as the documented limit counts (and the bot)


@dataclass(slots=True)
class _Part:
    name: str
    filename: str | None
    size: int = 0
    digest: Any = field(default_factory=hashlib.md5)


class MultipartCounter:
    """Parses a multipart body chunk by chunk, keeping each part's name, filename, size and md5 only."""

    def __init__(self, boundary: bytes) -> None:
        self.parts: list[_Part] = []
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[str, str] = {}
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
        }
        self._parser = MultipartParser(boundary, callbacks)

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("utf-8", errors="replace")
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        filename = params.get(b"filename")
        name = params.get(b"name", b"").decode("utf-8", errors="replace")
        self.parts.append(_Part(name, filename.decode("utf-8", errors="replace") if filename is not None else None))

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        part.size += end - start
        part.digest.update(data[start:end])

    def write(self, chunk: bytes) -> None:
        """Feed the next chunk of the body."""
        self._parser.write(chunk)


async def _read_multipart(request: Request) -> list[_Part]:
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    counter = MultipartCounter(boundary) if boundary else None
    failed = counter is None
    async for chunk in request.stream():
        if counter is not None and not failed and chunk:
            try:
                counter.write(chunk)
            except MultipartParseError:
                failed = True  # keep draining, so the client can read the answer
    if counter is None or failed:
        raise SimError(400, "Malformed multipart body")
    return [part for part in counter.parts if part.name == "files" and part.filename is not None]


def _kind(filename: str) -> str:
    ext = posixpath.splitext(filename)[1].lower().lstrip(".")
    kind = ALLOWED.get(ext)
    if kind is None:
        message = f"Unsupported file type: .{ext or '?'} (allowed: {', '.join(ALLOWED)})"
        raise SimError(ErrorCode.UNSUPPORTED_FILE_TYPE, message)
    return kind


def _item(base: str, filename: str, kind: str, digest: str) -> dict[str, Any]:
    cdn_url = f"{base}/cdn/{digest}/{quote(filename)}"
    return {"filename": filename, "file_type": kind, "cdn_url": cdn_url, **INFO[kind], "hash": digest}


def _from_urls(body: dict[str, Any], base: str) -> list[dict[str, Any]]:
    urls = body.get("urls")
    if body.get("source_type", "url") != "url" or not isinstance(urls, list) or not urls:
        raise SimError(400, 'Expected {"urls": [...], "source_type": "url"}')
    items = []
    for url in urls:
        parsed = urlsplit(str(url))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SimError(400, f"Not an http(s) URL: {url}")
        filename = posixpath.basename(unquote(parsed.path)) or "download"
        items.append(_item(base, filename, _kind(filename), hashlib.md5(str(url).encode()).hexdigest()))
    return items


def _from_parts(parts: list[_Part], base: str, limit_mb: float) -> list[dict[str, Any]]:
    if not parts:
        raise SimError(400, "No files in field 'files'")
    items = []
    for part in parts:
        filename = posixpath.basename((part.filename or "").replace("\\", "/")) or "upload"
        kind = _kind(filename)
        if part.size > limit_mb * MB:
            message = f"File too large: {filename} is {part.size / MB:.1f} MB (limit {limit_mb:g} MB)"
            raise SimError(ErrorCode.FILE_TOO_LARGE, message)
        items.append(_item(base, filename, kind, part.digest.hexdigest()))
    return items


async def upload(request: Request) -> Response:
    """Check auth and session, read the whole body (streamed), validate, and add the files to the state."""
    world = world_of(request)
    auth_error: SimError | None = None
    try:
        user = world.authenticate(request.headers.get("authorization"))
        session = world.find_session(request.path_params["sid"], user, request.path_params["uid"])
    except SimError as exc:
        auth_error = exc  # answered after the body is drained, so large uploads see the error, not a reset
    base = str(request.base_url).rstrip("/")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        parts = await _read_multipart(request)
        if auth_error:
            raise auth_error
        items = _from_parts(parts, base, world.config.max_upload_mb)
    elif content_type.startswith("application/json") or not content_type:
        body = await json_object(request)
        if auth_error:
            raise auth_error
        items = _from_urls(body, base)
    else:
        async for _ in request.stream():
            pass
        raise auth_error or SimError(400, "Expected multipart/form-data or application/json")
    for item in items:
        info = {key: item[key] for key in ("duration", "width", "height", "fps", "hash")}
        entry = drafts.media_item(item["cdn_url"], item["filename"], item["file_type"], info)
        session.state["video_infos"].append(entry)
        session.uploads.append(entry)  # the next edit or generation builds its timeline from it
    return ok({"files": items, "session_state_applied": True})
