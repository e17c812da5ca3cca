"""Real Bot API update JSON, numbered the way Telegram numbers it, with entities computed like Telegram does."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.telegram.fake_api import BOT_USER

ADA: dict[str, Any] = {"id": 7001, "is_bot": False, "first_name": "Ada", "last_name": "Lovelace", "language_code": "en"}
LIN: dict[str, Any] = {"id": 7002, "is_bot": False, "first_name": "林", "language_code": "zh-hans"}
BOB: dict[str, Any] = {"id": 7003, "is_bot": False, "first_name": "Bob"}  # no language_code: some clients send none
GROUP: dict[str, Any] = {"id": -1001234567890, "type": "supergroup", "title": "Film club", "is_forum": True}
_MENTION = re.compile(r"@\w+")


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat with `user`."""
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, with UTF-16 offsets."""
    found: list[dict[str, Any]] = []
    command = re.match(r"/\w+(@\w+)?", text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": _units(command.group(0))})
    for match in _MENTION.finditer(text):
        if command and match.start() < command.end():
            continue
        found.append({"type": "mention", "offset": _units(text[: match.start()]), "length": _units(match.group(0))})
    return found


@dataclass(slots=True)
class Updates:
    """Makes updates and messages; ids increase like Telegram's."""

    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def message(
        self, *, user: dict[str, Any] = ADA, chat: dict[str, Any] | None = None, text: str | None = None,
        caption: str | None = None, thread: int | None = None, reply_to: dict[str, Any] | None = None,
        album: str | None = None, **media: Any,
    ) -> dict[str, Any]:
        """A message dict; `media` holds photo=[...], video={...}, document={...}, voice={...} and so on."""
        message: dict[str, Any] = {
            "message_id": next(self.message_ids), "date": int(time.time()), "from": user,
            "chat": chat or private_chat(user), **media,
        }
        if text is not None:
            message["text"] = text
            if found := entities(text):
                message["entities"] = found
        if caption is not None:
            message["caption"] = caption
            if found := entities(caption):
                message["caption_entities"] = found
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if album is not None:
            message["media_group_id"] = album
        return message

    def of(self, message: dict[str, Any], kind: str = "message") -> dict[str, Any]:
        """An update carrying `message` (kind: message or edited_message)."""
        return {"update_id": next(self.update_ids), kind: message}

    def text(self, text: str, **options: Any) -> dict[str, Any]:
        """An update with a text message."""
        return self.of(self.message(text=text, **options))

    def button(self, data: str, on: dict[str, Any], user: dict[str, Any] = ADA) -> dict[str, Any]:
        """A press of an inline button under the bot's message `on`."""
        query = {"id": f"cb{next(self.update_ids)}", "from": user, "chat_instance": "ci-1", "data": data,
                 "message": on}
        return {"update_id": next(self.update_ids), "callback_query": query}


def photo_sizes(file_id: str, size: int = 2048) -> list[dict[str, Any]]:
    """A photo in three sizes, smallest first, as Telegram sends them."""
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": f"u{file_id}-s", "width": 90, "height": 90, "file_size": 100},
        {"file_id": f"{file_id}-m", "file_unique_id": f"u{file_id}-m", "width": 320, "height": 320,
         "file_size": 900},
        {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280, "height": 1280, "file_size": size},
    ]


def bot_message(message_id: int, chat: dict[str, Any], text: str = "✅ Done.") -> dict[str, Any]:
    """A message the bot itself sent (for replies and button presses)."""
    return {"message_id": message_id, "date": int(time.time()), "from": BOT_USER, "chat": chat, "text": text}
