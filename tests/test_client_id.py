"""The client id: its documented shape, where it is kept, and its replacement when the token endpoint refuses it.

The end-to-end tests run the composition root (`open_bot`) with the engine, the real client, a real Redis and the
simulator over HTTP, starting from a client id file a person (or an older tool) left behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import open_bot
from bot.cli import main
from bot.client_id import ClientIds
from bot.config import Settings
from bot.engine.messages import Incoming
from bot.i18n import say
from bot.logs import Redactor
from bot.nemo.wire import CLIENT_ID_MAX, is_client_id
from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.harness import RecordingChat
from tests.store_fixtures import KINDS, redis_url, store_backend

DB = 13
PREFIX = "client-id"
TOKEN_PATH = "/api/auth/anonymous-token"
UUID = "7d3c2f0e-1b7a-4c55-9a7e-0f6f2b3c4d5e"


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (UUID, True),
        ("client-7", True),
        ("client-1767225600-4f2a", True),  # the official tools' fallback shape
        ("x", True),
        ("c" * CLIENT_ID_MAX, True),
        ("c" * (CLIENT_ID_MAX + 1), False),
        ("c" * 100, False),
        ("", False),
        ("two words", False),
        (" padded", False),
        ("tab\there", False),
        ("line\nbreak", False),
        ("clé-1", False),
        ("\x1b[2J", False),
    ],
)
def test_the_documented_shape(text: str, valid: bool) -> None:
    assert is_client_id(text) is valid


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RedisStore]:
    async with store_backend(request.param, db=DB, prefix=PREFIX) as opened:
        yield opened


def _filed(folder: Path) -> str:
    return (folder / "client_id").read_text(encoding="utf-8").strip()


async def test_a_new_id_is_made_once_and_kept_in_both_places(store: RedisStore, tmp_path: Path) -> None:
    made = await ClientIds(store, str(tmp_path / "cfg")).load()
    assert is_client_id(made)
    assert await store.get_client_id() == made
    assert _filed(tmp_path / "cfg") == made
    assert await ClientIds(store, str(tmp_path / "cfg")).load() == made


async def test_a_valid_filed_id_is_adopted(store: RedisStore, tmp_path: Path) -> None:
    (tmp_path / "client_id").write_text(f"  {UUID}\n", encoding="utf-8")
    assert await ClientIds(store, str(tmp_path)).load() == UUID
    assert await store.get_client_id() == UUID


@pytest.mark.parametrize("content", ["c" * 100, "two words", "clé"])
async def test_an_invalid_filed_id_is_replaced_in_the_file_too(
    store: RedisStore, tmp_path: Path, content: str
) -> None:
    (tmp_path / "client_id").write_text(content + "\n", encoding="utf-8")
    made = await ClientIds(store, str(tmp_path)).load()
    assert is_client_id(made)
    assert made != content
    assert _filed(tmp_path) == made
    assert await store.get_client_id() == made


async def test_a_filed_id_that_is_not_text_is_replaced(store: RedisStore, tmp_path: Path) -> None:
    (tmp_path / "client_id").write_bytes(b"\xff\xfe\x00garbage")
    made = await ClientIds(store, str(tmp_path)).load()
    assert is_client_id(made)
    assert _filed(tmp_path) == made


async def test_an_invalid_stored_id_is_replaced_by_the_filed_one(store: RedisStore, tmp_path: Path) -> None:
    await store.put_client_id_if_absent("c" * 100)
    (tmp_path / "client_id").write_text(UUID, encoding="utf-8")
    assert await ClientIds(store, str(tmp_path)).load() == UUID
    assert await store.get_client_id() == UUID


async def test_an_invalid_stored_id_with_no_file_gets_a_new_one_kept_in_both(
    store: RedisStore, tmp_path: Path,
) -> None:
    await store.put_client_id_if_absent("has spaces")
    made = await ClientIds(store, str(tmp_path)).load()
    assert is_client_id(made)
    assert await store.get_client_id() == made
    assert _filed(tmp_path) == made


async def test_a_valid_stored_id_wins_over_the_file(store: RedisStore, tmp_path: Path) -> None:
    await store.put_client_id_if_absent("stored-1")
    (tmp_path / "client_id").write_text(UUID, encoding="utf-8")
    assert await ClientIds(store, str(tmp_path)).load() == "stored-1"


async def test_a_renewed_id_is_kept_in_the_store_and_the_file(store: RedisStore, tmp_path: Path) -> None:
    ids = ClientIds(store, str(tmp_path))
    refused = await ids.load()
    renewed = await ids.renew(refused)
    assert renewed is not None
    assert renewed != refused
    assert is_client_id(renewed)
    assert ids.current == renewed
    assert await store.get_client_id() == renewed
    assert _filed(tmp_path) == renewed
    # Another process refused the same id: it adopts the replacement rather than making a third.
    assert await ClientIds(store, str(tmp_path)).renew(refused) == renewed


async def test_a_configured_id_is_used_as_it_is_and_never_replaced(store: RedisStore, tmp_path: Path) -> None:
    ids = ClientIds(store, str(tmp_path), configured="client-7")
    assert await ids.load() == "client-7"
    assert await ids.renew("client-7") is None
    assert ids.current == "client-7"
    assert await store.get_client_id() is None
    assert not (tmp_path / "client_id").exists()


def test_an_invalid_client_id_setting_stops_the_start_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no `.env` of the surroundings
    bad = "bad id " + "x" * 100
    monkeypatch.setenv("NEMO_CLIENT_ID", bad)
    assert main(["console"]) == 2
    shown = capsys.readouterr().err
    assert shown == (
        "nemo-bot: NEMO_CLIENT_ID must be 1-64 visible ASCII characters, no spaces (a UUID is best)\n"
        "  fix it in the environment or ./.env (`nemo-bot --help` lists every setting)\n"
    )


def test_a_valid_client_id_setting_is_taken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEMO_CLIENT_ID", UUID)
    assert Settings().nemo_client_id == UUID


# End to end: the composition root, the engine, the client, a real Redis and the simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator(SimConfig(speed=0.001)) as running:
        yield running


@pytest.fixture
async def redis_store() -> AsyncIterator[RedisStore]:
    """The bot's Redis database, flushed around the test, read the way another process would."""
    async with store_backend("redis", db=DB, prefix=PREFIX) as opened:
        yield opened


