"""Records: JSON round trips, tolerance of newer fields, and refusal of corrupt values."""

from __future__ import annotations

import json

import pytest

from bot.store.errors import CorruptRecord
from bot.store.keys import ChatKey
from bot.store.models import ChatSession, Credentials, JobStatus, RenderJob
from bot.store.redis_store import RedisStore
from tests.store_fixtures import Connect

CHAT = ChatKey("telegram", "1")


def test_records_round_trip_through_json() -> None:
    session = ChatSession("s", "t", "zh", 1.5, "anon_1")
    creds = Credentials("cid", "secret", "anon_1", 2.5)
    render = RenderJob("r", CHAT, "s", 3.5, attempt=2, status=JobStatus.FAILED, reply_to="m")
    assert ChatSession.from_json(session.to_json()) == session
    assert Credentials.from_json(creds.to_json()) == creds
    loaded = RenderJob.from_json(render.to_json())
    assert loaded == render
    assert loaded.status is JobStatus.FAILED


def test_fields_from_a_newer_version_are_ignored() -> None:
    text = json.dumps({"session_id": "s", "task_id": "t", "language": "en", "created_at": 1, "future": 1})
    assert ChatSession.from_json(text) == ChatSession("s", "t", "en", 1)


def test_credentials_repr_hides_the_token() -> None:
    creds = Credentials("cid", "nmv_usr_topsecret", None, None)
    assert "topsecret" not in repr(creds)
    assert "topsecret" not in str(creds)
    assert "topsecret" in creds.to_json()


def test_open_statuses() -> None:
    assert {s for s in JobStatus if s.is_open} == {JobStatus.RENDERING, JobStatus.DELIVERING}


BAD_RENDERS = [
    "not json",
    "[1, 2]",
    '{"render_id": "r"}',
    '{"render_id": "r", "chat_key": "c", "session_id": "s", "created_at": 1, "status": "lost"}',
    '{"render_id": "r", "chat_key": "c", "session_id": "s", "created_at": 1}',
    '{"render_id": "r", "chat_key": 7, "session_id": "s", "created_at": 1}',
]


@pytest.mark.parametrize("text", BAD_RENDERS)
def test_corrupt_render_text_is_refused(text: str) -> None:
    with pytest.raises(CorruptRecord):
        RenderJob.from_json(text)


async def test_corrupt_stored_values_raise_without_leaking(store: RedisStore, connect: Connect) -> None:
    raw = connect()
    await raw.set(store.keys.session(CHAT), "{broken")
    await raw.set(store.keys.last_state(CHAT, "s"), "[1]")
    await raw.set(store.keys.credentials(), json.dumps({"client_id": "c", "token": "nmv_usr_leak"}))
    with pytest.raises(CorruptRecord):
        await store.get_session(CHAT)
    with pytest.raises(CorruptRecord):
        await store.get_last_state(CHAT, "s")
    with pytest.raises(CorruptRecord) as caught:
        await store.get_credentials()
    assert "nmv_usr_leak" not in str(caught.value)
    assert "nmv_usr_leak" not in repr(caught.value)


async def test_one_corrupt_job_does_not_block_recovery(store: RedisStore, connect: Connect) -> None:
    await store.put_render(RenderJob("r-1", CHAT, "s", 1.0))
    await store.put_render(RenderJob("r-2", CHAT, "s", 2.0))
    await connect().set(store.keys.render("r-1"), "garbage")
    assert [j.render_id for j in await store.open_renders()] == ["r-2"]
    await store.put_render(RenderJob("r-1", CHAT, "s", 1.0))
    assert [j.render_id for j in await store.open_renders()] == ["r-1", "r-2"]
