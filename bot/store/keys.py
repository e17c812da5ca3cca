"""Every Redis key the store uses, built in one place under one prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass

# No glob metacharacters (so `pattern()` matches only our keys) and no braces (the prefix is a hash tag).
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*")


@dataclass(frozen=True, slots=True)
class Keys:
    """Key builder: `{prefix}:kind:id`.

    The prefix sits in braces, a Redis Cluster hash tag: every key of one bot lands in one slot, so the
    multi-key transactions the store runs stay valid on a cluster. The braces also keep prefixes apart:
    `{a}:...` can never be `{a:b}:...`.
    """

    prefix: str

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ValueError(f"invalid key prefix {self.prefix!r}: use letters, digits and _ . : / -")

    @property
    def root(self) -> str:
        """The start shared by every key of this prefix."""
        return f"{{{self.prefix}}}:"

    def pattern(self) -> str:
        """A SCAN pattern matching every key of this prefix and no other."""
        return f"{self.root}*"

    def session(self, chat_key: str) -> str:
        """The chat's Nemo session."""
        return f"{self.root}session:{chat_key}"

    def last_state(self, chat_key: str) -> str:
        """The project state seen at the end of the chat's last turn."""
        return f"{self.root}state:{chat_key}"

    def credentials(self) -> str:
        """The shared Nemo token."""
        return f"{self.root}credentials"

    def client_id(self) -> str:
        """The stable client id used for anonymous tokens."""
        return f"{self.root}client-id"

    def render(self, render_id: str) -> str:
        """One render job."""
        return f"{self.root}render:{render_id}"

    def open_renders(self) -> str:
        """The set of render ids not yet delivered or failed."""
        return f"{self.root}renders:open"

    def delivery(self, render_id: str) -> str:
        """The marker that a render's delivery was claimed."""
        return f"{self.root}delivery:{render_id}"

    def seen(self, message_key: str) -> str:
        """The marker that a message was already handled."""
        return f"{self.root}seen:{message_key}"

    def lock(self, chat_key: str) -> str:
        """The chat's turn lock."""
        return f"{self.root}lock:{chat_key}"
