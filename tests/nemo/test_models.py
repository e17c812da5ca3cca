"""Reading the API's payloads into models."""

from __future__ import annotations

import pytest

from bot.nemo.errors import MalformedReply
from bot.nemo.models import Credits, RenderStatus


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


@pytest.mark.parametrize(
    ("data", "queue"),
    [
        ({"status": "pending", "queuePosition": 3}, 3),
        ({"status": "queued", "queue_position": 1}, 1),
        ({"status": "pending"}, None),  # the service reports no place in line (yet): the card just waits
    ],
)
def test_a_waiting_renders_place_in_line_is_read_when_given(data: dict[str, object], queue: int | None) -> None:
    assert RenderStatus.from_wire(data, "render_1").queue == queue
