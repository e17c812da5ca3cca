"""What a chat platform raises when it refuses a reply; each adapter translates its library's errors into these once.

    ReplyRefused             a platform did not take a reply
     ├── TooLarge            the file is over the platform's size limit: send the link instead, never the file again
     ├── UploadUnconfirmed   the upload timed out and may still arrive: never send it again, point at the link
     ├── NotDelivered        the reply was not posted (refused, platform unreachable, nowhere left to post)
     │    └── ChatGone       the bot may no longer post in this chat (blocked, removed): its work there ends
     ├── SlowDown            flood control: nothing more in this chat for `seconds`; the next edit waits
     └── EditRefused         the message can no longer be edited: a final text is sent as a new message

A refusal carries only the platform's reason, for the log: the reply layer words what the person reads.
"""

from __future__ import annotations


class ReplyRefused(Exception):
    """A platform did not take a reply."""


class TooLarge(ReplyRefused):
    """The file is over the platform's size limit (HTTP 413 and its kin)."""


class UploadUnconfirmed(ReplyRefused):
    """The upload timed out: the platform may have it and post it, so it is not sent again."""


class NotDelivered(ReplyRefused):
    """The reply was not posted."""


class ChatGone(NotDelivered):
    """The bot may no longer post in the chat (the user blocked it, it was removed from the group)."""


class SlowDown(ReplyRefused):
    """Flood control: the platform asked for a pause before the next request in this chat."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds:g} s")
        self.seconds = seconds


class EditRefused(ReplyRefused):
    """The message cannot be edited (gone, or too old)."""
