"""Every Redis key the store uses, built in one place under one prefix, from typed parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# No glob metacharacters (so `pattern()` matches only our keys) and no braces (the prefix is a hash tag).
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*")


@dataclass(frozen=True, slots=True)
class ChatKey:
    """One conversation: a platform, a chat, and a thread or topic where there is one."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}:{self.thread_id or '-'}"

    @classmethod
    def parse(cls, text: str) -> ChatKey:
        """The inverse of `str()`: rebuild a key read back from the store; ValueError if it is not one."""
        platform, chat_id, thread = text.split(":", 2)
        return cls(platform, chat_id, None if thread == "-" else thread)


@dataclass(frozen=True, slots=True)
class Keys:
    """Key builder: `{prefix}:kind:id`.

    The prefix sits in braces, a Redis Cluster hash tag: every key of one bot lands in one slot, so the
    multi-key transactions the store runs stay valid on a cluster. The braces also keep prefixes apart:
    `{a}:...` can never be `{a:b}:...`. The strings are what deployed bots have written: changing one
    loses that data.
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

    def session(self, chat: ChatKey) -> str:
        """The chat's Nemo session."""
        return f"{self.root}session:{chat}"

    def last_state(self, chat: ChatKey, session_id: str) -> str:
        """The project state seen at the end of the chat's last turn in one session."""
        # Per session, so a fresh project never diffs against the old one.
        return f"{self.root}state:{chat}/{session_id}"

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

    def chat_renders(self, chat: ChatKey) -> str:
        """The set of the chat's render ids not yet delivered or failed."""
        return f"{self.root}renders:chat:{chat}"

    def delivery(self, render_id: str) -> str:
        """The marker that a render's delivery was claimed."""
        return f"{self.root}delivery:{render_id}"

    def seen(self, chat: ChatKey, message_id: str) -> str:
        """The marker that a message in a chat was already handled."""
        return f"{self.root}seen:{chat}:{message_id}"

    def turn_lock(self, chat: ChatKey) -> str:
        """The chat's turn lock."""
        return f"{self.root}lock:{chat}"

    def leases(self) -> str:
        """A SCAN pattern matching every turn lock and render lease of this prefix."""
        return f"{self.root}lock:*"

    def alive(self, start: str) -> str:
        """The heartbeat of one process start, kept while it runs."""
        return f"{self.root}alive:{start}"

    def render_lease(self, render_id: str) -> str:
        """The lease of the one process following a render."""
        return f"{self.root}lock:render:{render_id}"

    def last_export(self, chat: ChatKey, session_id: str) -> str:
        """The chat's last delivered export in one session."""
        return f"{self.root}export:{chat}/{session_id}"

    def offer(self, chat: ChatKey, offer_id: str) -> str:
        """An edit offered to a chat, waiting for its one tap."""
        return f"{self.root}offer:{chat}:{offer_id}"

    def grants(self) -> str:
        """Every person an admin allowed or denied in chat: person -> allow | deny."""
        return f"{self.root}grants"

    def quotas(self, person: str) -> str:
        """One person's own quotas, set by an admin: kind -> limit."""
        return f"{self.root}quota:{person}"

    def usage(self, window: str) -> str:
        """Everyone's use in one quota period: `kind:person` -> count."""
        return f"{self.root}usage:{window}"

    def queue(self, chat: ChatKey) -> str:
        """The chat's queue: a stream of requests waiting their turn, read through one consumer group."""
        return f"{self.root}queue:{chat}"

    def queued_chats(self) -> str:
        """The set of chats whose queue may hold requests."""
        return f"{self.root}queues"

    def running(self, chat: ChatKey) -> str:
        """The chat's jobs running now, on any replica: job id -> who asked and what it is."""
        return f"{self.root}running:{chat}"

    def cancels(self, process: str) -> str:
        """The jobs one replica is asked to stop, in order."""
        return f"{self.root}cancels:{process}"

    def inbox(self, source: str) -> str:
        """Updates a platform delivered, kept from before the platform is answered until one replica has taken each."""
        return f"{self.root}inbox:{source}"

    def turns(self) -> str:
        """The agent turns running now on any replica, by job id: what to tell if their process dies."""
        return f"{self.root}turns"