def _settings(sim: Simulator, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("NEMO_CLIENT_ID", "NEMO_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Settings(
        _env_file=None, nemo_api_url=sim.url, nemo_config_dir=str(folder), redis_url=redis_url(DB),
        redis_prefix=PREFIX, work_dir=str(folder / "work"), rate_limit_backoff=0.01,
    )


async def _say_hello(settings: Settings, folder: Path) -> RecordingChat:
    chat = RecordingChat(folder / "videos")
    async with open_bot(settings, Redactor()) as bot:
        message = Incoming(ChatKey("console", "chat-1"), "user-1", "Ada", "hello there", message_id="m1")
        await bot.engine("console").handle(message, chat)
    return chat


def _answered_normally(chat: RecordingChat) -> None:
    shown = chat.everything()
    assert say("ready", "en") in shown
    assert say("error_bad_request", "en") not in shown
    assert chat.texts, shown


async def _token_requests(sim: Simulator) -> list[str]:
    """The X-Client-Id of every token request, from the simulator's request log."""
    async with httpx.AsyncClient() as http:
        log = (await http.get(f"{sim.url}/__sim/requests", params={"path": TOKEN_PATH})).json()
    return [record["headers"].get("x-client-id", "") for record in log]


async def test_an_over_long_filed_id_is_replaced_before_it_is_sent(
    sim: Simulator, redis_store: RedisStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "client_id").write_text("c" * 100 + "\n", encoding="utf-8")
    chat = await _say_hello(_settings(sim, tmp_path, monkeypatch), tmp_path)
    _answered_normally(chat)
    new = _filed(tmp_path)
    assert is_client_id(new)
    assert await redis_store.get_client_id() == new
    assert await _token_requests(sim) == [new]
    creds = await redis_store.get_credentials()
    assert creds is not None
    assert creds.client_id == new


async def test_a_refused_filed_id_is_replaced_stored_and_retried_once(
    sim: Simulator, redis_store: RedisStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = "refused-by-the-service"
    (tmp_path / "client_id").write_text(refused + "\n", encoding="utf-8")
    sim.world.config = sim.world.config.patched({"refused_client_ids": [refused]})
    settings = _settings(sim, tmp_path, monkeypatch)
    chat = await _say_hello(settings, tmp_path)
    _answered_normally(chat)
    new = _filed(tmp_path)
    assert new != refused
    assert is_client_id(new)
    assert await redis_store.get_client_id() == new
    assert await _token_requests(sim) == [refused, new]
    creds = await redis_store.get_credentials()
    assert creds is not None
    assert creds.client_id == new
    # The next start uses the kept id and its token: no more token requests.
    again = await _say_hello(settings, tmp_path)
    assert say("error_bad_request", "en") not in again.everything()
    assert await _token_requests(sim) == [refused, new]


async def test_a_second_refusal_is_todays_error(
    sim: Simulator, redis_store: RedisStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "client_id").write_text("refused-1\n", encoding="utf-8")
    # Every id is refused: the service's own list cannot name the fresh one in advance, a fault can.
    sim.world.config = sim.world.config.patched(
        {"faults": [{"path_prefix": TOKEN_PATH, "code": 400, "times": 5}]}
    )
    chat = await _say_hello(_settings(sim, tmp_path, monkeypatch), tmp_path)
    assert say("error_sign_in", "en") in chat.everything()
    requested = await _token_requests(sim)
    assert len(requested) == 2
    assert requested[0] == "refused-1"
    assert requested[1] == _filed(tmp_path) == await redis_store.get_client_id()
