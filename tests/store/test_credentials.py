"""Contract: the shared token and the stable client id."""

from __future__ import annotations

import asyncio

from bot.store.models import Credentials
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

SECRET = "nmv_anon_s3cr3t-token-value"


def creds(token: str = SECRET, expires_at: float | None = 1_800_000_000.0) -> Credentials:
    return Credentials(client_id="cid-1", token=token, user_id="anon_1", expires_at=expires_at)


async def test_missing_credentials_is_none(store: RedisStore) -> None:
    assert await store.get_credentials() is None


async def test_credentials_round_trip_and_overwrite(store: RedisStore) -> None:
    await store.put_credentials(creds())
    assert await store.get_credentials() == creds()
    await store.put_credentials(creds("nmv_anon_other", expires_at=None))
    assert await store.get_credentials() == creds("nmv_anon_other", expires_at=None)


async def test_drop_credentials(store: RedisStore) -> None:
    await store.put_credentials(creds())
    await store.drop_credentials()
    await store.drop_credentials()
    assert await store.get_credentials() is None


async def test_credentials_are_shared_across_processes(store: RedisStore, make_store: MakeStore) -> None:
    await store.put_credentials(creds())
    assert await make_store("test").get_credentials() == creds()


async def test_token_never_shows_in_repr(store: RedisStore) -> None:
    await store.put_credentials(creds())
    loaded = await store.get_credentials()
    assert loaded is not None
    assert loaded.token == SECRET
    for text in (repr(loaded), str(loaded), repr([loaded]), f"{loaded}"):
        assert SECRET not in text
        assert "cid-1" in text


async def test_client_id_absent_then_first_writer_wins(store: RedisStore) -> None:
    assert await store.get_client_id() is None
    assert await store.put_client_id_if_absent("first") == "first"
    assert await store.put_client_id_if_absent("second") == "first"
    assert await store.get_client_id() == "first"


async def test_client_id_race_has_one_winner(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(10)]
    results = await asyncio.gather(*(s.put_client_id_if_absent(f"cid-{i}") for i, s in enumerate(stores)))
    assert len(set(results)) == 1
    assert await stores[0].get_client_id() == results[0]


async def test_a_refused_client_id_is_replaced_once(store: RedisStore) -> None:
    await store.put_client_id_if_absent("refused")
    assert await store.replace_client_id("refused", "new-1") == "new-1"
    # Another process that saw the refused id too adopts the replacement instead of writing its own.
    assert await store.replace_client_id("refused", "new-2") == "new-1"
    assert await store.get_client_id() == "new-1"


async def test_replacing_an_absent_client_id_keeps_the_new_one(store: RedisStore) -> None:
    assert await store.replace_client_id("refused", "new-1") == "new-1"
    assert await store.get_client_id() == "new-1"


async def test_client_id_replacement_race_has_one_winner(make_store: MakeStore) -> None:
    await make_store("test").put_client_id_if_absent("refused")
    stores = [make_store("test") for _ in range(10)]
    results = await asyncio.gather(*(s.replace_client_id("refused", f"cid-{i}") for i, s in enumerate(stores)))
    assert len(set(results)) == 1
    assert await stores[0].get_client_id() == results[0]
