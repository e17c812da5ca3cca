"""A fake Telegram Bot API server on 127.0.0.1: PTB's own request layer talks to it over real HTTP.

It keeps what a user would see (each chat's messages, their visible text after HTML parsing, edits, videos),
parses HTML as strictly as Telegram (an unescaped `<` or `&` fails the send), enforces the length limits,
refuses no-op edits with Telegram's own error, serves getUpdates (long polling) and file downloads, and lets a
test inject failures (429 with retry_after, 413 as nginx's HTML page, 400s) and slow answers, hold a call (its body
received but never taken, as an upload cut off mid-way; or taken and never answered), upgrade a group to a supergroup
(every call to the old id answers ChatMigrated) or close a chat to the bot (403 Forbidden).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.telegram.fake_html import ApiError, units, visible

TOKEN = "123456:TEST-fake-token-for-the-bot-api-0123456789"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Nemo", "username": "nemo_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters PTB sends as raw strings; every other value is JSON-encoded.
_STRINGS = {"text", "caption", "parse_mode", "action", "url", "secret_token", "language_code", "callback_query_id",
            "file_id", "video", "thumbnail", "photo"}
MAX_DOWNLOAD = 20_000_000


@dataclass(slots=True)
class Upload:
    """A file part of a multipart call."""

    filename: str | None
    content: bytes

    @property
    def size(self) -> int:
        """Bytes received."""
        return len(self.content)


@dataclass(slots=True)
class Call:
    """One Bot API call as received."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    at: float


@dataclass(slots=True)
class Shown:
    """One message in a chat as the user sees it."""

    chat_id: int
    message_id: int
    kind: str  # text | video | photo
    text: str
    markup: dict[str, Any] | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    edits: list[str] = field(default_factory=list)
    video: dict[str, Any] = field(default_factory=dict)
    photo: bytes = b""  # the picture a photo message shows

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass(slots=True)
class Fault:
    """A canned failure for the next calls of one method."""

    status: int
    body: dict[str, Any] | str
    times: int = 1


@dataclass(slots=True)
class FakeFile:
    """A file people sent, as getFile and the download endpoint know it."""

    file_id: str
    content: bytes
    size: int
    path: str


