"""Where the bot keeps what must outlive a turn: sessions, credentials, renders, locks."""
