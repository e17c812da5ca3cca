"""The README's simulator section shows the tables the simulator runs on: keywords, prices, canvas choices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nemo_sim.config import CANVAS
from nemo_sim.scenarios import KEYWORDS, OPERATIONS, PRICES, ZH_MAKE, ZH_VIDEO, Operation, Scenario

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The simulator\n")
    return text[start : text.index("\n## ", start + 1)]


def _price_row(operation: Operation) -> list[str]:
    """The cells of the price table's row for `operation`."""
    lines = _section().splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("| operation |"))
    for line in lines[header:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == f"`{operation}`":
            return cells
    raise AssertionError(f"no README price for {operation}")


@pytest.mark.parametrize(("scenario", "words"), KEYWORDS)
def test_every_keyword_is_in_the_readme(scenario: Scenario, words: tuple[str, ...]) -> None:
    shown = "\n".join(line for line in _section().splitlines() if line.startswith(f"| `{scenario}` |"))
    for word in words:
        verb, _, noun = word.partition("…")
        if verb in ZH_MAKE and noun in ZH_VIDEO:  # shown once as "one of these verbs, then one of these nouns"
            assert f"`{verb}`" in shown, word
            assert f"`{noun}`" in shown, word
        else:
            assert f"`{word}`" in shown, word


@pytest.mark.parametrize("operation", list(Operation))
def test_every_price_is_in_the_readme(operation: Operation) -> None:
    cells = _price_row(operation)
    assert cells[-1] == str(PRICES[operation])
    priced = {scenario for scenario, op in OPERATIONS.items() if op is operation}
    assert priced <= set(re.findall(r"`(\w+)`", cells[1]))


def test_the_prices_let_each_workflow_finish_on_the_anonymous_credits() -> None:
    generate, edit = PRICES[Operation.GENERATE], PRICES[Operation.EDIT]
    assert PRICES[Operation.EXPORT] == 0
    assert generate + edit <= 100  # quick edit
    assert 3 * max(generate, edit) <= 100  # batch, whichever way each file is asked for
    assert generate + 2 * edit <= 100  # iterative


def test_the_canvas_choices_are_in_the_readme() -> None:
    section = _section()
    assert "--sim-resolution" in section
    for name in CANVAS:
        assert f"`{name}`" in section
