"""Lenient readers for loosely specified JSON: a typed value under any of several keys, or a default."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bot.nemo.errors import MalformedReply


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """`value` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def dict_items(value: object) -> list[dict[str, Any]]:
    """The JSON objects in `value` when it is an array; anything else is dropped."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def pick(obj: Mapping[str, Any], *keys: str) -> Any:
    """The first non-null value under any of `keys`, else None."""
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def opt_str(obj: Mapping[str, Any], *keys: str) -> str | None:
    """The first string (or number, as text) under any of `keys`."""
    value = pick(obj, *keys)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def opt_float(obj: Mapping[str, Any], *keys: str) -> float | None:
    """The first finite number (or numeric string) under any of `keys`."""
    value = pick(obj, *keys)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def opt_int(obj: Mapping[str, Any], *keys: str) -> int | None:
    """Like `opt_float`, rounded to an int."""
    value = opt_float(obj, *keys)
    return None if value is None else round(value)


def need_str(obj: Mapping[str, Any], key: str, what: str) -> str:
    """The string under `key`, or MalformedReply naming `what` was being read."""
    value = opt_str(obj, key)
    if not value:
        raise MalformedReply(f"{what}: missing {key!r}")
    return value
