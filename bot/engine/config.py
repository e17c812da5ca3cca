"""Plain values the engine runs with, built by the composition root from `bot.config.EngineSettings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_UPLOAD_BYTES = 200 * 1000 * 1000
ACCEPTED_EXTENSIONS = frozenset(
    {"mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac"}
)
ACCEPTED_MIME = {
    "video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi", "video/webm": "webm",
    "video/x-matroska": "mkv", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/mp4": "m4a", "audio/aac": "aac",
}


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Timings and limits; every delay is in seconds."""

    workdir: Path
    web_url: str = "https://nemovideo.com"
    stream_timeout: float = 900.0
    stream_idle_timeout: float = 600.0
    keepalive_ping_interval: float = 120.0
    render_poll_initial: float = 2.0
    render_poll_max: float = 15.0
    render_poll_factor: float = 1.5
    render_timeout: float = 600.0
    recovery_first_wait: float = 30.0
    recovery_wait: float = 60.0
    recovery_checks: int = 5
    lock_lease: float = 120.0
    max_upload_bytes: int = MAX_UPLOAD_BYTES
