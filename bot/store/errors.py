"""The store's exceptions, by what the caller does next.

StoreError                 any store failure; the turn cannot go on
├── StoreUnavailable       Redis cannot be reached or timed out; retry later, tell the user
└── CorruptRecord          a stored value is not the shape this version writes; drop or rewrite it

Messages name the record kind and never a value, so a token cannot leak through them.
"""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed."""


class StoreUnavailable(StoreError):
    """Redis could not be reached, or did not answer in time."""


class CorruptRecord(StoreError):
    """A stored value could not be read back as the record it should be."""
