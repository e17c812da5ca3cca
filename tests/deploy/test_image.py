"""The Dockerfile and its lock files, read without a Docker daemon: pinned, non-root, healthy, the right ports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import TelegramSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", re.MULTILINE)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions, by stage name, in file order."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for instruction, arguments in instructions():
        if instruction == "FROM":
            current = found.setdefault(arguments.split(" AS ")[-1], [])
        current.append((instruction, arguments))
    return found


def pins(name: str) -> dict[str, str]:
    """A lock file's pinned versions by canonical package name."""
    text = (ROOT / "deploy" / name).read_text(encoding="utf-8")
    return {canonicalize_name(package): version for package, version in _PIN.findall(text)}


def project() -> dict[str, object]:
    """pyproject.toml's [project] table."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        table: dict[str, object] = tomllib.load(handle)["project"]
    return table


def test_the_default_target_is_the_runtime_image_without_ffmpeg() -> None:
    built = stages()
    assert list(built)[-1] == "runtime"
    runtime = " ".join(arguments for _, arguments in built["runtime"])
    assert "--from=build " in runtime
    assert "build-sim" not in runtime
    assert any("requirements-sim.lock" in arguments for _, arguments in built["build-sim"])
    assert any("--from=build-sim" in arguments for _, arguments in built["sim"])


def test_dependencies_come_from_the_lock_and_the_package_without_its_own() -> None:
    runs = [arguments for instruction, arguments in stages()["build"] if instruction == "RUN"]
    assert any("--require-hashes -r /tmp/lock/requirements.lock" in run for run in runs)
    assert any("install --no-deps ." in run for run in runs)


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    [user] = [arguments for instruction, arguments in stages()["base"] if instruction == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0


def test_the_image_exposes_the_webhook_and_health_ports_and_checks_its_health() -> None:
    base = stages()["base"]
    env = " ".join(arguments for instruction, arguments in base if instruction == "ENV")
    health_port = re.search(r"HEALTH_PORT=(\d+)", env)
    assert health_port is not None
    exposed = {port for instruction, arguments in base if instruction == "EXPOSE" for port in arguments.split()}
    assert {str(TelegramSettings.model_fields["webhook_port"].default), health_port.group(1)} <= exposed
    [check] = [arguments for instruction, arguments in base if instruction == "HEALTHCHECK"]
    assert "urllib.request" in check
    assert "HEALTH_PORT" in check
    assert "/healthz" in check
    assert "curl" not in check


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-sim.lock"])
def test_every_dependency_is_pinned_within_its_range(lock: str) -> None:
    locked = pins(lock)
    dependencies = project()["dependencies"]
    assert isinstance(dependencies, list)
    for line in dependencies:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in deploy/{lock}: see its header to make it again"
        assert requirement.specifier.contains(locked[name], prereleases=True), f"{name}=={locked[name]} in {lock}"


def test_the_sim_lock_adds_ffmpeg_and_changes_nothing_else() -> None:
    runtime, sim = pins("requirements.lock"), pins("requirements-sim.lock")
    assert "imageio-ffmpeg" not in runtime
    assert sim == {**runtime, "imageio-ffmpeg": sim["imageio-ffmpeg"]}
    extras = project()["optional-dependencies"]
    assert isinstance(extras, dict)
    [ffmpeg] = [Requirement(line) for line in extras["sim"]]
    assert ffmpeg.specifier.contains(sim["imageio-ffmpeg"])
