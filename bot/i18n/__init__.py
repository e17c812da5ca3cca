"""The message catalogue: every user-facing sentence, one table per language, looked up by key with named fields.

Each module in `bot.i18n.locales` is one table (a `MESSAGES` mapping of key -> template), found at start-up, so
adding a language is adding one file. A module named after a language (`en`, `zh`) is a full table: it has every
key `en` has, with the same named fields (a test checks both). A module named language_REGION (`zh_TW`) is a
partial regional table: a key it lacks falls back to its language (`zh`), then to `en`. Every lookup follows that
chain from the locale it is given, so `zh-CN` reads `zh_CN` (absent), then `zh`, then `en`.

Beside `MESSAGES` a language's module holds what its speakers type as a whole-message request (`PHRASES`, a
`bot.i18n.tables.Phrases`: routing understands the phrases of every language at once), how to rewrite the agent's
web-editor instructions written in it (`GUI`, a tuple of `Rewrite`), how the agent says in it that a problem is
temporary (`TEMPORARY_ISSUE`, a pattern), and, where it differs from the locale, the tag the video service knows
the language by (`LANGUAGE_TAG`: `zh` says `zh-CN`; a table without one is sent as itself, `pt_BR` as `pt-BR`).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from bot.i18n import locales
from bot.i18n.tables import Phrases, Rewrite

DEFAULT = "en"
"""The language every other one falls back to; its table defines the keys."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The tables of one locales package, by module name: `en`, `zh`, `zh_TW`."""

    tables: Mapping[str, Mapping[str, str]]
    phrases: Mapping[str, Phrases] = field(default_factory=dict)
    rewrites: Mapping[str, Sequence[Rewrite]] = field(default_factory=dict)
    temporary: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def discover(cls, package: str) -> Catalogue:
        """Import every module of `package` and read its `MESSAGES` and whichever other tables it has."""
        root = importlib.import_module(package)
        modules = {found.name: importlib.import_module(f"{package}.{found.name}")
                   for found in pkgutil.iter_modules(root.__path__)}
        return cls(
            tables={name: module.MESSAGES for name, module in modules.items()},
            phrases=_having(modules, "PHRASES"),
            rewrites=_having(modules, "GUI"),
            temporary=_having(modules, "TEMPORARY_ISSUE"),
            tags=_having(modules, "LANGUAGE_TAG"),
        )

    def languages(self) -> tuple[str, ...]:
        """The full languages (no regional tables), the default first."""
        return (DEFAULT, *sorted(name for name in self.tables if "_" not in name and name != DEFAULT))

    def resolve(self, raw: str | None) -> str:
        """The most specific table for a platform's locale code: `zh-hans` -> `zh`, `zh-TW` -> `zh_TW`."""
        return next(name for name in chain(raw) if name in self.tables)

    def say(self, key: str, locale: str | None, **values: Any) -> str:
        """The message `key` from the nearest table that has it, filled with `values`."""
        for name in chain(locale):
            template = self.tables.get(name, {}).get(key)
            if template is not None:
                return template.format(**values) if values else template
        raise KeyError(key)

    def in_order(self) -> tuple[str, ...]:
        """Every table name, the full languages first (the default leading), then the regional tables."""
        return (*self.languages(), *sorted(name for name in self.tables if "_" in name))

    def language_tag(self, locale: str) -> str:
        """The tag the video service is told for a catalogue locale: the nearest table's own, else the locale's."""
        # The default ends every chain, but a language of its own must not be sent as English.
        names = chain(self.resolve(locale))[:-1] or (DEFAULT,)
        return next((self.tags[name] for name in names if name in self.tags), names[0].replace("_", "-"))


def _having(modules: Mapping[str, ModuleType], table: str) -> dict[str, Any]:
    """The modules' `table` attribute, for the modules that define it."""
    return {name: getattr(module, table) for name, module in modules.items() if hasattr(module, table)}


def chain(locale: str | None) -> tuple[str, ...]:
    """Table names to try for a locale code, most specific first, always ending with the default."""
    # POSIX names (zh_CN.UTF-8, sr_RS@latin) carry an encoding and modifier that no table is named after.
    parts = (locale or "").split(".")[0].split("@")[0].replace("-", "_").split("_")
    language = parts[0].lower()
    regional = [f"{language}_{parts[1].upper()}"] if language and len(parts) > 1 and parts[1] else []
    return (*regional, *([language] if language else []), DEFAULT)


@functools.cache
def catalogue() -> Catalogue:
    """The bot's own catalogue, read once."""
    return Catalogue.discover(locales.__name__)


def say(key: str, locale: str | None, **values: Any) -> str:
    """The message `key` in the language of `locale`, filled with `values`."""
    return catalogue().say(key, locale, **values)


def resolve_locale(raw: str | None) -> str:
    """The catalogue locale for a platform's locale code (`en` when no table matches)."""
    return catalogue().resolve(raw)


def languages() -> tuple[str, ...]:
    """The full languages the bot speaks, `en` first."""
    return catalogue().languages()


def language_tag(locale: str) -> str:
    """The language tag the video service is told for a catalogue locale: `zh` -> `zh-CN`, `en` -> `en`."""
    return catalogue().language_tag(locale)
