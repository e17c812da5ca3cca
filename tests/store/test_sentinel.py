"""REDIS_URL through Redis Sentinel (`redis+sentinel://`): a real sentinel (redis-server in sentinel mode) monitoring a
throwaway Redis with a password; the store, the console across a kill -9 and a restart, and the start-up errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.store.connection import RedisOptions, address
from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import open_store
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.adapters.test_console import _console, _env, killed_mid_render
from tests.command import assert_plain_failure, run_command
from tests.harness import probe_video
from tests.redis_server import SERVICE, RedisServer, closed_port, redis_server, sentinel_server

PASSWORD = "sentinel-pa55word-never-shown"
DB = 3
CHAT = ChatKey("console", "c")
AT_ONCE = RedisOptions(startup_wait=0)


@dataclass(frozen=True, slots=True)
class Watched:
    """A Redis with a password, and the sentinel watching it."""

    master: RedisServer
    sentinel_port: int

    def url(self, password: str | None = PASSWORD, service: str = SERVICE) -> str:
        """The bot's REDIS_URL: a closed port first in the list, so the client must go on to the live sentinel."""
        auth = f":{password}@" if password else ""
        return f"redis+sentinel://{auth}127.0.0.1:{closed_port()},127.0.0.1:{self.sentinel_port}/{service}/{DB}"

    def direct(self) -> Redis:
        """A plain client of the master's database, to see what the bot wrote."""
        return Redis.from_url(self.master.url(PASSWORD, DB), decode_responses=True)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Watched]:
    """A fresh master and sentinel of this test's own."""
    with (
        redis_server(tmp_path / "master", password=PASSWORD) as master,
        sentinel_server(tmp_path / "sentinel", master, password=PASSWORD) as port,
    ):
        yield Watched(master, port)


async def test_the_store_reaches_the_master_the_sentinel_names(watched: Watched) -> None:
    session = ChatSession("s-1", "t", "en", 1.0)
    async with open_store(watched.url(), "nemo-bot", AT_ONCE) as store:
        await store.put_session(CHAT, session)
        assert await store.get_session(CHAT) == session
        assert await store.turn_lock(CHAT).acquire("replica-a", 30)
        assert not await store.turn_lock(CHAT).acquire("replica-b", 30)
        assert await store.first_sighting(CHAT, "m-1")
        assert not await store.first_sighting(CHAT, "m-1")
    direct = watched.direct()
    try:
        assert await direct.exists(store.keys.session(CHAT)) == 1  # in the master's database DB
    finally:
        await direct.aclose()


async def test_an_unknown_service_is_unavailable_and_named(watched: Watched) -> None:
    url = watched.url(service="no-such-service")
    with pytest.raises(StoreUnavailable) as caught:
        async with open_store(url, "nemo-bot", AT_ONCE):
            pytest.fail("open_store yielded without a master")
    assert "Redis at no-such-service (Sentinel 127.0.0.1:" in str(caught.value)
    assert f"127.0.0.1:{watched.sentinel_port})" in str(caught.value)
    assert PASSWORD not in repr(caught.value)


async def test_a_console_killed_mid_render_is_finished_by_the_next_start_through_sentinel(
    tmp_path: Path, watched: Watched,
) -> None:
    out = tmp_path / "videos"
    async with run_simulator(SimConfig(speed=0.001, render_seconds=4000)) as sim:
        env = _env(sim, tmp_path, watched.url())
        await killed_mid_render(env, out, "make a video of a fjord")
        direct = watched.direct()
        try:
            assert await direct.keys("{nemo-bot}:render:*")  # the render was recorded in the master, via Sentinel
        finally:
            await direct.aclose()

        second = await _console(env, out, asyncio.subprocess.DEVNULL)
        stdout, stderr = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 0, stderr.decode()
        submits = [r for r in sim.world.requests_to("/api/render/proxy/lambda", "POST")
                   if r["path"] == "/api/render/proxy/lambda"]
    assert stdout.decode().count("🎬 Saved:") == 1
    [video] = list(out.glob("*.mp4"))
    assert probe_video(video)[1] == "640x360"
    assert len(submits) == 1  # the second start followed the first one's render, found through Sentinel


@pytest.mark.parametrize("url", [
    f"redis+sentinel://:{PASSWORD}@127.0.0.1:26379",  # no service
    f"redis+sentinel://:{PASSWORD}@127.0.0.1:port/{SERVICE}",
    f"redis+sentinel://:{PASSWORD}@127.0.0.1:26379,/{SERVICE}",
    f"redis+sentinel://:{PASSWORD}@127.0.0.1:26379/{SERVICE}/zero",
])
async def test_a_malformed_sentinel_url_exits_2_naming_the_form(url: str, tmp_path: Path) -> None:
    finished = await run_command(tmp_path, "console", REDIS_URL=url)
    assert_plain_failure(finished, 2, names=["REDIS_URL", "redis+sentinel://"], secrets=[PASSWORD])


