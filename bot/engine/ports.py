"""The engine's ports: small protocols for the Nemo API, the store, the chat it replies to, and what it reports."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from bot.engine.card import Card
from bot.engine.charts import Chart
from bot.engine.messages import Action
from bot.nemo.draft import Draft
from bot.nemo.events import AgentEvent
from bot.nemo.models import Credits, NemoSession, ProjectState, RenderStatus, UploadedFile
from bot.store.keys import ChatKey
from bot.store.models import (
    ChatSession,
    DeliveredExport,
    DeliveryRecord,
    Grant,
    JobStatus,
    QueuedRequest,
    QueueRefusal,
    RenderJob,
    RunningJob,
    TurnRecord,
)

Clock = Callable[[], float]
"""Seconds now, on a monotonic or an epoch clock (injectable for tests)."""
Sleep = Callable[[float], Awaitable[None]]
"""Waits for a number of seconds (`asyncio.sleep`, or a test's stand-in)."""


class NemoAgent(Protocol):
    """The agent side of the Nemo API."""

    async def create_session(self, language: str, task_name: str = "project") -> NemoSession:
        """Create a project and its chat session."""

    def stream(self, session_id: str, text: str) -> AsyncGenerator[AgentEvent, None]:
        """Send one message and yield the agent's events until the stream closes."""

    async def state(self, session_id: str) -> ProjectState:
        """The project's latest state."""

    async def credits(self) -> Credits:
        """The account's credit balance."""


class NemoMedia(Protocol):
    """Uploads and downloads."""

    async def upload_files(self, session_id: str, paths: Sequence[Path]) -> list[UploadedFile]:
        """Upload files from disk into the session."""

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Have Nemo fetch files by URL into the session."""

    async def download(self, url: str, dest: Path) -> int:
        """Stream a file to disk; returns its size in bytes."""

    async def download_render(self, render_id: str, dest: Path) -> int:
        """Stream a render's result through the API's fallback download; returns its size."""


class NemoRender(Protocol):
    """Export renders."""

    async def submit_render(self, session_id: str, draft: Draft, render_id: str) -> RenderStatus:
        """Submit a render of the draft under a client-chosen id."""

    async def render_status(self, render_id: str) -> RenderStatus:
        """Poll a render."""

    async def cancel_render(self, render_id: str) -> None:
        """Cancel a render."""


class NemoApi(NemoAgent, NemoMedia, NemoRender, Protocol):
    """Everything the engine asks of Nemo."""


class SessionStore(Protocol):
    """Chat sessions and the last state seen per chat and session."""

    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        """The chat's Nemo session, if any."""

    async def put_session(self, chat: ChatKey, session: ChatSession) -> None:
        """Remember the chat's Nemo session."""

    async def claim_session(self, chat: ChatKey, session: ChatSession) -> ChatSession:
        """Keep `session` as the chat's unless the chat has one already; returns the session kept."""

    async def drop_session(self, chat: ChatKey) -> None:
        """Forget the chat's session (a fresh one is made on the next message)."""

    async def get_last_state(self, chat: ChatKey, session_id: str) -> dict[str, Any] | None:
        """The project state seen at the end of the chat's last turn in the session."""

    async def put_last_state(self, chat: ChatKey, session_id: str, state: dict[str, Any]) -> None:
        """Remember the session's project state for the next diff."""

    async def move_chat(self, old: ChatKey, new: ChatKey) -> bool:
        """Move a chat's session, last state and export, and open renders to its new id; True when it moved."""


class ExportStore(Protocol):
    """The last video delivered per session, and edits offered for one tap."""

    async def get_last_export(self, chat: ChatKey, session_id: str) -> DeliveredExport | None:
        """The last video delivered in the chat's session, if any."""

    async def put_last_export(self, chat: ChatKey, session_id: str, export: DeliveredExport) -> None:
        """Remember the video just delivered."""

    async def put_offer(self, chat: ChatKey, text: str, ttl: float = ...) -> str:
        """Keep an offered edit; returns its short id."""

    async def take_offer(self, chat: ChatKey, offer_id: str) -> str | None:
        """The offered edit, exactly once."""


class Lease(Protocol):
    """A key one owner holds at a time, lapsing unless the owner extends it."""

    async def holder(self) -> str | None:
        """Who holds the lease now (None: nobody)."""

    async def acquire(self, owner: str, seconds: float) -> bool:
        """Take the lease for `seconds`; False while anyone holds it."""

    async def extend(self, owner: str, seconds: float) -> bool:
        """Reset a held lease to `seconds` from now."""

    async def release(self, owner: str) -> bool:
        """Release a held lease."""


class TurnStore(Protocol):
    """Idempotency, and the leases that keep a piece of work to one process at a time."""

    async def first_sighting(self, chat: ChatKey, message_id: str, ttl: float = ..., by: str = ...) -> bool:
        """True only the first time a chat's message is seen."""

    def turn_lock(self, chat: ChatKey) -> Lease:
        """The chat's turn lock."""

    def render_lease(self, render_id: str) -> Lease:
        """The lease of the process following a render."""


class ProcessStore(Protocol):
    """Which process starts run, and the leases they hold."""

    async def mark_alive(self, start: str, seconds: float) -> None:
        """Say that the process start `start` runs, for the next `seconds`."""

    async def is_alive(self, start: str) -> bool:
        """Whether the process start `start` said it runs, and that has not lapsed."""

    async def mark_gone(self, start: str) -> None:
        """Say that the process start `start` has stopped."""

    async def held_leases(self) -> Sequence[tuple[Lease, str]]:
        """Every turn lock and render lease held now, with its owner."""


class RenderStore(Protocol):
    """Durable render jobs."""

    async def put_render(self, job: RenderJob) -> None:
        """Save a render job (open until delivered or failed)."""

    async def open_renders(self) -> list[RenderJob]:
        """Every render job not yet delivered or failed."""

    async def open_renders_in(self, chat: ChatKey) -> list[RenderJob]:
        """The chat's render jobs not yet delivered or failed."""

    async def get_render(self, render_id: str) -> RenderJob | None:
        """One render job, open or closed."""

    async def close_render(self, render_id: str, status: JobStatus) -> None:
        """Mark a render delivered or failed."""


class DeliveryStore(Protocol):
    """Each render's delivery: claimed before the upload, confirmed after it."""

    async def claim_delivery(self, render_id: str, owner: str, now: float) -> DeliveryRecord:
        """Claim the render's delivery before its upload; a confirmed one comes back as it is."""

    async def confirm_delivery(self, render_id: str, owner: str, now: float) -> None:
        """Record that the render's video reached the chat."""

    async def get_delivery(self, render_id: str) -> DeliveryRecord | None:
        """The render's delivery record, if a send was ever begun."""


class TeamStore(Protocol):
    """What admins said in chat: who is allowed or denied, and each person's own quotas."""

    async def get_grant(self, person: str) -> Grant | None:
        """What an admin said about `person` (allow or deny), if anything."""

    async def put_grant(self, person: str, grant: Grant) -> None:
        """Allow or deny `person`."""

    async def get_limits(self, person: str) -> dict[str, int]:
        """The quotas an admin set for `person`: kind -> limit."""

    async def get_grant_and_limits(self, person: str) -> tuple[Grant | None, dict[str, int]]:
        """Both of the above at once."""

    async def put_limit(self, person: str, kind: str, limit: int | None) -> None:
        """Set `person`'s own limit of `kind` (None: back to the default)."""


class UsageStore(Protocol):
    """Each person's use per quota period, counted atomically across processes."""

    async def count_use(
        self, window: str, until: float, person: str, kind: str, amount: int = 1, limit: int | None = None,
    ) -> int | None:
        """Add to a use count and return it; None (and nothing added) when it would pass `limit`."""

    async def uses(self, window: str) -> dict[str, dict[str, int]]:
        """Everyone's use in a period: person -> kind -> count."""


class QuotaStore(TeamStore, UsageStore, Protocol):
    """What the team's gate keeps: grants, quotas and use."""


class QueueStore(Protocol):
    """Each chat's queue of waiting requests, served by whichever replica holds the chat's lock."""

    async def enqueue(self, request: QueuedRequest, per_chat: int, per_person: int) -> int | QueueRefusal:
        """Add a request to its chat's queue; how many wait before it, or why it may not join."""

    async def waiting(self, chat: ChatKey) -> int:
        """How many requests wait in the chat's queue."""

    async def queued(self, chat: ChatKey) -> list[tuple[str, QueuedRequest]]:
        """The chat's waiting requests, first first, with their entry ids."""

    async def take_queued(
        self, chat: ChatKey, consumer: str, abandoned_after: float,
    ) -> tuple[str, QueuedRequest] | None:
        """The next request to run, taken off the queue (at most once across replicas)."""

    async def unqueue(self, chat: ChatKey, entry_id: str) -> bool:
        """Take a waiting request off the queue without running it; False when it started or went already."""

    async def queued_chats(self) -> list[ChatKey]:
        """Chats with requests waiting."""


class JobStore(Protocol):
    """The jobs running now on every replica, and the channel that stops one."""

    async def put_running(self, chat: ChatKey, job: RunningJob) -> None:
        """Say the job runs (or still runs) in the chat."""

    async def drop_running(self, chat: ChatKey, job_id: str) -> None:
        """The job has ended."""

    async def running(self, chat: ChatKey) -> list[RunningJob]:
        """The chat's jobs running now."""

    async def publish_cancel(self, process: str, job_id: str) -> None:
        """Ask the replica `process` to stop `job_id`."""

    async def take_cancels(self, process: str) -> list[str]:
        """The job ids other replicas asked `process` to stop since it last looked."""

    async def is_alive(self, start: str) -> bool:
        """Whether the process start `start` runs (its heartbeat has not lapsed)."""


class TurnJournalStore(Protocol):
    """The agent turns running now on any replica, for telling about those whose process died."""

    async def put_turn(self, turn: TurnRecord) -> None:
        """Record (or update) a running turn."""

    async def drop_turn(self, job_id: str) -> bool:
        """The turn is over (or about to be told about); False when it was gone already."""

    async def turns(self) -> list[TurnRecord]:
        """Every turn recorded as running."""


class InboxStore(Protocol):
    """Updates a platform pushed to a webhook, kept until one replica has taken each."""

    async def inbox_add(self, source: str, update: str) -> str:
        """Keep an update that `source` delivered; its entry id."""

    async def inbox_take(self, source: str, consumer: str, abandoned_after: float) -> tuple[str, str] | None:
        """The next update for `consumer`: one a dead reader left first, else the oldest unread (None: none)."""

    async def inbox_keep(self, source: str, consumer: str, entry_ids: list[str]) -> None:
        """`consumer` still works on these entries: none counts as abandoned for another lease."""

    async def inbox_done(self, source: str, entry_id: str) -> None:
        """The update has been taken: nobody is to hand it on again."""

    async def inbox_forget(self, source: str) -> int:
        """Forget readers whose process start no longer runs and that hold nothing; how many."""


class Store(
    SessionStore, ExportStore, TurnStore, ProcessStore, RenderStore, DeliveryStore, QuotaStore, QueueStore,
    JobStore, TurnJournalStore, Protocol,
):
    """Everything the engine keeps."""


class Counting(StrEnum):
    """How a platform counts a message's length."""

    CHARACTERS = "characters"  # Discord
    UTF16 = "utf16"  # Telegram: UTF-16 code units, so an emoji or a rare CJK character counts twice


@dataclass(frozen=True, slots=True)
class Limits:
    """What a chat accepts, declared by its platform; the reply layer shapes every reply to fit."""

    text_length: int
    upload_bytes: int
    caption_length: int | None = None  # None: captions are held to `text_length`
    counting: Counting = Counting.CHARACTERS
    min_edit_interval: float = 0.0  # least time between progress edits in one chat
    can_edit: bool = True  # False: progress updates are skipped and the final text is sent as a new message
    download_bytes: int | None = None  # the most a bot may fetch of a file people send (None: no platform limit)
    platform_name: str = ""  # the platform as people know it (Telegram), for refusals that name it
    escaped: str = ""  # characters the platform may write escaped, one character longer each: counted as two


@dataclass(frozen=True, slots=True)
class Button:
    """An action button, labelled in the user's language; presses come back as the action's value."""

    action: Action
    label: str
    emoji: str
    argument: str = ""  # what the action acts on (the id of an offered edit)
    typed: str = ""  # the word a person types for it in their language, where a platform has no buttons

    @property
    def command(self) -> str:
        """What a press sends, as if typed: the action's word, or `/action argument`."""
        return f"/{self.action.value} {self.argument}" if self.argument else self.action.value

    @property
    def words(self) -> str:
        """What to type instead of pressing it: the word in the person's language, else the command."""
        return self.typed if self.typed and not self.argument else self.command


@dataclass(frozen=True, slots=True)
class Post:
    """One message to post, already within the platform's length limit."""

    text: str
    buttons: tuple[Button, ...] = ()
    link: str | None = None  # a download link shown under the text (a video that could not be sent)
    live: bool = False  # a progress message: later edits replace its text
    quoted: bool = True  # quotes the person's message where the platform does (False: a later piece of a reply)
    private: bool = False  # only whoever asked needs it (an error, a refusal, "busy"): shown to them alone where
    # the platform can (Discord's ephemeral messages)
    image: Path | None = None  # a picture shown with the text, which becomes its caption (a PNG or JPEG on disk)
    card: Card | None = None  # a progress card, for platforms that draw one; `text` is its plain form


@dataclass(frozen=True, slots=True)
class Video:
    """The shape of a video file being sent."""

    width: int
    height: int
    duration: float
    thumbnail: Path | None = None  # a JPEG of one of its frames, at most 320 px a side and 200 kB
    title: str = ""
    facts: tuple[tuple[str, str], ...] = ()  # (name, value) pairs in the user's language: duration, resolution...


class Outgoing(Protocol):
    """One chat as its platform offers it: primitives and declared limits (the engine's reply layer composes them).

    Refusals are raised as `bot.engine.refusals.ReplyRefused` subclasses.
    """

    @property
    def limits(self) -> Limits:
        """What the chat accepts right now."""

    async def send(self, post: Post) -> object:
        """Post a message; returns the platform's handle for later edits."""

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Replace a posted message's text (None: unchanged) and card; `last` marks the end of a progress message."""

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Upload a video file from disk with a caption."""

    async def show_working(self) -> None:
        """Show a working status (typing, upload_video) for a few seconds."""


class ChatEvents(Protocol):
    """What a platform learns about a chat while replying to it, told to the engine."""

    async def chat_moved(self, old: ChatKey, new: ChatKey) -> None:
        """The chat now has another id (a Telegram group upgraded to a supergroup): its work follows it."""

    async def chat_gone(self, chat: ChatKey) -> None:
        """The bot may no longer post in the chat (blocked, removed): its open work ends."""
class Pictures(Protocol):
    """Pictures for replies; None whenever one cannot be had (the reply then goes as text alone)."""

    async def timeline(self, chart: Chart, dest: Path) -> Path | None:
        """Draw a timeline chart as a PNG at `dest`."""

    async def frame(self, video: Path, dest: Path, *, max_side: int, max_bytes: int, at: float = 0.0) -> Path | None:
        """A JPEG of the video's frame at `at` seconds, within `max_side` pixels and `max_bytes`, at `dest`."""


class Platform(Protocol):
    """An adapter as the engine sees it: how to reach a chat again (for renders resumed after a restart)."""

    @property
    def name(self) -> str:
        """The platform name used in chat keys (console, telegram, discord)."""

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str) -> Outgoing:
        """Replies to a chat in the user's language, outside any incoming message."""


