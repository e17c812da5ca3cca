"""The simulator shares only the wire vocabulary with the bot, and that vocabulary needs no HTTP library."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.nemo.wire
import nemo_sim

SHARED = {"bot.nemo.wire"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _from_bot(names: set[str]) -> set[str]:
    return {name for name in names if name == "bot" or name.startswith("bot.")}


def test_simulator_imports_nothing_of_the_bot_but_the_wire_vocabulary() -> None:
    modules = sorted(Path(nemo_sim.__file__).parent.glob("*.py"))
    assert len(modules) > 10
    offenders = {path.name: _from_bot(_imports(path)) - SHARED for path in modules}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_wire_vocabulary_imports_only_the_standard_library() -> None:
    assert _imports(Path(bot.nemo.wire.__file__)) <= {"__future__", "enum"}


def test_the_walker_catches_an_import_of_the_client(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import bot.engine.tasks\nfrom bot.nemo.models import Credits\nfrom bot.nemo.wire import ME\n")
    assert _from_bot(_imports(sample)) - SHARED == {"bot.engine.tasks", "bot.nemo.models"}