async def test_unreachable_sentinels_exit_3_naming_them(tmp_path: Path) -> None:
    first, second = closed_port(), closed_port()
    url = f"redis+sentinel://:{PASSWORD}@127.0.0.1:{first},127.0.0.1:{second}/{SERVICE}/0"
    finished = await run_command(tmp_path, "console", REDIS_URL=url, REDIS_STARTUP_WAIT="1")
    assert_plain_failure(
        finished, 3, names=[f"Redis at {SERVICE} (Sentinel 127.0.0.1:{first}, 127.0.0.1:{second})", "REDIS_URL",
                            "sentinels"],
        secrets=[PASSWORD],
    )


def test_a_sentinel_url_is_named_by_its_service_and_sentinels() -> None:
    url = f"redis+sentinel://user:{PASSWORD}@sentinel-0.redis:26379,sentinel-1.redis,[::1]:5000/{SERVICE}/2"
    assert address(url) == f"{SERVICE} (Sentinel sentinel-0.redis:26379, sentinel-1.redis:26379, [::1]:5000)"


async def test_after_a_failover_the_store_follows_the_new_master(tmp_path: Path, watched: Watched) -> None:
    with redis_server(tmp_path / "replica", password=PASSWORD) as replica:
        admin = Redis(port=replica.port, password=PASSWORD, decode_responses=True)
        sentinel = Redis(port=watched.sentinel_port, decode_responses=True)
        old_master = Redis(port=watched.master.port, password=PASSWORD, decode_responses=True)
        try:
            await admin.config_set("masterauth", PASSWORD)
            await admin.replicaof("127.0.0.1", str(watched.master.port))
            async with open_store(watched.url(), "nemo-bot", AT_ONCE) as store:
                await store.put_session(CHAT, ChatSession("before", "t", "en", 1.0))
                await _until(lambda: _sees_replica(sentinel, replica.port))
                await sentinel.sentinel_failover(SERVICE)
                await _until(lambda: _master_port(sentinel, replica.port))
                await _until(lambda: _is_replica(old_master))
                # The old master is a replica now: it refuses the store's next write on the connection the store
                # holds, and the store asks the sentinel again and writes to the new master, on its own.
                await store.put_session(CHAT, ChatSession("after", "t", "en", 1.0))
                stored = await store.get_session(CHAT)
            assert stored is not None
            assert stored.session_id == "after"
            new_master = Redis(port=replica.port, password=PASSWORD, db=DB, decode_responses=True)
            try:
                assert ChatSession.from_json(str(await new_master.get(store.keys.session(CHAT)))).session_id == "after"
                assert (await new_master.info("replication"))["role"] == "master"
            finally:
                await new_master.aclose()
        finally:
            for client in (admin, sentinel, old_master):
                await client.aclose()


async def _until(check: Callable[[], Awaitable[bool]], limit: float = 30) -> None:
    async with asyncio.timeout(limit):
        while not await check():  # noqa: ASYNC110 - the state is another process's, nothing to wait on
            await asyncio.sleep(0.1)


async def _sees_replica(sentinel: Redis, port: int) -> bool:
    replicas: list[dict[str, Any]] = await sentinel.sentinel_slaves(SERVICE)
    return any(r["port"] == port and r["is_slave"] and not r["is_sdown"] and r["master-link-status"] == "ok"
               for r in replicas)


async def _master_port(sentinel: Redis, port: int) -> bool:
    found = await sentinel.sentinel_get_master_addr_by_name(SERVICE)
    return isinstance(found, tuple) and found[1] == port


async def _is_replica(server: Redis) -> bool:
    return bool((await server.info("replication"))["role"] == "slave")


async def test_through_the_sentinel_commands_share_a_bounded_pool_too(watched: Watched) -> None:
    options = RedisOptions(startup_wait=0, pool_size=2)
    direct = watched.direct()
    try:
        me = await direct.client_id()

        async def on_db() -> int:
            return sum(1 for c in await direct.client_list() if int(c["db"]) == DB and int(c["id"]) != me)

        before = await on_db()
        async with open_store(watched.url(), "nemo-bot", options) as store:
            seen = await asyncio.gather(*(store.first_sighting(CHAT, f"m-{index}") for index in range(40)))
            assert seen == [True] * 40
            assert 1 <= await on_db() - before <= 2
    finally:
        await direct.aclose()
