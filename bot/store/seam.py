"""The seam between redis-py and the store: every Redis exception becomes a store exception here."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import AuthenticationError, RedisError, WatchError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.store.errors import StoreError, StoreRefused, StoreUnavailable

_P = ParamSpec("_P")
_T = TypeVar("_T")


@contextmanager
def translated() -> Iterator[None]:
    """Map Redis failures to StoreError; an unreachable or silent server is a StoreUnavailable."""
    # Messages carry the exception type only: Redis errors may quote the URL, and the URL a password.
    try:
        yield
    except AuthenticationError as exc:  # a ConnectionError to redis-py, but no retry will get past it
        raise StoreRefused(f"Redis refused the password ({type(exc).__name__})") from exc
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise StoreUnavailable(f"Redis unavailable ({type(exc).__name__})") from exc
    except WatchError as exc:
        # redis-py reports a connection lost while keys are watched as a WatchError: Redis went away, not a race.
        if isinstance(exc.__context__, (RedisConnectionError, RedisTimeoutError, OSError)):
            raise StoreUnavailable(f"Redis unavailable ({type(exc.__context__).__name__})") from exc
        raise StoreError(f"Redis refused a store operation ({type(exc).__name__})") from exc
    except RedisError as exc:
        raise StoreError(f"Redis refused a store operation ({type(exc).__name__})") from exc


def operation(fn: Callable[_P, Awaitable[_T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Run a store operation inside `translated()`, so callers see only StoreError and its subclasses."""

    @functools.wraps(fn)
    async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with translated():
            return await fn(*args, **kwargs)

    return wrapper
