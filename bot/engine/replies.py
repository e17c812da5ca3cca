"""The reply layer: what the engine says, shaped to the limits a platform declares and composed from its primitives."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from bot.engine.card import Card, CardMaker
from bot.engine.charts import Chart
from bot.engine.drawing import Delivery, Drawing
from bot.engine.fitting import length, split, truncate
from bot.engine.jobs import current_job
from bot.engine.journal import note_card
from bot.engine.messages import Action
from bot.engine.ports import Button, Clock, Limits, Outgoing, Post, Video
from bot.engine.progress import Paces, Pacing, Progress
from bot.engine.refusals import NotDelivered, ReplyRefused, TooLarge, UploadUnconfirmed
from bot.engine.tasks import Supervisor
from bot.i18n import say
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

# (emoji, catalogue key of the label): the same button for an action on every platform.
_BUTTONS: dict[Action, tuple[str, str]] = {
    Action.EXPORT: ("🎞", "button_export"),
    Action.TIMELINE: ("🧾", "button_status"),
    Action.CREDITS: ("💳", "button_credits"),
    Action.APPLY: ("✅", "button_apply"),
    Action.CANCEL: ("✖️", "button_cancel"),
}


# The note above a link that stands in for the video, by why the file did not go (anything else: not delivered):
# (unaddressed, addressed to whoever asked).
_LINK_NOTES: dict[type[ReplyRefused], tuple[str, str]] = {
    TooLarge: ("too_big_link", "too_big_link_for"),
    UploadUnconfirmed: ("video_slow_link", "video_slow_link_for"),
}
_NOT_ATTACHED = ("video_not_attached_link", "video_not_attached_link_for")
# Without a link: what the person is told instead (a file that was simply not posted is raised to the engine).
_NO_LINK: dict[type[ReplyRefused], str] = {
    TooLarge: "video_too_big",
    UploadUnconfirmed: "video_slow",
}


# The word a person types for an action where a platform has no buttons (it routes to the same action).
_TYPED: dict[Action, str] = {
    Action.EXPORT: "typed_export",
    Action.TIMELINE: "typed_status",
    Action.CREDITS: "typed_credits",
    Action.CANCEL: "typed_cancel",
}


def buttons(actions: Sequence[Action], locale: str | None, argument: str = "") -> tuple[Button, ...]:
    """The action buttons, labelled in the user's language, each acting on `argument` when one is given."""
    return tuple(
        Button(a, say(_BUTTONS[a][1], locale), _BUTTONS[a][0], argument, say(_TYPED[a], locale) if a in _TYPED else "")
        for a in actions
    )


