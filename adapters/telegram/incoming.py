"""Telegram messages and button presses read as requests: who, where, what text, which files; None if not for us."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, MessageEntity, User

from adapters.telegram.commands import ADMIN_COMMANDS, COMMANDS
from adapters.telegram.options import PLATFORM
from bot.engine.messages import Action
from bot.engine.uploads import extension
from bot.i18n import resolve_locale, say
from bot.store.keys import ChatKey

# Commands answered in groups without a mention (privacy mode delivers these); /start comes from "Start".
GROUP_COMMANDS = frozenset(COMMANDS) | frozenset(ADMIN_COMMANDS) | {"start"}
_COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?", re.ASCII)
_ACTIONS = frozenset(action.value for action in Action)
_PRESS = re.compile(r"/(\w+) \w{1,32}", re.ASCII)


def _is_press(data: str) -> bool:
    """Callback data our buttons carry: an action's word, or `/action argument`."""
    found = _PRESS.fullmatch(data)
    return (found.group(1) if found else data) in _ACTIONS


@dataclass(frozen=True, slots=True)
class Me:
    """The bot itself, as getMe reported it."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file in a message, before anything is downloaded."""

    file_id: str
    name: str
    mime_type: str | None
    size: int | None
    voice: bool = False  # Opus voice notes are converted to m4a on download


@dataclass(frozen=True, slots=True)
class Request:
    """A message (or album, or button press) meant for the bot."""

    chat: ChatKey
    user_id: str
    user_name: str
    text: str
    files: tuple[FileRef, ...]
    locale: str
    message_id: str
    direct: bool
    reply_to: int | None


def locale_of(user: User | None) -> str:
    """The catalogue locale for the user's Telegram client language (`zh` for zh-hans, `en` when unknown)."""
    return resolve_locale(user.language_code if user else None)


def chat_key(chat: Chat, message: Message | None) -> ChatKey:
    """One session per chat, and per forum topic where topics are on."""
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    return ChatKey(PLATFORM, str(chat.id), str(thread) if thread is not None else None)


def read_messages(messages: Sequence[Message], me: Me) -> Request | None:
    """One message, or the parts of one album, as a request; None when a group message is not for the bot."""
    first = messages[0]
    chat = first.chat
    if chat.type not in (Chat.PRIVATE, Chat.GROUP, Chat.SUPERGROUP):
        return None
    direct = chat.type == Chat.PRIVATE
    text = next((m.text or m.caption for m in messages if m.text or m.caption), "") or ""
    if _command_for_someone_else(text, me):
        return None
    if not direct and not any(_addressed(m, me) for m in messages):
        return None
    files = tuple(ref for m in messages if (ref := file_of(m)) is not None)
    text = _without_mention(text, me) if not direct else text.strip()
    if not text and not files:
        return None
    user = first.from_user
    album = first.media_group_id
    locale = locale_of(user)
    return Request(
        chat=chat_key(chat, first),
        user_id=str(user.id) if user else str(chat.id),
        user_name=(user.full_name if user else chat.effective_name) or say("requester_unnamed", locale),
        text=text,
        files=files,
        locale=locale,
        message_id=f"album-{album}" if album else str(first.message_id),
        direct=direct,
        reply_to=None if direct else first.message_id,
    )


def read_callback(query: CallbackQuery) -> Request | None:
    """A button press as a request whose text is the action's value."""
    message = query.message
    if message is None or not _is_press(query.data or ""):
        return None
    chat = message.chat
    direct = chat.type == Chat.PRIVATE
    user = query.from_user
    locale = locale_of(user)
    return Request(
        chat=chat_key(chat, message if isinstance(message, Message) else None),
        user_id=str(user.id),
        user_name=user.full_name or say("requester_unnamed", locale),
        text=query.data or "",
        files=(),
        locale=locale,
        message_id=f"button-{query.id}",
        direct=direct,
        reply_to=None,
    )


def _command_for_someone_else(text: str, me: Me) -> bool:
    match = _COMMAND.match(text.strip())
    return bool(match and match.group(2) and match.group(2).lower() != me.username.lower())


def _addressed(message: Message, me: Me) -> bool:
    """A command of ours, a mention of the bot, or a reply to one of its messages."""
    text = message.text or message.caption or ""
    command = _COMMAND.match(text)
    if command and command.group(1).lower() in GROUP_COMMANDS:
        return True
    entities = (message.parse_entities if message.text else message.parse_caption_entities)(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    )
    for entity, value in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == me.id:
            return True
        if entity.type == MessageEntity.MENTION and value.lower() == f"@{me.username.lower()}":
            return True
    replied = message.reply_to_message
    # In forums every message "replies" to the topic's first message; that is not a reply to the bot.
    return bool(
        replied and replied.from_user and replied.from_user.id == me.id and replied.forum_topic_created is None
    )


def _without_mention(text: str, me: Me) -> str:
    """`@bot, make a video` -> `make a video`; a mention inside the sentence is just dropped."""
    mention = re.escape(me.username)
    cleaned = re.sub(rf"^\s*@{mention}\b[\s,:]*", "", text, flags=re.IGNORECASE)
    cleaned = re.sub(rf"\s*@{mention}\b", "", cleaned, flags=re.IGNORECASE)
    return cleaned.strip()


def file_of(message: Message) -> FileRef | None:
    """The one file a message carries (the largest size of a photo), or None."""
    mid = message.message_id
    if message.photo:
        best = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        return FileRef(best.file_id, f"photo_{mid}.jpg", "image/jpeg", best.file_size)
    if message.voice:
        voice = message.voice
        return FileRef(voice.file_id, f"voice_{mid}.m4a", "audio/mp4", voice.file_size, voice=True)
    media = message.video or message.animation or message.video_note or message.audio or message.document
    if media is None:
        return None
    mime = getattr(media, "mime_type", None) or ("video/mp4" if media is message.video_note else None)
    name = getattr(media, "file_name", None) or f"{_stem(message)}_{mid}.{extension('', mime) or 'mp4'}"
    return FileRef(media.file_id, name, mime, media.file_size)


def _stem(message: Message) -> str:
    if message.audio:
        return "audio"
    if message.document:
        return "file"
    return "video"
