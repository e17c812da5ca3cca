"""Where the bot keeps what must outlive a turn: sessions, credentials, renders, locks."""

from bot.store.errors import CorruptRecord, StoreError, StoreUnavailable
from bot.store.keys import Keys
from bot.store.models import ChatSession, Credentials, JobStatus, RenderJob
from bot.store.redis_store import RedisStore, open_store

__all__ = [
    "ChatSession",
    "CorruptRecord",
    "Credentials",
    "JobStatus",
    "Keys",
    "RedisStore",
    "RenderJob",
    "StoreError",
    "StoreUnavailable",
    "open_store",
]
