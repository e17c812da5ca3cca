"""The simulator's switches: one mutable pydantic model, changed at runtime through `POST /__sim/config`."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nemo_sim.scenarios import Scenario

ENV_PREFIX = "SIM_"
JSON_FIELDS = ("faults", "refused_client_ids")  # lists, spelled as JSON in the environment
MAX_UPLOAD_MB = 200.0  # the documented upload limit, in MB of 1,000,000 bytes
Resolution = Literal["360p", "480p", "720p", "1080p"]
# Canvas sizes (16:9, even sides for yuv420p). 360p keeps renders fast for tests; 1080p is what Nemo makes.
CANVAS: dict[str, tuple[int, int]] = {"360p": (640, 360), "480p": (854, 480), "720p": (1280, 720),
                                      "1080p": (1920, 1080)}


class Fault(BaseModel):
    """An injected failure: the next `times` requests under `path_prefix` (or at `endpoint`) answer with `code`."""

    model_config = ConfigDict(extra="forbid")

    path_prefix: str | None = None
    endpoint: str | None = Field(
        None, description="A path template instead of a prefix: /api/render/proxy/{rid}/download ({x}: one segment)."
    )
    code: int = Field(description="An envelope code (1001, 1002, 2001, 4001, 4002...) or an HTTP status (400-599).")
    times: int = Field(1, ge=1)
    method: str | None = Field(None, description="Only requests with this HTTP method; None matches any.")
    wrapped: bool = Field(
        False,
        description="In envelope mode, an HTTP status is sent as HTTP 200 with the status as the envelope's code, "
        "as a gateway that wraps every error would (codes >= 1000 follow the error mode anyway).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Fault:
        if (self.path_prefix is None) == (self.endpoint is None):
            raise ValueError("give either path_prefix or endpoint")
        return self

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.endpoint is not None:
            return _template(self.endpoint).fullmatch(path) is not None
        return path.startswith(self.path_prefix or "")


@functools.cache
def _template(endpoint: str) -> re.Pattern[str]:
    """A path template as a pattern: each `{name}` matches one path segment."""
    parts = re.split(r"\{[^}/]+\}", endpoint)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


class SimConfig(BaseModel):
    """Every behaviour switch of the simulator; all fields have defaults, all delays scale with `speed`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    speed: float = Field(1.0, ge=0, description="Multiplies every delay; tests use 0.001-0.01.")
    error_mode: Literal["envelope", "http"] = "envelope"
    anon_repeat: Literal["same", "429"] = "same"
    max_clients_per_ip: int = Field(10, ge=1)
    refused_client_ids: list[str] = Field(
        default_factory=list,
        description="Client ids the token endpoint refuses with HTTP 400, as it does a missing or over-long one.",
    )
    token_ttl_days: float = Field(7.0, gt=0)
    hb_interval: float = Field(15.0, gt=0, description="Seconds between keepalives while tools run (scaled).")
    hb_style: Literal["comment", "empty", "json", "event"] = "comment"
    gen_seconds: float = Field(120.0, ge=0, description="How long generate_video runs (scaled).")
    edit_seconds: float = Field(20.0, ge=0, description="How long edit_multitrack runs (scaled).")
    scenario: Scenario | None = Field(None, description="Forces a scenario for every turn (see scenarios.py).")
    no_credits: Literal["error", "text"] = "error"
    gui_hint: str | None = Field(
        None, description="A web-editor instruction the agent ends every reply with (\"Drag the clip to...\"); "
        "None: its usual rotation.",
    )
    busy: Literal["reject", "queue"] = "reject"
    max_upload_mb: float = Field(MAX_UPLOAD_MB, gt=0, description="Larger files answer 4002.")
    render_shape: Literal["A", "B"] = "A"
    render_output_url: bool = Field(
        True, description="False: a completed render names no output URL, so clients use the fallback download."
    )
    render_fail: int = Field(0, ge=0, description="The next N submitted renders fail.")
    render_seconds: float = Field(30.0, ge=0, description="How long a render runs (scaled).")
    render_spread: float = Field(
        0.0, ge=0, lt=1, description="Each render runs render_seconds times a factor within 1 +- this (by its id).",
    )
    render_look: Literal["draft", "plain"] = Field(
        "draft", description="plain: every render of one size and length is one cached clip (for load tests).",
    )
    plan: Literal["ok", "free_blocked"] = "ok"
    drop_user_id: bool = False
    session_404: bool = False
    silent_end: Literal["rotate", "no_parts", "empty_text", "no_content_code", "bare_event", "close"] = "rotate"
    error_style: Literal["rotate", "1.x", "2.x"] = "rotate"
    resolution: Resolution = Field("360p", description="The canvas of new sessions, hence of their renders.")
    faults: list[Fault] = Field(default_factory=list)

    @property
    def canvas(self) -> tuple[int, int]:
        """The canvas width and height new sessions get."""
        return CANVAS[self.resolution]

    def delay(self, seconds: float) -> float:
        """A nominal delay in seconds, scaled by `speed`."""
        return seconds * self.speed

    def patched(self, patch: Mapping[str, Any]) -> SimConfig:
        """A validated copy with `patch` applied on top (a partial update)."""
        return SimConfig.model_validate({**self.model_dump(), **patch})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SimConfig:
        """Read `SIM_<FIELD>` variables (e.g. SIM_SPEED=0.01, SIM_FAULTS='[...]'); unset ones keep defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw:
                values[name] = json.loads(raw) if name in JSON_FIELDS else raw
        return cls.model_validate(values)
