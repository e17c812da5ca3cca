"""The error contract (nemo-api.md §6) as a matrix: every code, at every endpoint the engine calls, in both
transports, driven through the engine against the simulator over HTTP and a real Redis.

Each cell injects one fault at one endpoint (two for 429: the request and its one retry) and checks what the
person sees (the error-contract messages, in order, and whether the request's own result arrived) and what the
simulator saw (the fault was reached, no agent message was taken twice, a new session only for an expired
project, one re-authentication for 1001). The endpoints come from `Endpoint`, the API's vocabulary: a new one
fails here until it has a driver (or is named as one the engine never calls).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.engine.messages import Attachment
from bot.i18n import say
from bot.i18n.locales.en import MESSAGES
from bot.nemo.wire import Endpoint
from nemo_sim.app import TABLE
from nemo_sim.config import Fault, SimConfig
from nemo_sim.records import TokenRecord
from tests.harness import Harness, RecordingChat, Sent, running_bot, wait_for

CODES = (1001, 1010, 1011, 1002, 2001, 4001, 4002, 400, 402, 404, 429, 500, 9999)
TRANSPORTS = ("envelope", "http")  # envelope: HTTP 200 carrying the code (HTTP statuses wrapped as a gateway would)
WEB = "https://nemovideo.com"
CLIENT_ID = "test-client"
METHODS = {path: method for path, method, _ in TABLE if isinstance(path, Endpoint)}
NEVER_CALLED = {Endpoint.CLAIM_TOKEN}  # browser links are not part of the chat flows

Step = Callable[[Harness, RecordingChat], Awaitable[None]]
Check = Callable[[list[Sent]], bool]


async def _nothing(bot: Harness, chat: RecordingChat) -> None:
    """No step before the request."""


def _says(text: str) -> Step:
    async def step(bot: Harness, chat: RecordingChat) -> None:
        await bot.engine.handle(bot.message(text), chat)

    return step


async def _send_a_file(bot: Harness, chat: RecordingChat) -> None:
    clip = bot.folder / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x18ftypmp42" + b"\0" * 2036)  # starts as an MP4 does
    await bot.engine.handle(bot.message(attachments=(Attachment("clip.mp4", "video/mp4", 2048, clip),)), chat)


async def _export_then_cancel(bot: Harness, chat: RecordingChat) -> None:
    start = len(chat.log)
    export = asyncio.create_task(bot.engine.handle(bot.message("export"), chat))
    # Once a poll has moved the export's progress line, the render is being followed (and so is cancelled at Nemo).
    await wait_for(lambda: any(item.kind == "edit" for item in chat.log[start:]))
    await bot.engine.handle(bot.message("/cancel"), chat)
    await export


def _prefix(key: str) -> str:
    """A catalogue template's words before its first field."""
    return MESSAGES[key].split("{")[0]


def _agent_answered(shown: list[Sent]) -> bool:
    return any(item.kind == "text" and item.actions for item in shown)


def _finished_with(key: str) -> Check:
    return lambda shown: any(item.kind == "finish" and item.text.startswith(_prefix(key)) for item in shown)


def _texted(*keys: str) -> Check:
    starts = tuple(_prefix(key) for key in keys)
    return lambda shown: any(item.kind == "text" and item.text.startswith(starts) for item in shown)


def _video(shown: list[Sent]) -> bool:
    return any(item.kind == "video" for item in shown)


@dataclass(frozen=True)
class Driver:
    """How a person's request reaches one endpoint, and what it gives when nothing fails."""

    name: str
    endpoint: Endpoint
    act: Step
    done: Check
    before: Step = _nothing
    target: str | None = None  # the path template faulted, when it is not the endpoint's own
    signed_in: bool = True  # the bot holds a token before the request
    sim: Mapping[str, Any] = field(default_factory=dict)
    prompts: int = 0  # agent messages (paid) the request sends
    sessions: int | None = 0  # sessions the request creates when nothing fails (None: not counted)


_VIDEO = _says("make a video of a fox running through snow")
_EXPORT = _says("export")