class Replies:
    """What the engine says to one chat, in the user's language: the only way it reaches a platform."""

    def __init__(self, out: Outgoing, locale: str, pacing: Pacing, drawing: Drawing | None = None) -> None:
        self._out = out
        self._locale = locale
        self._pacing = pacing
        self._drawing = drawing or Drawing(None, Path())
        self.paid = False  # a paid request (an agent turn) went out: no failure may read as an invitation to re-send
        self._went_through = False
        self._live: list[Progress] = []

    def detached(self) -> Replies:
        """Replies to the same chat for work that goes on apart (a render followed in the background): its progress
        cards and whether it was paid for are its own."""
        return Replies(self._out, self._locale, self._pacing, self._drawing)

    @property
    def opened(self) -> bool:
        """Whether this work opened a progress message (it got under way: a render's card comes before its submit)."""
        return bool(self._live)

    async def went_through(self) -> None:
        """Say, once, that the paid request went through and to send status for its result (checking it failed)."""
        if not self._went_through:
            self._went_through = True
            await self.send_text(say("check_later", self._locale))

    async def close_open(self, text: str) -> None:
        """Show `text` as the final word of every progress message still open (work that ended without closing its
        own, so none is left saying it is working)."""
        live, self._live = self._live, []
        for progress in live:
            if progress.closed:
                continue
            try:
                await asyncio.shield(progress.finish(text))
            except Exception as exc:  # the chat may be gone: what is left open is only a stale card
                log.info("could not close a progress message: %s", exc)

    async def send_text(self, text: str, actions: Sequence[Action] = (), *, private: bool = False) -> None:
        """Send text in pieces under the length limit; the buttons go under the last piece.

        `private`: only whoever asked needs it (an error, a refusal, "busy"); a platform may show it to them alone.
        """
        limits = self._out.limits
        pieces = split(text, limits.text_length, limits.counting, limits.escaped)
        labelled = buttons(actions, self._locale)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self._out.send(Post(piece, labelled if last else (), quoted=index == 0, private=private))

    async def offer(self, text: str, action: Action, argument: str) -> None:
        """Send text with one button that acts on `argument` (an offered edit's id)."""
        limits = self._out.limits
        fitted = truncate(text, limits.text_length, limits.counting)
        await self._out.send(Post(fitted, buttons((action,), self._locale, argument)))

    def _cancel(self) -> tuple[Button, ...]:
        """The Cancel button of a progress message: it stops the job the message follows (none outside a job)."""
        job = current_job()
        return buttons((Action.CANCEL,), self._locale, job) if job else ()

    async def start_progress(self, text: str) -> Progress:
        """Send a progress message that later updates edit in place."""
        limits = self._out.limits
        first = truncate(text, limits.text_length, limits.counting, limits.escaped)
        handle = await self._out.send(Post(first, self._cancel(), live=True))
        await note_card(handle)
        return self._opened(Progress(self._out, handle, first, self._pacing))

    async def start_card(self, cards: CardMaker, card: Card) -> Progress:
        """Send a job's progress card (`cards` makes its later states), edited in place as the job goes on."""
        limits = self._out.limits
        first = truncate(card.text, limits.text_length, limits.counting, limits.escaped)
        handle = await self._out.send(Post(first, self._cancel(), live=True, card=card))
        await note_card(handle)
        return self._opened(Progress(self._out, handle, first, self._pacing, card, cards))

    def reopened(self, handle: object) -> Progress:
        """A progress message an earlier process opened (its handle kept in the store), to be closed from here."""
        return Progress(self._out, handle, "", self._pacing)

    def _opened(self, progress: Progress) -> Progress:
        self._live = [*(shown for shown in self._live if not shown.closed), progress]
        return progress

    async def send_timeline(self, chart: Chart, text: str, actions: Sequence[Action] = ()) -> None:
        """The timeline as a picture with `text` (its summary) as the caption; the text alone without a picture."""
        async with self._drawing.timeline(chart) as picture:
            if picture is None:
                await self.send_text(text, actions)
                return
            limits = self._out.limits
            fits = length(text, limits.counting, limits.escaped) <= (limits.caption_length or limits.text_length)
            try:
                await self._out.send(Post(text if fits else "", buttons(actions, self._locale), image=picture))
            except ReplyRefused as refused:
                log.info("the platform refused a picture (%s); sending the text alone", refused)
                await self.send_text(text, actions)
                return
            if not fits:
                await self.send_text(text)

    async def frame(self, video: Path) -> Path | None:
        """A thumbnail-sized JPEG of the video's first frame (None without one); the caller removes it."""
        return await self._drawing.frame(video)

    @property
    def limits(self) -> Limits:
        """What the chat accepts, as its platform declares it."""
        return self._out.limits

    async def send_video(
        self, path: Path, *, width: int, height: int, duration: float, caption: str, link: str | None = None,
        requester: str | None = None, title: str = "",
    ) -> None:
        """Send the video file with a thumbnail of ours, or its link (with the thumbnail) when it is over the chat's
        limit or the platform refuses it.

        A file the platform refused, or whose upload may still arrive, is never sent again. A link stands in for
        the video, so it names the `requester` as the caption does.
        """
        video = Delivery(width, height, duration, caption, title, link, requester)
        # A frame a little way in: a video's very first frame is often black.
        at = min(1.0, duration / 3)
        async with self._drawing.thumbnail(path, at) as thumb:
            await self._deliver(path, video, thumb)

    async def _deliver(self, path: Path, video: Delivery, thumbnail: Path | None) -> None:
        size = (await asyncio.to_thread(path.stat)).st_size
        limits = self._out.limits
        link, requester = video.link, video.requester
        if link and size > limits.upload_bytes:
            await self.send_link(link, self._note(TooLarge, requester, size), thumbnail)
            return
        fitted = truncate(video.caption, limits.caption_length or limits.text_length, limits.counting, limits.escaped)
        shape = Video(video.width, video.height, video.duration, thumbnail, video.title or say(
            "video_title", self._locale), video.facts(self._locale))
        try:
            await self._out.send_video(path, shape, fitted)
        except ReplyRefused as refused:
            await self._instead(refused, link, requester, size, thumbnail)
        except Exception:
            if not link:
                raise
            log.exception("sending %s as a file failed; sending its link", path.name)
            await self.send_link(link, self._note(NotDelivered, requester, size))

    async def _instead(
        self, refused: ReplyRefused, link: str | None, requester: str | None, size: int, thumbnail: Path | None,
    ) -> None:
        """The link (or a note without one) after the platform refused the file."""
        log.info("the platform refused a video (%s: %s)", type(refused).__name__, refused)
        if link:
            # Only a file too large leaves room for a picture: whatever else refused the video may refuse it too.
            picture = thumbnail if isinstance(refused, TooLarge) else None
            await self.send_link(link, self._note(type(refused), requester, size), picture)
        elif type(refused) in _NO_LINK:
            await self.send_text(say(_NO_LINK[type(refused)], self._locale))
        else:
            raise refused

    def _note(self, refusal: type[ReplyRefused], requester: str | None, size: int) -> str:
        """What stands above the link, addressed to whoever asked when someone did."""
        plain, addressed = _LINK_NOTES.get(refusal, _NOT_ATTACHED)
        if requester:
            return say(addressed, self._locale, name=requester, size_mb=size / 1e6)
        return say(plain, self._locale, size_mb=size / 1e6)

    async def send_link(self, url: str, note: str, image: Path | None = None) -> None:
        """Send a link with a short note (a video too big to upload) and the video's thumbnail when there is one;
        the note is cut so both fit one message (a caption, with the picture)."""
        limits = self._out.limits
        most = (limits.caption_length or limits.text_length) if image is not None else limits.text_length
        # The platform puts the link below the note.
        room = max(most - length(url, limits.counting, limits.escaped) - 1, 1)
        post = Post(truncate(note, room, limits.counting, limits.escaped), link=url, image=image)
        if image is None:
            await self._out.send(post)
            return
        try:
            await self._out.send(post)
        except ReplyRefused as refused:
            log.info("the platform refused the link's picture (%s); sending the link alone", refused)
            await self.send_link(url, note)

    async def show_working(self) -> None:
        """Show a working status (typing, upload_video) for a few seconds."""
        await self._out.show_working()


class ReplyLayer:
    """Makes each chat's `Replies`; progress pacing is kept per chat across them."""

    def __init__(self, supervisor: Supervisor, clock: Clock = time.monotonic, drawing: Drawing | None = None) -> None:
        self._supervisor = supervisor
        self._clock = clock
        self._paces = Paces(clock)
        self._drawing = drawing or Drawing(None, Path())

    def to(self, chat: ChatKey, out: Outgoing, locale: str) -> Replies:
        """Replies to `chat` through the platform's `out`, in the user's language."""
        # Flood limits are per chat, so every topic of a chat shares one pace.
        pace = self._paces.of(ChatKey(chat.platform, chat.chat_id), out.limits.min_edit_interval)
        return Replies(out, locale, Pacing(pace, self._supervisor, self._clock), self._drawing)
