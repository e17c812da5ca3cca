"""Soak under faults: renders across two `nemo-bot telegram` replicas on one Redis, with kill -9 and Redis restarts.

Two real replicas in webhook mode share a Redis of this script's own (AOF on, `appendfsync everysec`), the
simulator and the fake Bot API (both served in this process). Each render is one chat of its own: it sends a
prompt, then export, each update POSTed to one replica's webhook picked at random (the other one when that one is
down, as Telegram retries). Meanwhile, at random moments, either replica is killed with SIGKILL while it runs a
turn, follows a render or uploads a video (each killed replica is started again at once), and Redis is stopped and
started again on the same port and folder. Uploads are held for a moment at the fake Bot API, so a kill can land in
the middle of one. At the end it prints what each chat got: its video exactly once, more than once, or never;
paid requests that went out twice (a prompt sent to /run_sse twice, a render submitted twice for one export); and
what people were told.

Run from the repository root (two to three minutes for 100 renders on a 2-core machine):
    .venv/bin/python -m bench.chaos [--renders 100] [--kills 10] [--redis-restarts 2] [--concurrency 10] [--seed 1]
`--keep DIR` keeps the replicas' logs (`--log-level INFO` for every delivery), the Redis files and what every chat
was shown (`transcripts.txt`, each text with its catalogue key).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from adapters.telegram.webhook import SECRET_HEADER, serve_asgi
from bot.i18n.locales.en import MESSAGES
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.redis_server import RedisServer
from tests.scrape import scrape
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.held_uploads import HeldUploads, owner_of
from tests.telegram.replicas import SECRET, Fleet, ready

SPEED = 0.01  # the simulator's time scale: a generate turn takes 1.2 s
TURN_WAIT = 20.0  # seconds a person waits for the answer to a prompt before exporting anyway
VIDEO_WAIT = 60.0  # seconds a person waits for the video after export
PHASES = ("turn", "render", "upload")
RETRY = re.compile(r"try (again|exporting again)|send (it|your request|export) again", re.IGNORECASE)
TURN_END = {"turn_done", "turn_failed", "stream_error", "check_later", "busy", "queue_place", "turn_interrupted",
            "interrupted", "lock_freed", "turn_cut_done", "turn_cut_unchanged", "changes"}
PROGRESS = {"card_queued", "card_rendering", "card_uploading", "card_generating", "card_editing", "card_working",
            "still_working", "still_working_for", "turn_running", "turn_dropped", "connection_lost_checking"}


@dataclass(frozen=True, slots=True)
class Options:
    """What the soak does, from the command line."""

    renders: int = 100
    kills: int = 10
    redis_restarts: int = 2
    concurrency: int = 10
    seed: int = 1
    lease: float = 3.0
    render_seconds: float = 3.0
    upload_hold: float = 1.0
    redis_down: float = 2.0
    redis_crash: bool = False
    log_level: str = "WARNING"


# --- what people were told --------------------------------------------------------------------------------------


def _patterns() -> list[tuple[str, re.Pattern[str], int]]:
    """Every catalogue sentence as a pattern of its visible text (markup dropped, each field any text) with the
    length of its own words; the wordiest first."""
    found = []
    for key, whole in MESSAGES.items():
        # A sentence that ends in a list ("...finished it:\n{changes}") is known by its first line as well.
        for template in {whole, whole.split("\n{")[0]}:
            parts = [html.unescape(re.sub(r"<[^>]+>|\*\*", "", part)) for part in re.split(r"\{[^{}]*\}", template)]
            found.append((key, re.compile(".*?".join(map(re.escape, parts)), re.DOTALL), len("".join(parts).strip())))
    return sorted(found, key=lambda item: -item[2])


CATALOGUE = _patterns()
RETRY_KEYS = frozenset(key for key, template in MESSAGES.items() if RETRY.search(template))
# Refusals of a message that say it was not sent and nothing was charged: a true account even in a chat that paid
# for an earlier request, so they are counted apart from "try again after paying".
UNSENT_KEYS = frozenset({"store_unavailable", "queue_full_chat", "queue_full_person", "turn_cut_unsent"})
ELAPSED = re.compile(r" · \d+:\d\d(:\d\d)?$")  # a progress card's clock, after its phase


def key_of(text: str) -> str:
    """The catalogue key a shown text says: the whole text's, else its first line's that is one (a progress
    card's phase), else `agent` (the agent's own words)."""
    for candidate in (text.strip(), *(ELAPSED.sub("", line.strip()) for line in text.splitlines())):
        for key, pattern, words in CATALOGUE:
            # Mostly its own words, not a field's: "{job} ({name})" is not every text with brackets.
            if words >= 0.4 * len(candidate) and pattern.fullmatch(candidate):
                return key
    return "agent"


def shown_texts(fake: FakeBotApi, chat_id: int, since: int = 0) -> Iterator[tuple[float, str]]:
    """(when, text) of everything the bot showed in a chat from call `since` on: messages, edits, captions."""
    for call in fake.calls[since:]:
        if str(call.params.get("chat_id")) != str(chat_id):
            continue
        text = call.params.get("text") if call.method in ("sendMessage", "editMessageText") else None
        if call.method in ("sendVideo", "editMessageCaption"):
            text = call.params.get("caption")
        if text:
            yield call.at, html.unescape(re.sub(r"<[^>]+>", "", str(text)))


# --- the soak -----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Soak:
    """The running pieces and what happened."""

    options: Options
    sim: Simulator
    fake: FakeBotApi
    held: HeldUploads
    api_port: int
    fleet: Fleet
    redis: RedisServer
    http: httpx.AsyncClient
    rng: random.Random
    group: asyncio.TaskGroup
    kills_at: Counter[int] = field(default_factory=Counter)
    restarts_at: Counter[int] = field(default_factory=Counter)
    kill_log: list[str] = field(default_factory=list)
    redis_log: list[str] = field(default_factory=list)
    sent_at: dict[tuple[int, str], float] = field(default_factory=dict)  # (chat, step) -> when first sent
    faults: list[asyncio.Task[None]] = field(default_factory=list)
    seen_at: list[float] = field(default_factory=list)  # when this script first saw each simulator request
    waited_out: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    _redis_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _update_ids: Iterator[int] = field(default_factory=lambda: iter(range(1000, 10**9)))

    # --- Telegram's side ---

    async def deliver(self, update: dict[str, Any]) -> None:
        """POST `update` to a replica picked at random, the other one if that one is down, until one takes it."""
        while True:
            live = self.fleet.live()
            self.rng.shuffle(live)
            for replica in live:
                with contextlib.suppress(httpx.TransportError):
                    answer = await self.http.post(replica.endpoint, json=update, headers={SECRET_HEADER: SECRET},
                                                  timeout=5)
                    if answer.status_code == 200:
                        return
            await asyncio.sleep(0.2)

    def update(self, chat_id: int, text: str) -> dict[str, Any]:
        """A private message from person `chat_id`."""
        person = {"id": chat_id, "is_bot": False, "first_name": f"P{chat_id}", "language_code": "en"}
        message = {"message_id": next(self._update_ids), "date": int(time.time()), "from": person,
                   "chat": {"id": chat_id, "type": "private", "first_name": person["first_name"]}, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"update_id": next(self._update_ids), "message": message}

    # --- a person ---

    async def person(self, index: int, gate: asyncio.Semaphore) -> None:
        """Render `index`: one chat asks for a video, then exports it; a "try again" is followed, up to twice."""
        async with gate:
            self.faults += [self.group.create_task(self.kill_soon()) for _ in range(self.kills_at[index])]
            self.faults += [self.group.create_task(self.restart_redis_soon()) for _ in range(self.restarts_at[index])]
            chat_id = chat_of(index)
            topic = f"chaos scene {index}"
            await self.step(chat_id, f"make a video of a {topic}", "prompt", lambda text: key_of(text) in TURN_END,
                            TURN_WAIT)
            await self.step(chat_id, "/export", "export", lambda text: key_of(text) == "render_done", VIDEO_WAIT,
                            done=lambda: bool(self.fake.videos(chat_id)))

    async def step(self, chat_id: int, text: str, name: str, answered: Callable[[str], bool], limit: float,
                   done: Callable[[], bool] = lambda: False) -> None:
        """Send `text` and wait for its answer; send it again (at most twice) when told to try again."""
        for attempt in range(3):
            mark = len(self.fake.calls)
            self.sent_at.setdefault((chat_id, name), time.monotonic())
            await self.deliver(self.update(chat_id, text))
            outcome = await self._answer(chat_id, mark, answered, done, limit)
            if outcome != "retry" or attempt == 2:
                if outcome == "timeout":
                    self.waited_out[name] += 1
                return
            self.retried[name] += 1
            await asyncio.sleep(1.0)

    async def _answer(self, chat_id: int, mark: int, answered: Callable[[str], bool], done: Callable[[], bool],
                      limit: float) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if done():
                return "answered"
            for _, text in shown_texts(self.fake, chat_id, mark):
                if answered(text):
                    return "answered"
                if key_of(text) in RETRY_KEYS:
                    return "retry"
            await asyncio.sleep(0.2)
        return "timeout"

    # --- faults ---

    async def kill_soon(self) -> None:
        """A few seconds on, kill a replica that is in a phase picked at random (any replica if none gets there)."""
        await asyncio.sleep(self.rng.uniform(0, 5))
        phase = self.rng.choice(PHASES)
        deadline = time.monotonic() + 15
        while (index := await self._busy(phase)) is None and time.monotonic() < deadline:  # noqa: ASYNC110 - other processes' state
            await asyncio.sleep(0.1)
        hit = index is not None
        if index is None:
            index = self.rng.randrange(len(self.fleet.current))
        killed = self.fleet.kill(index)
        self.kill_log.append(f"replica {index} {'mid-' + phase if hit else 'at random'} at {time.monotonic():.1f}"
                             + ("" if killed else " (it was down already)"))

    async def _busy(self, phase: str) -> int | None:
        """A replica in `phase` now: running a turn or a render (its metrics say), or uploading (held here)."""
        if phase == "upload":
            pids = [one.process.pid for one in self.fleet.live()]
            for port in list(self.held.uploading):
                pid = await asyncio.to_thread(owner_of, port, self.api_port, pids)
                for index, one in enumerate(self.fleet.current):
                    # Still held: a kill now cuts the upload off, not the answer to one the fake took already.
                    if one is not None and one.process.pid == pid and port in self.held.uploading:
                        return index
            return None
        for index, one in enumerate(self.fleet.current):
            if one is None or one.process.returncode is not None:
                continue
            with contextlib.suppress(httpx.HTTPError, ValueError):
                if (await scrape(self.http, one.health_port)).value("nemo_bot_in_flight", kind=phase) > 0:
                    return index
        return None

    async def restart_redis_soon(self) -> None:
        """A few seconds on, stop Redis (SHUTDOWN, or SIGKILL with --redis-crash) and start it again."""
        await asyncio.sleep(self.rng.uniform(0, 5))
        async with self._redis_lock:
            stop = self.redis.crash if self.options.redis_crash else self.redis.stop
            self.redis_log.append(f"down at {time.monotonic():.1f}")
            await asyncio.to_thread(stop)
            await asyncio.sleep(self.options.redis_down)
            await asyncio.to_thread(self.redis.start)

    # --- bookkeeping ---

    async def watch_simulator(self) -> None:
        """Note when each simulator request arrives, and keep the account in credits (every chat pays)."""
        while True:
            now = time.monotonic()
            self.seen_at.extend([now] * (len(self.sim.world.requests) - len(self.seen_at)))
            for user in self.sim.world.users.values():
                if user.available < 10_000:
                    user.available = 1_000_000
            await asyncio.sleep(0.05)

    async def settle(self) -> None:
        """Wait until no replica runs anything and no upload is held (at most three minutes), then two leases."""
        deadline = time.monotonic() + 180
        quiet = 0
        while quiet < 10 and time.monotonic() < deadline:
            busy = bool(self.held.uploading) or len(self.fleet.live()) < len(self.fleet.current)
            for one in self.fleet.live():
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    seen = await scrape(self.http, one.health_port)
                    busy = busy or any(seen.value("nemo_bot_in_flight", kind=k) > 0 for k in ("turn", "render"))
            quiet = 0 if busy else quiet + 1
            await asyncio.sleep(0.3)
        await asyncio.sleep(2 * self.options.lease)


def chat_of(index: int) -> int:
    """The private chat (and person) of render `index`."""
    return 9_000_000 + index


# --- the tally ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """The figures printed at the end."""

    requested: int
    copies: Counter[int] = field(default_factory=Counter)  # chat -> videos delivered
    prompts_twice: int = 0
    renders_twice: int = 0
    told: Counter[str] = field(default_factory=Counter)
    retry_after_paid: list[str] = field(default_factory=list)
    refused_unsent: int = 0  # new messages refused as not sent, nothing charged (storage down, a full queue)
    false_done: int = 0
    left_in_progress: Counter[str] = field(default_factory=Counter)  # progress messages never closed, by phase

    def lines(self, soak: Soak) -> list[str]:
        """The summary, one figure a line (`name: number`, details in brackets)."""
        once = sum(1 for index in range(self.requested) if self.copies[index] == 1)
        more = [index for index in range(self.requested) if self.copies[index] > 1]
        lost = [index for index in range(self.requested) if self.copies[index] == 0]
        extra = sum(self.copies[index] - 1 for index in more)
        fleet = soak.fleet
        lines = [
            f"renders requested: {self.requested}",
            f"delivered exactly once: {once}",
            f"delivered more than once: {len(more)} ({extra} extra copies; chats {more[:10]})",
            f"lost: {len(lost)} (chats {lost[:10]})",
            f"double-paid: {self.prompts_twice + self.renders_twice} (prompts sent to /run_sse more than once: "
            f"{self.prompts_twice}; renders submitted more than once for one export: {self.renders_twice})",
            f"told to try again after paying: {len(self.retry_after_paid)}",
            f"told a new message was not sent, nothing charged: {self.refused_unsent}",
            f"told the video was ready without one: {self.false_done}",
            f"progress messages left running: {self.left_in_progress.total()} ({dict(self.left_in_progress)})",
            f"replica kills: {fleet.kills} ({'; '.join(soak.kill_log)})",
            f"redis restarts: {sum(soak.restarts_at.values())} ({'SIGKILL' if soak.options.redis_crash else 'SHUTDOWN'}"
            f", {soak.options.redis_down:g} s down, AOF everysec; {', '.join(soak.redis_log)})",
            f"replica starts: {fleet.starts} (ended by themselves: {len(fleet.exits)})",
            f"people who gave up waiting: {dict(soak.waited_out)}; sent again after a try-again: "
            f"{dict(soak.retried)}",
            "told: " + ", ".join(f"{key} {count}" for key, count in self.told.most_common()),
        ]
        lines += [f"  try again after paying: {line}" for line in self.retry_after_paid[:10]]
        lines += [f"  replica ended by itself: {line}" for line in fleet.exits[:5]]
        return lines


def tally(soak: Soak) -> Tally:
    """Count what every chat got, from the fake Bot API's and the simulator's records."""
    result = Tally(soak.options.renders)
    world = soak.sim.world
    paid: dict[tuple[int, str], float] = {}  # (render, step) -> when its paid request first reached the simulator
    sessions: dict[str, int] = {}
    prompts: Counter[int] = Counter()
    for at, request in zip(soak.seen_at, world.requests, strict=False):
        body = request["body"] if isinstance(request["body"], dict) else {}
        if request["path"] == "/run_sse" and request["method"] == "POST":
            index = _index_of(str(body.get("new_message", {}).get("parts", [{}])[0].get("text", "")))
            if index is not None:
                prompts[index] += 1
                paid.setdefault((index, "prompt"), at)
                sessions[str(body.get("session_id") or body.get("sessionId"))] = index
        elif request["path"] == "/api/render/proxy/lambda" and str(body.get("sessionId")) in sessions:
            paid.setdefault((sessions[str(body.get("sessionId"))], "export"), at)
    result.prompts_twice = sum(1 for count in prompts.values() if count > 1)
    renders = Counter(sessions.get(record.session_id) for record in world.renders.values())
    result.renders_twice = sum(1 for index, count in renders.items() if index is not None and count > 1)
    for index in range(soak.options.renders):
        _tell(soak, result, index, paid)
    return result


def _after_paying(soak: Soak, index: int, paid: dict[tuple[int, str], float], at: float) -> bool:
    """Whether a message shown at `at` answers a request already paid: the prompt once it reached /run_sse (until
    export was sent), the export once its render was submitted."""
    exported = soak.sent_at.get((chat_of(index), "export"), float("inf"))
    prompt, render = paid.get((index, "prompt")), paid.get((index, "export"))
    return (prompt is not None and prompt < at < exported) or (render is not None and at > render)


def _tell(soak: Soak, result: Tally, index: int, paid: dict[tuple[int, str], float]) -> None:
    chat_id = chat_of(index)
    result.copies[index] = len(soak.fake.videos(chat_id))
    for at, text in shown_texts(soak.fake, chat_id):
        key = key_of(text)
        result.told[key] += 1
        if key in UNSENT_KEYS:
            result.refused_unsent += 1
        elif key in RETRY_KEYS and _after_paying(soak, index, paid, at):
            result.retry_after_paid.append(f"chat {index}: {text[:100]!r}")
        if key == "render_done" and not result.copies[index]:
            result.false_done += 1
    for message in soak.fake.chat(chat_id):
        if message.kind == "text" and (key := key_of(message.text)) in PROGRESS:
            result.left_in_progress[key] += 1


def _index_of(prompt: str) -> int | None:
    found = re.search(r"chaos scene (\d+)", prompt)
    return int(found.group(1)) if found else None


# --- running it ---------------------------------------------------------------------------------------------------


async def soak(options: Options, folder: Path) -> list[str]:
    """Run the soak in `folder`; the summary lines."""
    rng = random.Random(options.seed)
    redis = RedisServer(folder / "redis", aof=True)
    await asyncio.to_thread((folder / "redis").mkdir)
    await asyncio.to_thread(redis.start)
    fake = FakeBotApi()
    held = HeldUploads(fake.app(), options.upload_hold)
    config = SimConfig(speed=SPEED, render_seconds=options.render_seconds / SPEED)
    try:
        async with (
            run_simulator(config) as sim, serve_asgi(held, "127.0.0.1", 0) as api_port,
            httpx.AsyncClient(timeout=30) as http, asyncio.TaskGroup() as group,
        ):
            fleet = Fleet(folder, 2, sim_url=sim.url, api_url=f"http://127.0.0.1:{api_port}", redis_url=redis.url(),
                          lease=options.lease, LOG_LEVEL=options.log_level)
            run = Soak(options, sim, fake, held, api_port, fleet, redis, http, rng, group)
            run.kills_at.update(rng.randrange(options.renders) for _ in range(options.kills))
            run.restarts_at.update(rng.randrange(options.renders) for _ in range(options.redis_restarts))
            background = [group.create_task(run.watch_simulator()),
                          *(group.create_task(fleet.keep(index)) for index in range(2))]
            await _until_ready(run)
            gate = asyncio.Semaphore(options.concurrency)
            async with asyncio.TaskGroup() as people:
                for index in range(options.renders):
                    people.create_task(run.person(index, gate))
            await asyncio.gather(*run.faults)  # every fault happens before the count
            await run.settle()
            await fleet.stop()
            background[0].cancel()
            await asyncio.to_thread(_transcripts, run, folder / "transcripts.txt")
            return tally(run).lines(run)
    finally:
        await asyncio.to_thread(redis.stop)


def _transcripts(run: Soak, path: Path) -> None:
    """Write what every chat was shown, in order, with the catalogue key of each text."""
    with path.open("w") as out:
        for index in range(run.options.renders):
            out.write(f"== chat {index}: {len(run.fake.videos(chat_of(index)))} video(s)\n")
            for at, text in shown_texts(run.fake, chat_of(index)):
                out.write(f"{at:.1f} [{key_of(text)}] {text!r}\n")


async def _until_ready(run: Soak) -> None:
    async with asyncio.timeout(90):
        while len(run.fleet.live()) < 2 or not all(  # noqa: ASYNC110 - other processes' state
            [await ready(run.http, one.health_port) for one in run.fleet.live()]
        ):
            await asyncio.sleep(0.2)


def parse(argv: list[str] | None = None) -> tuple[Options, Path | None]:
    """Options from the command line, and the folder to keep (None: a temporary one)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--renders", type=int, default=100, help="chats, each asking for one video")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 of a replica (restarted at once)")
    parser.add_argument("--redis-restarts", type=int, default=2, help="Redis stopped and started again")
    parser.add_argument("--concurrency", type=int, default=10, help="chats at work at a time")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random choices")
    parser.add_argument("--lease", type=float, default=3.0, help="LOCK_LEASE of the replicas, in seconds")
    parser.add_argument("--redis-down", type=float, default=2.0, help="seconds Redis stays down at a restart")
    parser.add_argument("--redis-crash", action="store_true", help="stop Redis with SIGKILL instead of SHUTDOWN")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the replicas (INFO shows deliveries)")
    parser.add_argument("--keep", type=Path, help="keep the replicas' logs and Redis files in this folder")
    args = parser.parse_args(argv)
    return Options(renders=args.renders, kills=args.kills, redis_restarts=args.redis_restarts,
                   concurrency=args.concurrency, seed=args.seed, lease=args.lease, redis_down=args.redis_down,
                   redis_crash=args.redis_crash, log_level=args.log_level), args.keep


def main(argv: list[str] | None = None) -> None:
    """Run the soak and print its summary."""
    options, keep = parse(argv)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        folder.mkdir(parents=True, exist_ok=True)
        lines = asyncio.run(soak(options, folder))
    for line in lines:
        print(line)
    print(f"seconds: {time.monotonic() - started:.0f}")


if __name__ == "__main__":
    main()