class FakeBotApi:
    """The fake server's state and its Starlette app."""

    def __init__(self, token: str = TOKEN, local_dir: Path | None = None) -> None:
        self.token = token
        # Like `telegram-bot-api --local`: files are paths on a shared disk, no 20 MB getFile limit.
        self.local_dir = local_dir
        self.calls: list[Call] = []
        self.shown: dict[tuple[int, int], Shown] = {}
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        self.delays: dict[str, float] = {}
        self.files: dict[str, FakeFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.migrated: dict[int, int] = {}  # group id -> its supergroup's id
        self.closed: dict[int, str] = {}  # chat id -> why the bot may not post there
        self.holds: dict[str, bool] = {}  # method -> whether its held call is taken (shown) before the hold
        self.released = asyncio.Event()
        # Set (and replaced) when an update arrives. Not a Condition: a long poll timing out mid-wait on a Condition
        # can leave its lock in a broken state on Python 3.11, and every later push then waits for ever.
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1000)

    # --- what tests arrange -----------------------------------------------------------------------------------
    def fail(self, method: str, status: int, description: str = "", *, retry_after: int | None = None,
             html: bool = False, times: int = 1) -> None:
        """The next `times` calls of `method` fail like Telegram (or nginx, with `html`) would."""
        body: dict[str, Any] | str
        if html:
            body = f"<html><head><title>{status}</title></head><body>{description}</body></html>"
        else:
            body = {"ok": False, "error_code": status, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
        self.faults[method].append(Fault(status, body, times))

    def hold(self, method: str, *, taken: bool) -> None:
        """The next call of `method` gets no answer until `release()`: not taken at all (an upload the client never
        finished: nothing is shown), or, with `taken`, done and shown first (the answer lost on the way back)."""
        self.holds[method] = taken

    def release(self) -> None:
        """Let held calls end (their client is gone by then: what they answer does not matter)."""
        self.released.set()

    def add_file(self, file_id: str, content: bytes, *, size: int | None = None, name: str = "file") -> None:
        """A file getFile can describe (with `size` as Telegram reports it) and the file endpoint serves."""
        path = f"documents/{name}"
        if self.local_dir is not None:
            self.local_dir.mkdir(parents=True, exist_ok=True)
            local = self.local_dir / f"{file_id}-{name}"
            local.write_bytes(content)
            path = str(local)
        self.files[file_id] = FakeFile(file_id, content, len(content) if size is None else size, path)

    def migrate(self, group_id: int, supergroup_id: int) -> None:
        """The group became a supergroup: calls to its old id fail with `migrate_to_chat_id`, as Telegram's do."""
        self.migrated[group_id] = supergroup_id

    def close(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """The user blocked the bot (or it was removed from the group): every call for the chat gets 403."""
        self.closed[chat_id] = description

    async def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self.updates.append(update)
        self._arrived.set()
        self._arrived = asyncio.Event()

    # --- what tests read --------------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        """Every call of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def chat(self, chat_id: int) -> list[Shown]:
        """The chat's messages in order."""
        return sorted((m for m in self.shown.values() if m.chat_id == chat_id), key=lambda m: m.message_id)

    def texts(self, chat_id: int) -> list[str]:
        """The visible text of every message in a chat (captions for videos)."""
        return [m.text for m in self.chat(chat_id)]

    def videos(self, chat_id: int) -> list[Shown]:
        """The videos posted in a chat."""
        return [m for m in self.chat(chat_id) if m.kind == "video"]

    # --- the server -------------------------------------------------------------------------------------------
    def app(self) -> Starlette:
        """The ASGI app: /bot<token>/<method> and /file/bot<token>/<path>."""
        return Starlette(routes=[
            Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])

    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        params, files = await _read(request)
        self.calls.append(Call(method, params, files, time.monotonic()))
        refused = self._chat_refusal(params.get("chat_id"))
        if refused is not None:
            return JSONResponse(refused, refused["error_code"])
        fault = self._take_fault(method)
        if fault is not None:
            if isinstance(fault.body, str):
                return Response(fault.body, fault.status, media_type="text/html")
            return JSONResponse(fault.body, fault.status)
        taken = self.holds.pop(method, None)
        if taken is False:
            await self.released.wait()
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: upload cut off"}, 400)
        handler = getattr(self, f"_do_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found: method not found"}, 404)
        try:
            result = await handler(params, files)
        except ApiError as exc:
            return JSONResponse({"ok": False, "error_code": exc.code, "description": exc.description}, exc.code)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])  # done already, answered late (as after a slow upload)
        if taken:
            await self.released.wait()  # done already, never answered before the client is gone
        return JSONResponse({"ok": True, "result": result})

    def _chat_refusal(self, chat_id: Any) -> dict[str, Any] | None:
        """Telegram's answer for a chat that moved or is closed to the bot; None for any other chat."""
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return None
        if chat in self.migrated:
            return {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a "
                    "supergroup chat", "parameters": {"migrate_to_chat_id": self.migrated[chat]}}
        if chat in self.closed:
            return {"ok": False, "error_code": 403, "description": self.closed[chat]}
        return None

    def _take_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        self.calls.append(Call("download", {"path": path}, {}, time.monotonic()))
        for item in self.files.values():
            if item.path == path:
                return Response(item.content, media_type="application/octet-stream")
        return Response(status_code=404)

    # --- Bot API methods --------------------------------------------------------------------------------------
    async def _do_getMe(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return BOT_USER

    async def _do_setMyCommands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _do_deleteWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _do_setWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _do_sendChatAction(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _do_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _do_getUpdates(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 2.0)

        def ready() -> list[dict[str, Any]]:
            return [u for u in self.updates if u["update_id"] >= offset]

        arrived = self._arrived  # taken before any await, so an update pushed from here on wakes this poll
        if not ready() and wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), wait)
        return ready()

    async def _do_getFile(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        item = self.files.get(str(params["file_id"]))
        if item is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if item.size > MAX_DOWNLOAD and self.local_dir is None:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": item.file_id, "file_unique_id": f"u-{item.file_id}", "file_size": item.size,
                "file_path": item.path}

    async def _do_sendMessage(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        text = visible(str(params["text"]), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if units(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        shown = self._new(params, "text", text)
        return self._message(shown)

    async def _do_editMessageText(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        shown = self.shown.get((int(params["chat_id"]), int(params["message_id"])))
        if shown is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if shown.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = visible(str(params["text"]), params.get("parse_mode"))
        if units(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if text == shown.text and markup == shown.markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        shown.text = text
        shown.markup = markup
        shown.edits.append(text)
        return self._message(shown)

    async def _do_sendVideo(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        caption = visible(str(params.get("caption") or ""), params.get("parse_mode"))
        if units(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        upload = files.get("video") or _local_upload(params.get("video"), self.local_dir)
        shown = self._new(params, "video", caption)
        shown.video = {
            "width": params.get("width"), "height": params.get("height"), "duration": params.get("duration"),
            "supports_streaming": params.get("supports_streaming"), "size": upload.size if upload else None,
            "filename": upload.filename if upload else None, "content": upload.content if upload else b"",
            "thumbnail": _thumbnail(files, params, self.local_dir),
        }
        return self._message(shown)

    async def _do_sendPhoto(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        caption = visible(str(params.get("caption") or ""), params.get("parse_mode"))
        if units(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        upload = files.get("photo")
        if upload is None or not upload.content:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        shown = self._new(params, "photo", caption)
        shown.photo = upload.content
        return self._message(shown)

    async def _do_editMessageCaption(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        shown = self.shown.get((int(params["chat_id"]), int(params["message_id"])))
        if shown is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if shown.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = visible(str(params.get("caption") or ""), params.get("parse_mode"))
        if units(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = params.get("reply_markup")  # an edit without one takes the buttons away, as Telegram does
        if caption == shown.text and markup == shown.markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        shown.text = caption
        shown.markup = markup
        shown.edits.append(caption)
        return self._message(shown)

    async def _do_editMessageMedia(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        """Bot API 10: a text message may become a photo (its text replaced by the media's caption)."""
        shown = self.shown.get((int(params["chat_id"]), int(params["message_id"])))
        if shown is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        media = params["media"]
        reference = str(media.get("media", ""))
        upload = files.get(reference.removeprefix("attach://"))
        if media.get("type") != "photo" or upload is None:
            raise ApiError(400, "Bad Request: wrong media")
        shown.kind = "photo"
        shown.photo = upload.content
        shown.text = visible(str(media.get("caption") or ""), media.get("parse_mode"))
        shown.markup = params.get("reply_markup")
        shown.edits.append(shown.text)
        return self._message(shown)

    def _new(self, params: dict[str, Any], kind: str, text: str) -> Shown:
        reply = params.get("reply_parameters") or {}
        shown = Shown(
            chat_id=int(params["chat_id"]), message_id=next(self._ids), kind=kind, text=text,
            markup=params.get("reply_markup"), thread_id=params.get("message_thread_id"),
            reply_to=reply.get("message_id"),
        )
        self.shown[(shown.chat_id, shown.message_id)] = shown
        return shown

    def _message(self, shown: Shown) -> dict[str, Any]:
        chat_type = ("supergroup" if shown.chat_id < -1_000_000_000_000 or shown.chat_id in self.migrated.values()
                     else "group" if shown.chat_id < 0 else "private")
        message: dict[str, Any] = {
            "message_id": shown.message_id, "date": int(time.time()), "from": BOT_USER,
            "chat": {"id": shown.chat_id, "type": chat_type},
        }
        if shown.kind == "photo":
            message["photo"] = [{"file_id": f"p{shown.message_id}", "file_unique_id": f"up{shown.message_id}",
                                 "width": 320, "height": 180}]
            message["caption"] = shown.text
        elif shown.kind == "video":
            message["video"] = {"file_id": f"v{shown.message_id}", "file_unique_id": f"uv{shown.message_id}",
                                "width": shown.video["width"] or 1, "height": shown.video["height"] or 1,
                                "duration": shown.video["duration"] or 1}
            message["caption"] = shown.text
        else:
            message["text"] = shown.text
        if shown.markup:
            message["reply_markup"] = shown.markup
        return message


def _thumbnail(files: dict[str, Upload], params: dict[str, Any], local_dir: Path | None) -> Upload | None:
    """The thumbnail part of a sendVideo: a multipart file, or a `file://` path for a local server."""
    return files.get("thumbnail") or _local_upload(params.get("thumbnail"), local_dir)


def _local_upload(reference: Any, local_dir: Path | None) -> Upload | None:
    """A `file://` path sent to a local server, read from the shared disk."""
    if local_dir is None or not str(reference).startswith("file://"):
        return None
    path = Path(unquote(urlsplit(str(reference)).path))
    return Upload(path.name, path.read_bytes())


async def _read(request: Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """The call's parameters, decoded as the Bot API decodes them, and its file parts."""
    params: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if request.method != "POST":
        return dict(request.query_params), files
    form = await request.form()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files[name] = Upload(value.filename, await value.read())
        elif name in _STRINGS:
            params[name] = value
        else:
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value
    await form.close()
    return params, files
