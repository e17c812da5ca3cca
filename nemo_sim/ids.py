"""Identifier formats of the Nemo API, as documented: tokens, users, sessions, tasks, claims, ADK events."""

from __future__ import annotations

import secrets
import uuid

from bot.nemo.wire import ANON_USER_PREFIX

TOKEN_PREFIX = "nmv_usr_"


def new_token() -> str:
    """`nmv_usr_` followed by 40 base64url characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def new_anon_user_id() -> str:
    """`anon_` followed by 16 hex digits."""
    return ANON_USER_PREFIX + secrets.token_hex(8)


def new_session_id() -> str:
    """A 19-digit numeric string, like "5529798706024415232"."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def new_task_id() -> str:
    """`task_` followed by hex."""
    return "task_" + secrets.token_hex(8)


def new_claim_token() -> str:
    """`clm_` followed by hex."""
    return "clm_" + secrets.token_hex(16)


def new_event_id() -> str:
    """An ADK event id: a uuid4 string, as real ADK servers send."""
    return str(uuid.uuid4())


def new_invocation_id() -> str:
    """An ADK invocation id, `e-<uuid4>`, shared by every event of one turn."""
    return f"e-{uuid.uuid4()}"
