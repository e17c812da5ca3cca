"""The message catalogue: every user-facing sentence, one table per language, looked up by key with named fields.

Each module in `bot.i18n.locales` is one table (a `MESSAGES` mapping of key -> template), found at start-up, so
adding a language is adding one file. A module named after a language (`en`, `zh`) is a full table: it has every
key `en` has, with the same named fields (a test checks both). A module named language_REGION (`zh_TW`) is a
partial regional table: a key it lacks falls back to its language (`zh`), then to `en`. Every lookup follows that
chain from the locale it is given, so `zh-CN` reads `zh_CN` (absent), then `zh`, then `en`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.i18n import locales

DEFAULT = "en"
"""The language every other one falls back to; its table defines the keys."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The tables of one locales package, by module name: `en`, `zh`, `zh_TW`."""

    tables: Mapping[str, Mapping[str, str]]

    @classmethod
    def discover(cls, package: str) -> Catalogue:
        """Import every module of `package` and read its `MESSAGES`."""
        root = importlib.import_module(package)
        found: dict[str, Mapping[str, str]] = {}
        for module in pkgutil.iter_modules(root.__path__):
            found[module.name] = importlib.import_module(f"{package}.{module.name}").MESSAGES
        return cls(found)

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
