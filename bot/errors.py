"""Why the bot could not start, by what the operator does next; each kind stops the process with its own code.

StartupError            the bot cannot start: `cause` says what happened, `fix` what to change
├── BadSetting      2   a setting is wrong, or names what this machine cannot use (a port in use): change it
├── Unreachable     3   a service the bot needs did not answer (Redis, Telegram's or Discord's API): start it, or
│                       point the setting at the right place
└── CredentialsRefused
                    4   a service refused the bot's credentials (a platform token, Redis's password): replace them

The composition root translates each library's exceptions into this tree once, at its seam: `bot/app.py` for the
store, `bot/app_telegram.py` and `bot/app_discord.py` for the platforms. `bot/cli.py` picks the one that stopped the
start out of any task group (`stopped_by`) and prints its two lines. They name settings, addresses and services,
never a value that could be a secret (and the printer masks every secret it knows all the same).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import urlsplit


class StartupError(Exception):
    """The bot cannot start; `cause` and `fix` are one line each."""

    exit_code: ClassVar[int] = 1

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix


class BadSetting(StartupError):
    """A setting is wrong, or names something this machine cannot use."""

    exit_code = 2


class Unreachable(StartupError):
    """A service the bot needs (Redis, a platform's API) did not answer."""

    exit_code = 3


class CredentialsRefused(StartupError):
    """A service refused the bot's token or password."""

    exit_code = 4


def stopped_by(exc: BaseException) -> BaseException:
    """The exception that stopped the start: the first StartupError among the leaves of `exc`'s groups, else the
    first leaf (a task group reports "unhandled errors in a TaskGroup", never why)."""
    leaves = list(_leaves(exc))
    return next((leaf for leaf in leaves if isinstance(leaf, StartupError)), leaves[0] if leaves else exc)


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


_TIMEOUT_NAME = re.compile(r"Time[dD]?[oO]ut")


def reason(exc: BaseException) -> str:
    """Why a connection failed, in the system's own words ("Connection refused", "Name or service not known") or
    "timed out"; else the name of the deepest cause. Never a library's message: it may quote a URL with a password."""
    deepest: BaseException = exc
    for cause in _causes(exc):
        if isinstance(cause, OSError) and (cause.errno or cause.strerror):
            # asyncio words a refused connection "Connect call failed (address)": the errno's own words are plainer.
            return os.strerror(cause.errno) if cause.errno and cause.errno > 0 else str(cause.strerror)
        if isinstance(cause, TimeoutError) or _TIMEOUT_NAME.search(type(cause).__name__):
            return "timed out"
        deepest = cause
    return type(deepest).__name__


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it was raised from, and so on (into the first member of a group); a cycle ends it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
            cause = cause.exceptions[0]
        else:
            cause = cause.__cause__ or cause.__context__


def shown_url(url: str) -> str:
    """`url` as an error may show it: scheme, host, port and path, without credentials or a query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: the URL is shown without it
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
