"""Access and quotas decided without I/O: the settings' lists, who a message is from, the admin commands as typed,
the calendar periods and how quotas are said."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot.engine.access import Person, Standing, standing
from bot.engine.admin import Order, parse, person_of
from bot.engine.messages import Incoming
from bot.engine.quotas import Reached, window
from bot.engine.routing import Intent, route
from bot.engine.rules import Kind, Period, TeamRules
from bot.engine.team import kinds_of
from bot.engine.wording import Wording
from bot.store.keys import ChatKey
from bot.store.models import Grant

OPEN = TeamRules()
TEAM = TeamRules(
    allowed_users=("111", "discord:222"), allowed_chats=("-100500", "discord:700"), admin_users=("telegram:9",),
    allowed_roles=("880",),
)


def _person(platform: str, user: str, *chats: str, roles: tuple[str, ...] = (), vouched: bool = False) -> Person:
    return Person(platform, user, chats, roles, vouched)


@pytest.mark.parametrize(
    ("rules", "person", "grant", "expected"),
    [
        (OPEN, _person("telegram", "5", "5"), None, Standing.MEMBER),
        (OPEN, _person("telegram", "5", "5"), Grant.DENY, Standing.REFUSED),
        (TEAM, _person("telegram", "111", "111"), None, Standing.MEMBER),  # a bare id: any platform
        (TEAM, _person("discord", "111", "555", "700"), None, Standing.MEMBER),
        (TEAM, _person("telegram", "222", "222"), None, Standing.REFUSED),  # discord:222 is not telegram's 222
        (TEAM, _person("discord", "222", "555"), None, Standing.MEMBER),
        (TEAM, _person("telegram", "5", "-100500"), None, Standing.MEMBER),  # everyone in an allowed group
        (TEAM, _person("telegram", "5", "-100501"), None, Standing.REFUSED),
        (TEAM, _person("discord", "5", "555", "556", "700"), None, Standing.MEMBER),  # a thread of the server
        (TEAM, _person("telegram", "700", "700"), None, Standing.REFUSED),  # discord:700 is a Discord server only
        (TEAM, _person("discord", "5", "555", roles=("1", "880")), None, Standing.MEMBER),
        (TEAM, _person("discord", "5", "555", roles=("1",)), None, Standing.REFUSED),
        (TEAM, _person("telegram", "5", "5"), Grant.ALLOW, Standing.MEMBER),
        (TEAM, _person("telegram", "111", "111"), Grant.DENY, Standing.REFUSED),  # a grant in chat wins
        (TEAM, _person("telegram", "9", "9"), None, Standing.ADMIN),
        (TEAM, _person("telegram", "9", "9"), Grant.DENY, Standing.ADMIN),  # an admin can't be denied
        (TEAM, _person("discord", "9", "9"), None, Standing.REFUSED),
        (TEAM, _person("console", "bob", "local", vouched=True), None, Standing.ADMIN),
        (TeamRules(admin_users=("1",)), _person("telegram", "5", "5"), None, Standing.MEMBER),  # admins alone: open
    ],
)
def test_who_may_use_the_bot(rules: TeamRules, person: Person, grant: Grant | None, expected: Standing) -> None:
    assert standing(rules, person, grant) is expected


def test_a_message_names_its_sender_and_every_place_lists_may_name() -> None:
    msg = Incoming(
        ChatKey("discord", "555", "556"), "7", "<@7>", "hi", guild_id="700", role_ids=("880",), direct=False,
    )
    assert Person.of(msg) == Person("discord", "7", ("555", "556", "700"), ("880",), False)
    assert Person.of(msg).key == "discord:7"
    console = Incoming(ChatKey("console", "local"), "bob", "bob", admin=True)
    assert Person.of(console) == Person("console", "bob", ("local",), (), True)


def test_settings_take_comma_lists_of_bare_or_platform_ids() -> None:
    rules = TeamRules(allowed_users=" 123 , discord:456,console:bob,, ", admin_users=7)
    assert rules.allowed_users == ("123", "discord:456", "console:bob")
    assert rules.admin_users == ("7",)
    assert TeamRules().is_open
    assert not TeamRules(allowed_roles="1").is_open
    for wrong in ("12 3", "slack:1", "telegram:", "a,b;c"):
        with pytest.raises(ValidationError) as caught:
            TeamRules(allowed_users=wrong)
        assert "must be a comma list of ids" in str(caught.value)
    with pytest.raises(ValidationError):
        TeamRules(quota_turns=-1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/allow 123", Order(Intent.ALLOW, "telegram:123")),
        ("/allow discord:456", Order(Intent.ALLOW, "discord:456")),
        ("/deny <@!42>", Order(Intent.DENY, "telegram:42")),
        ("/quota 123 5", Order(Intent.QUOTA, "telegram:123", 5, Kind.TURNS)),
        ("/quota 123 2 exports", Order(Intent.QUOTA, "telegram:123", 2, Kind.EXPORTS)),
        ("/quota 123 credits 300", Order(Intent.QUOTA, "telegram:123", 300, Kind.CREDITS)),
        ("/quota 123 default export", Order(Intent.QUOTA, "telegram:123", None, Kind.EXPORTS)),
        ("/usage", Order(Intent.USAGE)),
        ("/allow", None),
        ("/allow @ada", None),  # a Telegram username is not an id
        ("/allow 1 2", None),
        ("/quota 123", None),
        ("/quota 123 five", None),
        ("/quota 123 5 turns exports", None),
        ("/quota 123 -1", None),
    ],
)
def test_admin_commands_as_typed(text: str, expected: Order | None) -> None:
    decision = route(text)
    assert parse(decision.intent, decision.text, "telegram") == expected


def test_a_mention_names_someone_on_the_platform_it_was_written_on() -> None:
    assert person_of("<@42>", "discord") == "discord:42"
    assert person_of("bob", "console") == "console:bob"
    assert person_of("slack:1", "console") is None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("make a video of a cat", {Kind.TURNS}), ("export", {Kind.EXPORTS}), ("/apply 1a2b3c4d", {Kind.TURNS}),
        ("upload https://example.com/a.png make it pop", {Kind.TURNS}), ("https://example.com/a.png", set()),
        ("status", set()), ("credits", set()), ("/new", set()), ("/video", set()), ("/usage", set()),
    ],
)
def test_what_a_request_spends(text: str, kinds: set[Kind]) -> None:
    assert kinds_of(route(text)) == kinds


def _at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("period", "now", "name", "starts", "ends"),
    [
        (Period.DAY, "2026-01-31T23:59:59", "day-2026-01-31", "2026-01-31T00:00", "2026-02-01T00:00"),
        (Period.WEEK, "2026-01-01T12:00", "week-2026-W01", "2025-12-29T00:00", "2026-01-05T00:00"),
        (Period.WEEK, "2026-01-04T23:00", "week-2026-W01", "2025-12-29T00:00", "2026-01-05T00:00"),
        (Period.MONTH, "2024-02-29T08:00", "month-2024-02", "2024-02-01T00:00", "2024-03-01T00:00"),
        (Period.MONTH, "2026-12-31T23:00", "month-2026-12", "2026-12-01T00:00", "2027-01-01T00:00"),
    ],
)
def test_quota_periods_are_utc_calendar_periods(period: Period, now: str, name: str, starts: str, ends: str) -> None:
    found = window(period, _at(now))
    assert (found.name, found.starts, found.ends) == (name, _at(starts), _at(ends))


def test_a_refusal_says_when_the_quota_resets_in_utc_and_how_long_from_now() -> None:
    day = window(Period.DAY, _at("2026-01-31T18:40"))
    reached = Reached(Kind.TURNS, 3, day)
    assert Wording("en", Period.DAY).reached(reached, _at("2026-01-31T18:40")) == (
        "🧮 You've reached your quota of 3 agent requests today, so this request was not sent. It resets at "
        "2026-02-01 00:00 UTC (in 6 hours)."
    )
    assert Wording("en", Period.DAY).reached(reached, _at("2026-01-31T23:15")).endswith("(in 45 minutes).")
    assert Wording("en", Period.DAY).reached(reached, _at("2026-01-31T23:59:30")).endswith("(in a minute).")
    assert Wording("zh", Period.DAY).reached(reached, _at("2026-01-31T18:40")) == (
        "🧮 你今天的智能体请求配额（3）已用完，这次请求没有发送。配额将于 2026-02-01 00:00 UTC 重置（6 小时后）。"
    )


def test_use_and_what_is_left_are_said_per_kind() -> None:
    words = Wording("en", Period.WEEK)
    limits = {Kind.TURNS: 5, Kind.EXPORTS: None, Kind.CREDITS: 100}
    assert words.uses({"turns": 2, "exports": 1}, limits) == "2 of 5 agent requests, 1 exports, 0 of 100 credits"
    assert words.uses({}, dict.fromkeys(Kind)) == "nothing yet"
    week = window(Period.WEEK, _at("2026-01-31T12:00"))
    assert words.remaining(limits, {"turns": 7, "credits": 40}, week, _at("2026-01-31T12:00")) == (
        "🧮 Your quota this week: 0 of 5 agent requests left, 60 of 100 credits left. It resets at 2026-02-02 00:00 "
        "UTC (in 36 hours)."
    )
