"""One module per language or region, each a `MESSAGES` table; see `bot.i18n` for the fallback rule."""
