"""The Telegram adapter (python-telegram-bot): `run_telegram` serves an Application in polling or webhook mode."""
