"""The one place Redis exceptions become store exceptions."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.store.errors import StoreError, StoreUnavailable

_P = ParamSpec("_P")
_T = TypeVar("_T")


def translated(fn: Callable[_P, Awaitable[_T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Wrap a store operation so callers see only StoreError and its subclasses."""

    @functools.wraps(fn)
    async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        # Messages carry the exception type only: Redis errors may quote the URL, and the URL a password.
        try:
            return await fn(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise StoreUnavailable(f"Redis unavailable ({type(exc).__name__})") from exc
        except RedisError as exc:
            raise StoreError(f"Redis refused a store operation ({type(exc).__name__})") from exc

    return wrapper
