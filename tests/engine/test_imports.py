"""The engine imports no platform, Redis, HTTP or imaging library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bot.engine

# Pillow too: drawing belongs behind the `Pictures` port (bot.pictures), so the engine stays light and testable.
FORBIDDEN = {
    "telegram", "discord", "redis", "httpx", "httpx_sse", "aiohttp", "fakeredis", "starlette", "uvicorn", "PIL",
    "prometheus_client",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_modules_import_no_platform_or_io_library() -> None:
    folder = Path(bot.engine.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 5
    offenders = {path.name: _imports(path) & FORBIDDEN for path in modules if _imports(path) & FORBIDDEN}
    assert offenders == {}


def test_the_walker_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import redis.asyncio\nfrom telegram import Bot\n", encoding="utf-8")
    assert _imports(sample) & FORBIDDEN == {"redis", "telegram"}


def test_loading_the_engine_loads_no_platform_or_io_library() -> None:
    # What the engine imports may import more: load every engine module in a fresh interpreter and look.
    folder = Path(bot.engine.__file__).parent
    names = [f"bot.engine.{path.stem}" for path in sorted(folder.glob("*.py")) if path.stem != "__init__"]
    probe = f"import importlib, sys\nfor name in {names!r}: importlib.import_module(name)\nprint(' '.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert {name.split(".")[0] for name in loaded} & FORBIDDEN == set()
