"""Gateway payloads as Discord sends them: INTERACTION_CREATE (commands, button presses) and MESSAGE_CREATE."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from discord.utils import time_snowflake

from tests.discord_bot.fake_discord import APP_ID, BOT_ID, BOT_USER, FakeDiscord

MIB = 1024 * 1024
GUILD = 700
CHANNEL = 555
THREAD = 556
USER = 7
DM = 800


@dataclass(frozen=True, slots=True)
class Place:
    """Where something happens: a guild channel, a thread, or a DM."""

    channel_id: int = CHANNEL
    guild_id: int | None = GUILD
    kind: int = 0  # 0 text channel, 1 DM, 11 public thread
    parent_id: int | None = None

    def channel(self) -> dict[str, Any]:
        """The partial channel object an interaction carries."""
        data: dict[str, Any] = {"id": str(self.channel_id), "type": self.kind, "name": "general"}
        if self.guild_id is not None:
            data.update(guild_id=str(self.guild_id), position=0, nsfw=False, permission_overwrites=[])
        if self.kind in (10, 11, 12):
            data.update(
                parent_id=str(self.parent_id), owner_id=str(USER), name="ideas", message_count=0, member_count=1,
                thread_metadata={"archived": False, "auto_archive_duration": 1440, "locked": False,
                                 "archive_timestamp": "2026-01-01T00:00:00+00:00"},
            )
        return data


IN_CHANNEL = Place()
IN_THREAD = Place(THREAD, GUILD, 11, CHANNEL)
IN_DM = Place(DM, None, 1)


def user(user_id: int = USER, name: str = "ada") -> dict[str, Any]:
    """A user object."""
    return {"id": str(user_id), "username": name, "global_name": name.title(), "discriminator": "0", "avatar": None}


class Payloads:
    """Builds payloads with snowflakes taken from the test's clock, and registers tokens with the fake."""

    def __init__(self, fake: FakeDiscord, clock: Callable[[], float]) -> None:
        self._fake = fake
        self._clock = clock
        self._seq = itertools.count(1)

    def snowflake(self) -> int:
        """A fresh id whose timestamp is the clock's now."""
        now = datetime.datetime.fromtimestamp(self._clock(), tz=datetime.UTC)
        return time_snowflake(now) + next(self._seq)

    def command(
        self, name: str, options: dict[str, str] | None = None, *, place: Place = IN_CHANNEL,
        files: Sequence[tuple[str, str, bytes, str]] = (), locale: str = "en-US", limit: int = 10 * MIB,
        user_install_only: bool = False, user_id: int = USER,
    ) -> dict[str, Any]:
        """A slash command; `files` are (option, filename, bytes, content type) served on the fake CDN."""
        data: dict[str, Any] = {"id": "1", "name": name, "type": 1, "options": [
            {"name": key, "type": 3, "value": value} for key, value in (options or {}).items()]}
        resolved: dict[str, Any] = {}
        for option, filename, content, mime in files:
            attachment_id = str(self.snowflake())
            url = self._fake.serve(f"{attachment_id}-{filename}", content)
            resolved[attachment_id] = {"id": attachment_id, "filename": filename, "size": len(content), "url": url,
                                       "proxy_url": url, "content_type": mime}
            data["options"].append({"name": option, "type": 11, "value": attachment_id})
        if resolved:
            data["resolved"] = {"attachments": resolved}
        return self._interaction(2, data, place, locale, limit, user_install_only, user_id)

    def press(
        self, custom_id: str, *, place: Place = IN_CHANNEL, locale: str = "en-US", message_id: int = 42,
    ) -> dict[str, Any]:
        """A button press on an earlier reply of the bot."""
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, place, locale, 10 * MIB, False, USER)
        payload["message"] = {
            "id": str(message_id), "channel_id": str(place.channel_id), "type": 0, "content": "earlier reply",
            "author": BOT_USER, "attachments": [], "embeds": [], "mentions": [], "mention_roles": [], "pinned": False,
            "mention_everyone": False, "tts": False, "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None, "flags": 0,
            "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Export",
                                                       "custom_id": custom_id}]}],
        }
        return payload

    def message(
        self, content: str, *, place: Place = IN_CHANNEL, mentions_bot: bool = True, replying_to: int | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE from a person (optionally a reply, without ping, to the bot's message `replying_to`)."""
        payload: dict[str, Any] = {
            "id": str(self.snowflake()), "channel_id": str(place.channel_id), "type": 0, "content": content,
            "author": user(), "attachments": [], "embeds": [], "mention_roles": [], "pinned": False,
            "mentions": [BOT_USER] if mentions_bot else [], "mention_everyone": False, "tts": False,
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "flags": 0, "components": [],
        }
        if replying_to is not None:
            payload["message_reference"] = {"message_id": str(replying_to), "channel_id": str(place.channel_id)}
            payload["referenced_message"] = {
                **payload, "id": str(replying_to), "author": BOT_USER, "mentions": [], "content": "earlier reply"}
        if place.guild_id is not None:
            payload["guild_id"] = str(place.guild_id)
            payload["member"] = {"roles": [], "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False,
                                 "mute": False, "flags": 0}
        return payload

    def _interaction(
        self, kind: int, data: dict[str, Any], place: Place, locale: str, limit: int, user_install_only: bool,
        user_id: int,
    ) -> dict[str, Any]:
        interaction_id = self.snowflake()
        token = f"itoken-{interaction_id}"
        self._fake.tokens[token] = self._clock()
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "token": token, "version": 1,
            "locale": locale, "attachment_size_limit": limit, "channel": place.channel(),
            "channel_id": str(place.channel_id), "app_permissions": "0", "entitlements": [], "data": data,
        }
        if place.guild_id is None:
            payload["user"] = user(user_id)
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
        else:
            payload.update(guild_id=str(place.guild_id), guild_locale="en-US", context=0)
            payload["member"] = {"user": user(user_id), "roles": [], "joined_at": "2025-01-01T00:00:00+00:00",
                                 "deaf": False, "mute": False, "permissions": "0", "flags": 0}
            owners = {"1": str(user_id)} if user_install_only else {"0": str(place.guild_id)}
            payload["authorizing_integration_owners"] = owners
        return payload


def bot_mention() -> str:
    """How a message text mentions the bot."""
    return f"<@{BOT_ID}>"
