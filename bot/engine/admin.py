"""Admin commands as typed: `/allow <user>`, `/deny <user>`, `/quota <user> <n> [kind]`, read by a pure function."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.routing import Intent
from bot.engine.rules import Kind, is_id

ADMIN_ONLY = frozenset({Intent.ALLOW, Intent.DENY, Intent.QUOTA})
"""What only admins may do; `/usage` is anyone's (their own use)."""
TEAM_COMMANDS = ADMIN_ONLY | {Intent.USAGE}

_MENTION = re.compile(r"<@!?(\d+)>")
_KINDS = {
    "turn": Kind.TURNS, "turns": Kind.TURNS, "export": Kind.EXPORTS, "exports": Kind.EXPORTS,
    "credit": Kind.CREDITS, "credits": Kind.CREDITS,
}
DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Order:
    """An admin command: what, for whom (`telegram:123`), and for `/quota` the limit (None: back to the default)."""

    intent: Intent
    person: str = ""
    limit: int | None = None
    kind: Kind = Kind.TURNS


def person_of(word: str, platform: str) -> str | None:
    """Whom a word names: a Discord mention, an id of another platform (`discord:456`), or an id here."""
    mention = _MENTION.fullmatch(word)
    if mention:
        return f"{platform}:{mention.group(1)}"
    if not is_id(word) or word.startswith("@"):  # a Telegram @username is not an id the bot can match
        return None
    return word if ":" in word else f"{platform}:{word}"


def parse(intent: Intent, text: str, platform: str) -> Order | None:
    """The command `text` (what follows the command word) asks for; None when it is not one the bot understands."""
    words = text.split()
    if intent is Intent.USAGE:
        return Order(intent)
    if not words or intent not in ADMIN_ONLY:
        return None
    person = person_of(words[0], platform)
    if person is None:
        return None
    if intent is not Intent.QUOTA:
        return Order(intent, person) if len(words) == 1 else None
    return _quota(person, [word.lower() for word in words[1:]])


def _quota(person: str, words: list[str]) -> Order | None:
    """`<n>` or `default`, and optionally the kind, in either order."""
    kinds = [_KINDS[word] for word in words if word in _KINDS]
    amounts = [word for word in words if word not in _KINDS]
    if len(kinds) > 1 or len(amounts) != 1 or not (amounts[0].isdigit() or amounts[0] == DEFAULT):
        return None
    limit = None if amounts[0] == DEFAULT else int(amounts[0])
    return Order(Intent.QUOTA, person, limit, kinds[0] if kinds else Kind.TURNS)
