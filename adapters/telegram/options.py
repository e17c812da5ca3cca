"""The adapter's plain values: Bot API limits and the pacing of edits, chat actions and albums."""

from __future__ import annotations

from dataclasses import dataclass

PLATFORM = "telegram"
# The Bot API counts in decimal megabytes (PTB's FileSizeLimit uses the same values).
CLOUD_UPLOAD_LIMIT = 50_000_000
LOCAL_UPLOAD_LIMIT = 2_000_000_000
CLOUD_DOWNLOAD_LIMIT = 20_000_000
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class Options:
    """Limits and timings; every delay is in seconds. Tests shrink the timings."""

    upload_limit: int = CLOUD_UPLOAD_LIMIT
    download_limit: int | None = CLOUD_DOWNLOAD_LIMIT  # None: a local server has no getFile limit
    local_mode: bool = False
    edit_interval: float = 5.0  # least time between progress edits in one chat
    action_interval: float = 4.5  # a chat action shows for about 5 s, so it is renewed a little sooner
    working_cap: float = 1200.0  # stop renewing chat actions after this long, whatever happens
    album_wait: float = 1.0  # an album is complete once no part arrived for this long
    flood_attempts: int = 5  # sends retried after RetryAfter before giving up
    media_write_timeout: float = 300.0
    media_read_timeout: float = 120.0
    read_timeout: float = 15.0
    write_timeout: float = 15.0
    connect_timeout: float = 10.0
    pool_timeout: float = 5.0
    polling_timeout: float = 30.0  # long-poll duration of getUpdates

    @classmethod
    def for_server(cls, *, local_mode: bool) -> Options:
        """The limits of the cloud Bot API, or of a self-hosted server started with --local."""
        if local_mode:
            return cls(upload_limit=LOCAL_UPLOAD_LIMIT, download_limit=None, local_mode=True)
        return cls()
