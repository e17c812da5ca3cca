"""Normalized chat messages: what every adapter turns platform updates into."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.store.keys import ChatKey


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message: on disk already, behind a saver that streams it to disk, or at a URL.

    A saver that cannot fetch the file raises `bot.engine.uploads.NotFetched`; `fetch_failed` marks a file the
    adapter already failed to fetch, which the engine refuses before anything else.
    """

    name: str
    mime_type: str | None = None
    size: int | None = None
    path: Path | None = None
    url: str | None = None
    save_to: Callable[[Path], Awaitable[None]] | None = field(default=None, compare=False)
    fetch_failed: bool = False


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from a person, normalized; `locale` is already a catalogue locale (`bot.i18n.resolve_locale`).

    `truncated` marks a text the adapter could not hold whole (more arrived than it reads): the engine refuses it.
    `guild_id` and `role_ids` are the Discord server and the sender's roles there (access lists may name them);
    `admin` is set only where the platform itself makes the sender an admin (the console's `/as NAME admin`).
    """

    chat: ChatKey
    user_id: str
    user_name: str
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    locale: str = "en"
    message_id: str | None = None
    direct: bool = True
    truncated: bool = False
    guild_id: str | None = None
    role_ids: tuple[str, ...] = ()
    admin: bool = False


class Action(StrEnum):
    """The buttons offered under replies."""

    EXPORT = "export"
    TIMELINE = "status"
    CREDITS = "credits"
    APPLY = "apply"  # make an edit the agent suggested
    CANCEL = "cancel"  # stop the job a progress message follows (the presser's own, or any for an admin)


DEFAULT_ACTIONS: tuple[Action, ...] = (Action.EXPORT, Action.TIMELINE, Action.CREDITS)
