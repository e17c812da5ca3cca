"""Reading the API's payloads into models."""

from __future__ import annotations

import pytest

from bot.nemo.errors import MalformedReply
from bot.nemo.models import Credits


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"available": 25000, "frozen": 40, "total": 25040}, Credits(25000, 40, 25040)),
        ({"available": 90, "frozen": 10}, Credits(90, 10, 100)),  # no total: available + frozen
        ({"available": 100}, Credits(100, 0, 100)),
        ({"available": 7, "frozen": 3, "total": 12}, Credits(7, 3, 12)),  # the API's total is shown as it says
    ],
)
def test_credits_always_have_a_total(data: dict[str, int], expected: Credits) -> None:
    assert Credits.from_wire(data) == expected


def test_credits_without_available_are_malformed() -> None:
    with pytest.raises(MalformedReply):
        Credits.from_wire({"frozen": 1, "total": 1})