DRIVERS: dict[Endpoint, tuple[Driver, ...]] = {
    Endpoint.ANONYMOUS_TOKEN: (
        Driver("anonymous token", Endpoint.ANONYMOUS_TOKEN, _says("hello"), _agent_answered, signed_in=False,
               prompts=1, sessions=None),
    ),
    Endpoint.SESSION: (
        Driver("session", Endpoint.SESSION, _says("hello"), _agent_answered, prompts=1, sessions=None),
    ),
    Endpoint.RUN_SSE: (
        Driver("run_sse", Endpoint.RUN_SSE, _says("what can you do?"), _agent_answered, _says("hello"), prompts=1),
    ),
    Endpoint.UPLOAD: (
        Driver("upload (file)", Endpoint.UPLOAD, _send_a_file, _finished_with("uploaded"), _says("hello")),
        Driver("upload (url)", Endpoint.UPLOAD, _says("upload https://example.com/clip.mp4"),
               _finished_with("uploaded"), _says("hello")),
    ),
    Endpoint.CREDITS: (Driver("credits", Endpoint.CREDITS, _says("credits"), _texted("credits")),),
    Endpoint.STATE: (
        Driver("state", Endpoint.STATE, _says("status"), _texted("timeline_one", "timeline_many", "timeline_empty"),
               _VIDEO),
    ),
    Endpoint.RENDER: (Driver("render", Endpoint.RENDER, _EXPORT, _video, _VIDEO),),
    Endpoint.RENDER_STATUS: (Driver("render poll", Endpoint.RENDER_STATUS, _EXPORT, _video, _VIDEO),),
    Endpoint.RENDER_CANCEL: (
        Driver("render cancel", Endpoint.RENDER_CANCEL, _export_then_cancel, _texted("cancel_stopped"), _VIDEO,
               sim={"render_seconds": 100_000.0}),
    ),
    Endpoint.RENDER_DOWNLOAD: (
        Driver("download (output URL)", Endpoint.RENDER_DOWNLOAD, _EXPORT, _video, _VIDEO,
               target="/cdn/render/{file}"),
        Driver("download (fallback)", Endpoint.RENDER_DOWNLOAD, _EXPORT, _video, _VIDEO,
               sim={"render_output_url": False}),
    ),
}


@dataclass(frozen=True)
class Expect:
    """A cell's reaction."""

    told: tuple[str, ...] = ()  # the error-contract messages the person sees, in order (catalogue keys)
    done: bool = False  # the request's own result reached the person too
    new_session: bool = False  # the project expired: exactly one new session
    reauth: bool = False  # one new anonymous token, for the same client id


def told(*keys: str, done: bool = False, new_session: bool = False) -> Expect:
    """The person is told these, in order."""
    return Expect(keys, done, new_session)


OK = Expect(done=True)
REAUTHED = Expect(done=True, reauth=True)
RESTARTED = told("session_restarted", done=True, new_session=True)  # a new project, said once, the request goes on
EXPIRED_EXPORT = told("render_project_expired", new_session=True)  # said once; the draft is gone, nothing renders

# What a refusal reads like where the code itself cannot occur (or has no words of its own there).
FAILED = {
    "anonymous token": told("error_sign_in"),
    "session": told("error_setup"),
    "run_sse": told("error_bad_request"),
    "upload (file)": told("error_upload"),
    "upload (url)": told("error_upload"),
    "credits": told("error_credits"),
    "state": told("error_status"),
    "render": told("render_failed"),
    "render poll": told("render_failed"),
    "render cancel": OK,  # a cancel is best-effort: the person asked to stop, and it stops
    "download (output URL)": told("render_failed"),
    "download (fallback)": told("render_failed"),
}
NAMES = tuple(FAILED)
Table = dict[tuple[int, str], Expect]
DOWNLOADS = ("download (output URL)", "download (fallback)")
EXPORTS = ("render", "render poll", *DOWNLOADS)


def row(code: int, usual: Expect | Mapping[str, Expect], where: Mapping[str, Expect] | None = None) -> Table:
    """One code's reactions: `usual` (one for all, or one per endpoint), with exceptions by endpoint `where`."""
    table = dict(usual) if isinstance(usual, Mapping) else dict.fromkeys(NAMES, usual)
    return {(code, name): value for name, value in {**table, **(where or {})}.items()}


def _names(*names: str, to: Expect) -> dict[str, Expect]:
    return dict.fromkeys(names, to)


