"""What the engine runs with: its timings (read from the environment by `bot.config.EngineSettings`) and limits."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.engine.kinds import EXTENSION_KINDS
from bot.engine.leases import Incarnation
from bot.engine.rules import TeamRules

MAX_UPLOAD_BYTES = 200 * 1000 * 1000
# The longest request the bot hands on (a prompt, or the links of an upload), in characters: Discord's /video
# option takes as many, and a longer message is refused with a note rather than sent (and charged) in part.
MAX_PROMPT_CHARS = 4000
ACCEPTED_EXTENSIONS = frozenset(EXTENSION_KINDS)
ACCEPTED_MIME = {
    "video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi", "video/webm": "webm",
    "video/x-matroska": "mkv", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/mp4": "m4a", "audio/aac": "aac",
}


class EngineTimings(BaseModel):
    """The engine's knobs, in seconds, declared once: the settings tree reads each from its unprefixed variable."""

    stream_timeout: float = Field(900.0, description="Cap on one agent turn (/run_sse).")
    stream_idle_timeout: float = Field(600.0, description="Keepalives only for this long: the turn is given up.")
    keepalive_ping_interval: float = Field(120.0, description="Least time between \"Still working...\" pings.")
    render_poll_initial: float = Field(2.0, description="Render polling: the first delay.")
    render_poll_max: float = Field(15.0, description="Render polling: the longest delay.")
    render_poll_factor: float = Field(1.5, description="Render polling: the back-off factor between polls.")
    render_timeout: float = Field(600.0, description="Render polling: give up after this long.")
    recovery_first_wait: float = Field(
        30.0, description="After a dropped stream, or a turn cut short by a restart: time to the first state check.",
    )
    recovery_wait: float = Field(
        60.0, description="After a dropped stream, or a turn cut short by a restart: time between later state checks.",
    )
    recovery_checks: int = Field(
        5, description="After a dropped stream, or a turn cut short by a restart: state checks before giving up.",
    )
    lock_lease: float = Field(
        120.0,
        description="A chat's turn lock, a render's lease and a webhook update read from the inbox lapse after this "
        "long if their process dies; a live replica then takes them over.",
    )
    heartbeat: float = Field(
        10.0, gt=0,
        description="A running process marks itself alive in the store for this long, again every third of it: a "
        "chat locked by a process silent this long is freed by /cancel, and by that process's next start.",
    )
    render_poll_near: float = Field(
        1.5, description="Render polling: the time between polls around the end the render's progress predicts.",
    )


class EngineSwitches(BaseModel):
    """The engine's on/off settings, declared once like its timings."""

    allow_private_urls: bool = Field(
        False,
        description="true: links to private, loopback and link-local addresses and localhost are handed to Nemo "
        "(for a simulator on this machine; `--sim` turns it on). Other schemes than http(s) are refused always.",
    )
    render_poll_predict: bool = Field(
        True,
        description="true: render polls follow the end predicted from the render's progress and past renders; "
        "false: they back off from RENDER_POLL_INITIAL to RENDER_POLL_MAX only.",
    )


class EngineLimits(BaseModel):
    """How much work one process takes on at once, declared once like the timings."""

    max_concurrent_turns: int = Field(
        1000, ge=1,
        description="Agent turns one process runs at once (each holds one streaming connection to Nemo); "
        "a turn beyond them waits its turn, and the chat is told it is queued.",
    )


class EngineConfig(EngineLimits, EngineSwitches, EngineTimings):
    """Timings and limits the engine runs with; the composition root adds the values it derives."""

    model_config = ConfigDict(frozen=True)

    workdir: Path
    web_url: str = "https://nemovideo.com"
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    team: TeamRules = Field(default_factory=TeamRules)  # who may use the bot, and their quotas
    incarnation: Incarnation = Field(default_factory=Incarnation.new)  # this process start: one for all its engines

    @property
    def max_upload_mb(self) -> float:
        """The upload limit as the catalogue's messages state it, in megabytes."""
        return self.max_upload_bytes / 1e6
