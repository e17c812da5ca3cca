"""The adapters are handed their resources and values: none reads settings or the environment, or opens a connection."""

from __future__ import annotations

import ast
from pathlib import Path

import adapters

SETTINGS_MODULES = {"bot.config", "bot.app", "pydantic_settings"}
OPENERS = {"AsyncClient", "ClientSession"}  # httpx and aiohttp clients belong to the composition root


def _offences(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in SETTINGS_MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module in SETTINGS_MODULES:
            found.add(node.module)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in OPENERS:
                found.add(f"{name}()")
        elif isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.add(f"os.{node.attr}")  # the composition root reads the environment, never an adapter
        elif isinstance(node, ast.Assign):
            found.update(
                "Route.BASE =" for target in node.targets
                if isinstance(target, ast.Attribute) and target.attr == "BASE"
            )
    return found


def test_no_adapter_reads_settings_or_opens_a_client() -> None:
    folder = Path(adapters.__file__).parent
    modules = sorted(folder.rglob("*.py"))
    assert len(modules) > 20
    offenders = {str(path.relative_to(folder)): _offences(path.read_text(encoding="utf-8")) for path in modules}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_walker_catches_each_offence() -> None:
    sample = (
        "from bot.config import Settings\nimport httpx, discord\n"
        "http = httpx.AsyncClient()\ndiscord.http.Route.BASE = 'x'\nlang = os.environ.get('LANG')\n"
    )
    assert _offences(sample) == {"bot.config", "AsyncClient()", "Route.BASE =", "os.environ"}


SHARED_JOBS = {"client", "commands", "files", "handlers", "incoming", "options", "outgoing", "runner"}
"""The modules every chat platform's package has, each doing the same job there (the README's Layout names them)."""


def test_platform_packages_name_the_same_jobs_alike() -> None:
    folder = Path(adapters.__file__).parent
    for package in ("telegram", "discord_bot"):
        modules = {path.stem for path in (folder / package).glob("*.py")}
        assert modules >= SHARED_JOBS, package
