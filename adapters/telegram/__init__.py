"""The Telegram adapter (python-telegram-bot): `run_telegram` serves an Application in polling or webhook mode."""

from adapters.telegram.options import PLATFORM
from adapters.telegram.runner import run_telegram

__all__ = ["PLATFORM", "run_telegram"]