EXPECTED: Table = {
    # Token refused: a new anonymous token for the same client id, then the request once more.
    **row(1001, REAUTHED, {"anonymous token": told("error_auth")}),
    **row(1010, REAUTHED, {"anonymous token": told("error_auth")}),
    **row(1011, REAUTHED, {"anonymous token": told("error_auth")}),
    # Project gone: a new one, said once; free requests carry on, an export says there is nothing left to render.
    **row(1002, FAILED, {**_names("run_sse", "upload (file)", "upload (url)", "state", to=RESTARTED),
                         **_names(*EXPORTS, to=EXPIRED_EXPORT)}),
    # Out of credits: the bind link once the anonymous user id is known; before that, register or top up.
    **row(2001, told("error_out_of_credits_register"),
          {"anonymous token": told("error_out_of_credits_unknown"), "render cancel": OK}),
    **row(4001, FAILED, _names("upload (file)", "upload (url)", to=told("error_unsupported_file"))),
    **row(4002, FAILED, _names("upload (file)", "upload (url)", to=told("error_file_too_large"))),
    # HTTP 400 on the token endpoint is a refused client id: a new id, then the request once more.
    **row(400, FAILED, {"anonymous token": OK}),
    # Export blocked: about exports on the render endpoints, about the plan elsewhere.
    **row(402, told("error_plan_blocked"), {
        **_names(*EXPORTS, to=told("error_export_blocked")),
        "anonymous token": told("error_sign_in"), "render cancel": OK,
    }),
    # A plain 404 on /run_sse is ADK's unknown session, so it is a 1002 there.
    **row(404, FAILED, {"run_sse": RESTARTED}),
    # Rate limited twice (the request and its one retry): said; a render poll just polls again, and the download of
    # a finished render is tried again after a pause (tests/engine/test_delivery.py: when every try fails).
    **row(429, told("error_rate_limited"), {"render poll": OK, "render cancel": OK, **_names(*DOWNLOADS, to=OK)}),
    **row(500, told("error_server"), {"render poll": OK, "render cancel": OK, **_names(*DOWNLOADS, to=OK)}),
    **row(9999, FAILED),  # an unknown code
}

CONTRACT_KEYS = (
    *(key for key in MESSAGES if key.startswith("error_")),
    "session_restarted", "render_project_expired", "render_failed", "render_timeout", "nothing_to_export",
    "check_later", "stream_error", "connection_lost_failed",
)


def _cases() -> list[Any]:
    cases = []
    for endpoint in Endpoint:
        if endpoint in NEVER_CALLED:
            continue
        for driver in DRIVERS.get(endpoint, (None,)):
            for code in CODES:
                for transport in TRANSPORTS:
                    name = driver.name if driver else f"{endpoint.name} (no driver)"
                    cases.append(pytest.param(endpoint, driver, code, transport, id=f"{name}-{code}-{transport}"))
    return cases


def _fault(driver: Driver, code: int, transport: str) -> dict[str, Any]:
    return {
        "endpoint": driver.target or driver.endpoint.value, "code": code, "times": 2 if code == 429 else 1,
        "method": METHODS[driver.endpoint], "wrapped": transport == "envelope",
    }


def _shown(bot: Harness, shown: list[Sent]) -> list[str]:
    """The error-contract messages among what the person saw, as catalogue keys, in order."""
    link = f"{WEB}/register?bind={bot.nemo.user_id}"
    keys = {say(key, "en", web=WEB, link=link): key for key in CONTRACT_KEYS}
    return [keys[item.text] for item in shown if item.kind in ("text", "finish") and item.text in keys]


async def _log(bot: Harness) -> list[dict[str, Any]]:
    return list((await bot.http.get(f"{bot.sim.url}/__sim/requests")).json())


def _at(endpoint: Endpoint, log: list[dict[str, Any]], target: str | None = None) -> list[dict[str, Any]]:
    probe = Fault(endpoint=target or endpoint.value, code=500, method=METHODS[endpoint])
    return [r for r in log if probe.matches(r["method"], r["path"])]


async def _run(bot: Harness, driver: Driver, faults: list[dict[str, Any]]) -> tuple[RecordingChat, list[Sent]]:
    """The driver's request, with `faults` injected after its first steps; what the person saw of it."""
    chat = bot.chat()
    await driver.before(bot, chat)
    seen = len(chat.log)
    await bot.http.delete(f"{bot.sim.url}/__sim/requests")
    await bot.configure(faults=faults)
    await driver.act(bot, chat)
    return chat, chat.log[seen:]


def _bot(tmp_path: Path, driver: Driver, transport: str = "envelope", **options: Any) -> Any:
    async def new_id(refused: str) -> str:
        return f"{refused}-2"

    sim = SimConfig(speed=0.001, error_mode=transport, **driver.sim)
    credits = 10_000 if driver.signed_in else None
    return running_bot(tmp_path, db=14, sim=sim, credits=credits, new_client_id=new_id, **options)


