"""The cycle collector is set once the process has started: what start-up made is frozen, collections spaced out."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest

from bot import collector


@pytest.fixture
def restored() -> Iterator[None]:
    """The collector as it was before the test."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored")
def test_settle_freezes_what_exists_and_spaces_young_collections() -> None:
    gc.unfreeze()
    _, middle, old = gc.get_threshold()
    kept = [object()]  # a container, which the collector tracks

    with warnings.catch_warnings():
        # The collection frees whatever earlier tests left unreachable, unclosed sockets included: not this test's.
        warnings.simplefilter("ignore", ResourceWarning)
        collector.settle()

    assert gc.get_freeze_count() > 0
    assert all(item is not kept for item in gc.get_objects())  # frozen: out of the collector's walks
    assert gc.get_threshold() == (collector.YOUNG, middle, old)
