"""The records the store keeps, as frozen values with a JSON round trip."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from bot.store.errors import CorruptRecord
from bot.store.keys import ChatKey

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_R = TypeVar("_R", bound="DataclassInstance")


def _dump(record: DataclassInstance, **stored_as: object) -> str:
    """The record as compact JSON; `stored_as` gives the stored form of fields that are not plain values."""
    return json.dumps(asdict(record) | stored_as, ensure_ascii=False, separators=(",", ":"))


def _load(cls: type[_R], text: str) -> _R:
    """Rebuild a record, ignoring fields a newer version may have added."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptRecord(f"stored {cls.__name__} is not JSON") from exc
    if not isinstance(data, dict):
        raise CorruptRecord(f"stored {cls.__name__} is not a JSON object")
    names = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:
        raise CorruptRecord(f"stored {cls.__name__} lacks a required field") from exc


@dataclass(frozen=True, slots=True)
class ChatSession:
    """The Nemo session (and project) a chat talks to."""

    session_id: str
    task_id: str
    language: str
    created_at: float
    user_id: str | None = None

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> ChatSession:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        return _load(cls, text)


@dataclass(frozen=True, slots=True)
class Credentials:
    """The Nemo token every chat shares, with the client id it was issued for."""

    client_id: str
    token: str
    user_id: str | None
    expires_at: float | None

    def __repr__(self) -> str:
        # The token is a bearer secret: reprs end up in logs and tracebacks.
        return (
            f"Credentials(client_id={self.client_id!r}, token='***', user_id={self.user_id!r}, "
            f"expires_at={self.expires_at!r})"
        )

    def to_json(self) -> str:
        """Serialize for storage (the token included: Redis is the place it is kept)."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        return _load(cls, text)


class JobStatus(StrEnum):
    """Where a render job stands; delivered and failed close it."""

    RENDERING = "rendering"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def is_open(self) -> bool:
        """Whether the job still needs work after a restart."""
        return self in (JobStatus.RENDERING, JobStatus.DELIVERING)


class Grant(StrEnum):
    """What an admin said in chat about one person, on top of the settings' access lists."""

    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class RenderJob:
    """A render the bot owes a chat: enough to resume polling and deliver after a restart."""

    render_id: str
    chat_key: ChatKey
    session_id: str
    created_at: float
    attempt: int = 1
    status: JobStatus = JobStatus.RENDERING
    requested_by: str | None = None
    locale: str = "en"
    platform: str = "console"
    reply_to: str | None = None
    fingerprint: str | None = None  # the rendered draft's, so a delivery can be offered again for the same timeline
    person: str | None = None  # who asked (`telegram:123`): they, or an admin, may cancel it

    def to_json(self) -> str:
        """Serialize for storage (the chat as its key string, as every version has stored it)."""
        return _dump(self, chat_key=str(self.chat_key))

    @classmethod
    def from_json(cls, text: str) -> RenderJob:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        job = _load(cls, text)
        try:
            status = JobStatus(job.status)
        except ValueError as exc:
            raise CorruptRecord("stored RenderJob has an unknown status") from exc
        return replace(job, status=status, chat_key=_chat(job.chat_key))


class DeliveryState(StrEnum):
    """Where the delivery of a render's video stands."""

    SENDING = "sending"  # an upload began; whether the platform took it is not known
    SENT = "sent"  # the platform took the video (the send returned)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A render's delivery: claimed before the upload (by whom, since when), confirmed after it.

    `sends` counts the uploads begun: more than one means an earlier one may have arrived too (a possible duplicate).
    """

    state: DeliveryState
    owner: str
    since: float
    sends: int = 1

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> DeliveryRecord:
        """Rebuild from `to_json` output; the bare marker earlier versions wrote reads as one unconfirmed send."""
        if not text.lstrip().startswith("{"):
            return cls(DeliveryState.SENDING, "unknown", 0.0)
        record = _load(cls, text)
        try:
            return replace(record, state=DeliveryState(record.state))
        except ValueError as exc:
            raise CorruptRecord("stored DeliveryRecord has an unknown state") from exc


@dataclass(frozen=True, slots=True)
class DeliveredExport:
    """The last video delivered for a session's timeline: enough to send it again without a new render."""

    fingerprint: str
    render_id: str
    output_url: str | None
    width: int
    height: int
    duration: float
    title: str | None = None

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> DeliveredExport:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        return _load(cls, text)


def _chat(stored: object) -> ChatKey:
    """The chat a stored job names; raises CorruptRecord when it is not a chat key string."""
    if isinstance(stored, str):
        with contextlib.suppress(ValueError):
            return ChatKey.parse(stored)
    raise CorruptRecord("stored RenderJob has an unreadable chat key")


@dataclass(frozen=True, slots=True)
class QueuedFile:
    """A file a queued request carries: on this machine's disk, or at a URL."""

    name: str
    mime_type: str | None = None
    size: int | None = None
    path: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedRequest:
    """A paid or stateful request waiting for its chat to be free: enough to run it on any replica, later."""

    chat_key: ChatKey
    person: str  # who asked, as access lists and quotas name them (`telegram:123`)
    user_id: str
    user_name: str
    text: str
    locale: str = "en"
    message_id: str | None = None
    direct: bool = True
    guild_id: str | None = None
    role_ids: tuple[str, ...] = ()
    admin: bool = False
    files: tuple[QueuedFile, ...] = ()
    queued_at: float = 0.0
    token: str = ""  # finds the request in the memory of the replica that queued it

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self, chat_key=str(self.chat_key))

    @classmethod
    def from_json(cls, text: str) -> QueuedRequest:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        request = _load(cls, text)
        try:
            files = tuple(QueuedFile(**item) for item in request.files)  # type: ignore[arg-type]
        except TypeError as exc:
            raise CorruptRecord("stored QueuedRequest has an unreadable file") from exc
        return replace(
            request, chat_key=_chat(request.chat_key), files=files, role_ids=tuple(request.role_ids),
        )


class QueueRefusal(StrEnum):
    """Why a request could not join its chat's queue."""

    CHAT_FULL = "chat_full"
    PERSON_FULL = "person_full"


@dataclass(frozen=True, slots=True)
class RunningJob:
    """A job running now on some replica: whose it is, what to call it, and until when it counts as alive."""

    job_id: str
    person: str
    user_name: str
    label: str  # what it is, in the asker's words ("make a video of a cat"), for "stopped ..." replies
    kind: str  # turn | render
    alive_until: float  # epoch seconds; renewed while the job runs, so a dead replica's jobs fade away
    process: str = ""  # the replica running it, which a cancel is sent to

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> RunningJob:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        return _load(cls, text)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """An agent turn (or a render's following) running now, kept so that if its process dies, a live one can close
    its progress message and tell whoever asked what became of the request."""

    job_id: str
    chat: str  # the ChatKey, as `str()` writes it
    process: str  # the process start running it
    locale: str
    label: str  # the request, as a reply may quote it
    reply_to: str | None = None
    session_id: str | None = None
    sent: bool = False  # the request went (or was going) to the agent: it may have been paid for
    card: int | str | None = None  # the platform's handle of its progress message, once it has one
    started_at: float = 0.0
    kind: str = "turn"  # turn | export | render (a render's own record resumes it: only its card is closed)
    render_id: str | None = None  # an export's render, once it is about to be recorded

    def to_json(self) -> str:
        """Serialize for storage."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> TurnRecord:
        """Rebuild from `to_json` output; raises CorruptRecord."""
        return _load(cls, text)
