"""The engine imports no platform, Redis or HTTP library."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.engine

FORBIDDEN = {"telegram", "discord", "redis", "httpx", "httpx_sse", "aiohttp", "fakeredis", "starlette", "uvicorn"}


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
