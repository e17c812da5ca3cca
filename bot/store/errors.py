"""The store's exceptions, by what the caller does next.

StoreError                 any store failure; the turn cannot go on
├── StoreUnavailable       Redis cannot be reached or timed out; retry later, tell the user
│   └── StoreRefused       Redis refused the password (or needs one); retrying will not help until it is fixed
└── CorruptRecord          a stored value is not the shape this version writes; drop or rewrite it

Messages name the record kind and never a value, so a token cannot leak through them.
"""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed."""


class StoreUnavailable(StoreError):
    """Redis could not be reached, or did not answer in time."""


class StoreRefused(StoreUnavailable):
    """Redis refused the bot's credentials: the password in REDIS_URL is wrong, or missing."""


class CorruptRecord(StoreError):
    """A stored value could not be read back as the record it should be."""
