"""The turn journal's contract, on a real Redis and the embedded store: records are kept and updated per turn, and
only one of several replicas dropping a record succeeds (that one tells about it)."""

from __future__ import annotations

import dataclasses

from bot.store.models import TurnRecord
from tests.store.conftest import MakeStore

TURN = TurnRecord("job_1", "telegram:7001:-", "start-a", "en", "make a video of a comet", reply_to="41")


async def test_a_turn_is_kept_updated_and_dropped_once(make_store: MakeStore) -> None:
    one, other = make_store("test"), make_store("test")
    await one.put_turn(TURN)
    sent = dataclasses.replace(TURN, sent=True, session_id="s1", card=77)
    await one.put_turn(sent)

    assert await other.turns() == [sent]
    assert await other.drop_turn("job_1") is True
    assert await one.drop_turn("job_1") is False
    assert await one.turns() == []


async def test_turns_of_another_prefix_are_not_seen(make_store: MakeStore) -> None:
    await make_store("test").put_turn(TURN)

    assert await make_store("other").turns() == []


async def test_an_unreadable_record_is_dropped(make_store: MakeStore) -> None:
    store = make_store("test")
    await store.put_turn(TURN)
    await store._redis.hset(store.keys.turns(), "job_2", "not json")

    assert await store.turns() == [TURN]
    assert await store._redis.hkeys(store.keys.turns()) == ["job_1"]