class TurnOutcome(StrEnum):
    """How an agent turn ended."""

    DONE = "done"  # the stream ended and the agent's reply (or the change it made) was shown
    FAILED = "failed"  # the agent's stream reported an error
    DROPPED = "dropped"  # the stream was cut; the project state was watched instead
    TIMED_OUT = "timed_out"  # too long, or quiet too long; it may still be running at Nemo
    CANCELLED = "cancelled"  # /cancel, or the process stopping
    NEMO_ERROR = "nemo_error"  # Nemo refused the message or could not be reached
    STORE_UNAVAILABLE = "store_unavailable"  # the store could not be reached
    ERROR = "error"  # anything else went wrong


class RenderOutcome(StrEnum):
    """How a render this process followed ended."""

    DELIVERED = "delivered"  # the video (or its link) was posted, here or by another process
    FAILED = "failed"  # Nemo reported the render failed (a first failure is retried once, under a new id)
    TIMED_OUT = "timed_out"  # it did not finish in time and was cancelled
    ERROR = "error"  # a Nemo error while submitting or polling it
    CANCELLED = "cancelled"  # a person cancelled it


class Events(Protocol):
    """What the engine reports as it works; each call returns at once and never raises."""

    def message_in(self, platform: str, intent: str) -> None:
        """A new message arrived and was routed to `intent`."""

    def turn_ended(self, platform: str, outcome: TurnOutcome) -> None:
        """An agent turn ended."""

    def render_ended(self, platform: str, outcome: RenderOutcome) -> None:
        """A render this process followed ended."""

    def video_posted(self, platform: str, lag: float) -> None:
        """A finished render reached its chat `lag` seconds after it was seen completed."""

    def quota_refused(self, platform: str, kind: str) -> None:
        """A request was refused because its sender's `kind` quota (turns, exports, credits) is used up."""

    def queue_depth(self, waiting: int) -> None:
        """Requests waiting in every chat's queue (of every replica), as just counted."""


class Load(Protocol):
    """The work in flight."""

    def working(self, kind: str) -> AbstractContextManager[None]:
        """Counts one piece of work (a `turn`, a `render`) as in flight while the block runs."""


class Telemetry(Events, Load, Protocol):
    """Everything the engine reports."""
