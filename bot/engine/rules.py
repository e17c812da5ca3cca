"""Team settings, declared once (the settings tree reads each from its unprefixed variable): who may use the bot,
who administers it, and each person's quota of the shared credits per calendar period."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLATFORMS = ("telegram", "discord", "console")
"""The platforms an id may name (`telegram:123`), so that ids of two platforms never match by accident."""
_ID = re.compile(r"[A-Za-z0-9_.@-]+")


class Period(StrEnum):
    """The calendar period, in UTC, that quotas count over."""

    DAY = "day"
    WEEK = "week"  # ISO weeks: Monday 00:00 to Monday 00:00
    MONTH = "month"


class Kind(StrEnum):
    """What a quota counts."""

    TURNS = "turns"  # paid requests to the video agent
    EXPORTS = "exports"
    CREDITS = "credits"  # credits spent, measured from the balance before and after each turn


def is_id(entry: str) -> bool:
    """An id as settings and admin commands take it: bare (`123`, `bob`) or with its platform (`discord:456`)."""
    platform, _, rest = entry.partition(":")
    if rest:
        return platform in PLATFORMS and bool(_ID.fullmatch(rest))
    return bool(_ID.fullmatch(entry))


def matches(entries: tuple[str, ...], platform: str, ident: str) -> bool:
    """Whether `ident` of `platform` is listed, bare or with its platform."""
    return ident in entries or f"{platform}:{ident}" in entries


class AccessRules(BaseModel):
    """Who may use the bot: every list empty means anyone (as without them); admins always may."""

    allowed_users: tuple[str, ...] = Field(
        (),
        description="Comma list of user ids who may use the bot (Telegram or Discord user ids; `telegram:123`, "
        "`discord:456` or `console:bob` names one platform). Empty, with ALLOWED_CHATS and ALLOWED_ROLES empty too: "
        "anyone may.",
    )
    allowed_chats: tuple[str, ...] = Field(
        (),
        description="Comma list of chats where everyone may use the bot: Telegram group ids, Discord server (guild) "
        "or channel ids, console chat names.",
    )
    admin_users: tuple[str, ...] = Field(
        (),
        description="Comma list of admin user ids: always allowed, never limited by a quota, and the only ones who "
        "may /allow, /deny and set /quota.",
    )
    allowed_roles: tuple[str, ...] = Field(
        (), description="Comma list of Discord role ids whose members may use the bot."
    )

    @field_validator("allowed_users", "allowed_chats", "admin_users", "allowed_roles", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Environment variables are comma lists ("123, discord:456"), not JSON.
        if isinstance(value, int):
            value = str(value)
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, tuple | list) and not all(isinstance(part, str) and is_id(part) for part in value):
            # Said without the value: an id list may be someone's private data.
            raise ValueError(
                "must be a comma list of ids, each bare (123) or with its platform (telegram:123, discord:456, "
                "console:bob)"
            )
        return value

    @property
    def is_open(self) -> bool:
        """No list restricts who may use the bot."""
        return not (self.allowed_users or self.allowed_chats or self.allowed_roles)


class QuotaRules(BaseModel):
    """Default per-person limits per period; unset means no limit. Admins can set one person's own in chat."""

    quota_period: Period = Field(
        Period.DAY, description="The period quotas count over, in UTC: day, week (from Monday) or month."
    )
    quota_turns: int | None = Field(
        None, ge=0, description="Paid requests to the video agent a person may make per period. Unset: no limit."
    )
    quota_exports: int | None = Field(None, ge=0, description="Exports a person may make per period. Unset: no limit.")
    quota_credits: int | None = Field(
        None, ge=0,
        description="Credits a person's requests may spend per period, measured from the shared balance before and "
        "after each request (approximate while several chats spend at once). Unset: no limit.",
    )

    def limit(self, kind: Kind) -> int | None:
        """The default limit of `kind`."""
        return {Kind.TURNS: self.quota_turns, Kind.EXPORTS: self.quota_exports, Kind.CREDITS: self.quota_credits}[
            kind
        ]


class QueueRules(BaseModel):
    """How many requests may wait their turn while a chat is busy."""

    queue_per_chat: int = Field(
        10, ge=0, description="Requests that may wait in one chat while it is busy; past it, a request is refused "
        "(nothing queued, nothing charged). 0: a busy chat refuses instead of queueing.",
    )
    queue_per_user: int = Field(
        3, ge=0, description="Requests one person may have waiting in one chat.",
    )


class TeamRules(QueueRules, QuotaRules, AccessRules):
    """Access lists and quotas, as the engine runs with them."""

    model_config = ConfigDict(frozen=True)
