"""The reply layer: what the engine says, shaped to the limits a platform declares and composed from its primitives."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from bot.engine.fitting import length, split, truncate
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


def buttons(actions: Sequence[Action], locale: str | None, argument: str = "") -> tuple[Button, ...]:
    """The action buttons, labelled in the user's language, each acting on `argument` when one is given."""
    return tuple(Button(a, say(_BUTTONS[a][1], locale), _BUTTONS[a][0], argument) for a in actions)


class Replies:
    """What the engine says to one chat, in the user's language: the only way it reaches a platform."""

    def __init__(self, out: Outgoing, locale: str, pacing: Pacing) -> None:
        self._out = out
        self._locale = locale
        self._pacing = pacing

    async def send_text(self, text: str, actions: Sequence[Action] = (), *, private: bool = False) -> None:
        """Send text in pieces under the length limit; the buttons go under the last piece. `private`: for the
        sender's eyes only, where the platform can."""
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

    async def start_progress(self, text: str) -> Progress:
        """Send a progress message that later updates edit in place."""
        limits = self._out.limits
        first = truncate(text, limits.text_length, limits.counting, limits.escaped)
        handle = await self._out.send(Post(first, live=True))
        return Progress(self._out, handle, first, self._pacing)

    @property
    def limits(self) -> Limits:
        """What the chat accepts, as its platform declares it."""
        return self._out.limits

    async def send_video(
        self, path: Path, *, width: int, height: int, duration: float, caption: str, link: str | None = None,
        requester: str | None = None,
    ) -> None:
        """Send the video file, or its link when it is over the chat's limit or the platform refuses it.

        A file the platform refused, or whose upload may still arrive, is never sent again. A link stands in for
        the video, so it names the `requester` as the caption does.
        """
        size = (await asyncio.to_thread(path.stat)).st_size
        limits = self._out.limits
        if link and size > limits.upload_bytes:
            await self.send_link(link, self._note(TooLarge, requester, size))
            return
        fitted = truncate(caption, limits.caption_length or limits.text_length, limits.counting, limits.escaped)
        try:
            await self._out.send_video(path, Video(width, height, duration), fitted)
        except ReplyRefused as refused:
            await self._instead(refused, link, requester, size)
        except Exception:
            if not link:
                raise
            log.exception("sending %s as a file failed; sending its link", path.name)
            await self.send_link(link, self._note(NotDelivered, requester, size))

    async def _instead(self, refused: ReplyRefused, link: str | None, requester: str | None, size: int) -> None:
        """The link (or a note without one) after the platform refused the file."""
        log.info("the platform refused a video (%s: %s)", type(refused).__name__, refused)
        if link:
            await self.send_link(link, self._note(type(refused), requester, size))
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

    async def send_link(self, url: str, note: str) -> None:
        """Send a link with a short note (a video too big to upload); the note is cut so both fit one message."""
        limits = self._out.limits
        # The platform puts the link below the note.
        room = max(limits.text_length - length(url, limits.counting, limits.escaped) - 1, 1)
        await self._out.send(Post(truncate(note, room, limits.counting, limits.escaped), link=url))

    async def show_working(self) -> None:
        """Show a working status (typing, upload_video) for a few seconds."""
        await self._out.show_working()


class ReplyLayer:
    """Makes each chat's `Replies`; progress pacing is kept per chat across them."""

    def __init__(self, supervisor: Supervisor, clock: Clock = time.monotonic) -> None:
        self._supervisor = supervisor
        self._clock = clock
        self._paces = Paces(clock)

    def to(self, chat: ChatKey, out: Outgoing, locale: str) -> Replies:
        """Replies to `chat` through the platform's `out`, in the user's language."""
        # Flood limits are per chat, so every topic of a chat shares one pace.
        pace = self._paces.of(ChatKey(chat.platform, chat.chat_id), out.limits.min_edit_interval)
        return Replies(out, locale, Pacing(pace, self._supervisor, self._clock))
