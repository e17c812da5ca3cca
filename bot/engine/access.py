"""Who may use the bot: the settings' lists and the grants admins add in chat, decided by one pure function."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.engine.messages import Incoming
from bot.engine.rules import AccessRules, matches
from bot.store.models import Grant


class Standing(StrEnum):
    """What a person may do."""

    ADMIN = "admin"  # anything, with no quota
    MEMBER = "member"  # use the bot, within their quota
    REFUSED = "refused"  # nothing: one polite reply, and nothing reaches Nemo


@dataclass(frozen=True, slots=True)
class Person:
    """Who sent a message, and the places it came from that access lists may name."""

    platform: str
    user_id: str
    chats: tuple[str, ...] = ()  # the chat, its thread, and the Discord server it is in
    roles: tuple[str, ...] = ()  # Discord role ids
    vouched: bool = False  # the platform made them an admin (the console's `/as NAME admin`)

    @classmethod
    def of(cls, msg: Incoming) -> Person:
        """The sender of `msg`."""
        chat = msg.chat
        places = (chat.chat_id, chat.thread_id, msg.guild_id)
        return cls(
            chat.platform, msg.user_id, tuple(place for place in places if place), msg.role_ids, msg.admin,
        )

    @property
    def key(self) -> str:
        """The id grants, quotas and use are kept under: `telegram:123`."""
        return f"{self.platform}:{self.user_id}"


def is_admin(rules: AccessRules, person: Person) -> bool:
    """Listed in ADMIN_USERS, or made an admin by the platform."""
    return person.vouched or matches(rules.admin_users, person.platform, person.user_id)


def standing(rules: AccessRules, person: Person, grant: Grant | None) -> Standing:
    """Admins first; then an admin's grant in chat (allow or deny) over the settings; then the settings' lists."""
    if is_admin(rules, person):
        return Standing.ADMIN
    if grant is not None:
        return Standing.MEMBER if grant is Grant.ALLOW else Standing.REFUSED
    if rules.is_open or _listed(rules, person):
        return Standing.MEMBER
    return Standing.REFUSED


def _listed(rules: AccessRules, person: Person) -> bool:
    platform = person.platform
    return (
        matches(rules.allowed_users, platform, person.user_id)
        or any(matches(rules.allowed_chats, platform, chat) for chat in person.chats)
        or any(matches(rules.allowed_roles, platform, role) for role in person.roles)
    )