@pytest.mark.parametrize(("endpoint", "driver", "code", "transport"), _cases())
async def test_error_matrix(
    tmp_path: Path, endpoint: Endpoint, driver: Driver | None, code: int, transport: str,
) -> None:
    assert driver is not None, f"{endpoint.name} has no driver: add one to DRIVERS, or name it in NEVER_CALLED"
    expect = EXPECTED[code, driver.name]
    async with _bot(tmp_path, driver, transport) as bot:
        _, shown = await _run(bot, driver, [_fault(driver, code, transport)])
        log = await _log(bot)
        remaining = (await bot.http.get(f"{bot.sim.url}/__sim/config")).json()["faults"]

        assert remaining == [], "the request never reached the faulted endpoint (or was not retried)"
        assert _shown(bot, shown) == list(expect.told), [item.text for item in shown]
        assert driver.done(shown) is expect.done, [item.text for item in shown]

        faulted = 2 if code == 429 else 1
        taken = len(_at(Endpoint.RUN_SSE, log)) - (faulted if endpoint is Endpoint.RUN_SSE else 0)
        assert taken <= driver.prompts, "an agent message was taken twice"
        if driver.sessions is not None:
            created = len(_at(Endpoint.SESSION, log))
            assert created == driver.sessions + expect.new_session
        tokens = _at(Endpoint.ANONYMOUS_TOKEN, log)
        if expect.reauth:
            assert [r["headers"]["x-client-id"] for r in tokens] == [CLIENT_ID]
        elif endpoint is not Endpoint.ANONYMOUS_TOKEN:
            assert tokens == []


@pytest.mark.parametrize(
    "driver", [driver for drivers in DRIVERS.values() for driver in drivers], ids=lambda driver: driver.name,
)
async def test_each_driver_reaches_its_endpoint_and_finishes_when_nothing_fails(tmp_path: Path, driver: Driver) -> None:
    async with _bot(tmp_path, driver) as bot:
        _, shown = await _run(bot, driver, [])
        log = await _log(bot)
        assert driver.done(shown), [item.text for item in shown]
        assert _shown(bot, shown) == []
        assert _at(driver.endpoint, log, driver.target)
        assert not [r for endpoint in NEVER_CALLED for r in _at(endpoint, log)]


def test_every_endpoint_is_driven_or_named_as_never_called() -> None:
    assert set(DRIVERS) | NEVER_CALLED == set(Endpoint)
    assert not set(DRIVERS) & NEVER_CALLED
    assert {name for (_, name) in EXPECTED} == {d.name for drivers in DRIVERS.values() for d in drivers}
    assert set(EXPECTED) == {(code, name) for code in CODES for name in NAMES}


CONFIGURED = "nmv_usr_" + "C" * 40


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "driver",
    [d for drivers in DRIVERS.values() for d in drivers if d.signed_in],
    ids=lambda driver: driver.name,
)
async def test_a_refused_configured_token_is_the_operators_to_replace(
    tmp_path: Path, driver: Driver, transport: str,
) -> None:
    async with _bot(tmp_path, driver, transport, token=CONFIGURED) as bot:
        bot.sim.world.tokens[CONFIGURED] = TokenRecord(CONFIGURED, "usr_operator", float("inf"), None)
        bot.sim.world.set_credits("usr_operator", 10_000)
        _, shown = await _run(bot, driver, [_fault(driver, 1001, transport)])
        log = await _log(bot)
        expected = [] if driver.endpoint is Endpoint.RENDER_CANCEL else ["error_token_refused"]
        assert _shown(bot, shown) == expected, [item.text for item in shown]
        assert _at(Endpoint.ANONYMOUS_TOKEN, log) == []  # never replaced
        assert len(_at(driver.endpoint, log, driver.target)) == 1  # nor retried


@pytest.mark.parametrize(
    "name", ["run_sse", "upload (file)", "state", "render", "render poll", "download (fallback)"],
)
async def test_when_the_new_project_cannot_be_made_either_the_person_is_told_that_once(
    tmp_path: Path, name: str,
) -> None:
    driver = next(d for drivers in DRIVERS.values() for d in drivers if d.name == name)
    session = {"endpoint": Endpoint.SESSION.value, "code": 400, "method": "POST"}
    async with _bot(tmp_path, driver) as bot:
        _, shown = await _run(bot, driver, [_fault(driver, 1002, "envelope"), session])
        assert _shown(bot, shown) == ["error_setup"], [item.text for item in shown]
        assert len([s for s in shown if s.kind == "progress"]) == len([s for s in shown if s.kind == "finish"])
        assert not driver.done(shown)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_export_that_finds_its_project_gone_before_rendering_says_so_once(
    tmp_path: Path, transport: str,
) -> None:
    driver = DRIVERS[Endpoint.RENDER][0]
    state = {"endpoint": Endpoint.STATE.value, "code": 1002, "method": "GET", "wrapped": transport == "envelope"}
    async with _bot(tmp_path, driver, transport) as bot:
        _, shown = await _run(bot, driver, [state])
        log = await _log(bot)
        assert _shown(bot, shown) == ["render_project_expired"]
        assert (len(_at(Endpoint.SESSION, log)), _at(Endpoint.RENDER, log)) == (1, [])
