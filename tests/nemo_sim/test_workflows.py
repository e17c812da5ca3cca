"""The skill's three workflows over HTTP, on the 100 credits of an anonymous account: quick edit, batch and
iterative; every export renders the timeline as it is then, so different timelines give different MP4s."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import pytest

from nemo_sim.scenarios import PRICES, Operation
from tests.nemo_sim.wire import (
    Account,
    credits_of,
    export,
    new_account,
    probe,
    run_turn,
    state_of,
    texts,
    upload,
)

GENERATE, EDIT = PRICES[Operation.GENERATE], PRICES[Operation.EDIT]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _say(client: httpx.AsyncClient, account: Account, text: str) -> list[str]:
    reply, frames = await run_turn(client, account, text)
    assert reply.status_code == 200, reply.text  # never refused for credits
    return texts(frames)


async def test_quick_edit_generate_edit_export(client: httpx.AsyncClient, account: Account, tmp_path: Path) -> None:
    said = await _say(client, account, "create a 30-second promo video with animations and background music")
    assert said[0].startswith("I'll generate a 30-second promo video with animations and background music.")
    await _say(client, account, 'add the title "Grand Opening"')
    draft = (await state_of(client, account))["draft"]
    assert (draft["d"], draft["m"]["title"]) == (30000, "Grand Opening")
    video = await export(client, account, "render_quick", tmp_path)
    info = await probe(video)
    assert info.seconds == pytest.approx(30, abs=0.1)
    assert await credits_of(client, account) == 100 - GENERATE - EDIT


@pytest.mark.parametrize(
    ("instruction", "operation"),
    [("make a video from this clip", Operation.GENERATE), ("add the title 'Day {n}' to this clip", Operation.EDIT)],
)
async def test_batch_each_upload_its_own_timeline_and_video(
    client: httpx.AsyncClient, account: Account, tmp_path: Path, instruction: str, operation: Operation
) -> None:
    drafts, videos = [], []
    for n in (1, 2, 3):
        item = await upload(client, account, f"day{n}.mp4", f"footage of day {n}".encode() * 100)
        await _say(client, account, instruction.format(n=n))
        draft = (await state_of(client, account))["draft"]
        [clip] = next(track for track in draft["t"] if track["tt"] == 0)["sg"]
        assert clip["label"] == f"day{n}.mp4"
        # An edit puts the uploaded clip itself on the timeline; a generation makes a new clip from it.
        assert (clip["src"] == item["cdn_url"]) is (operation is Operation.EDIT)
        drafts.append(draft)
        videos.append(await export(client, account, f"render_day{n}", tmp_path))
    assert [draft["m"]["title"] for draft in drafts] == ["Day 1", "Day 2", "Day 3"]
    assert len({_digest(video) for video in videos}) == 3
    assert await credits_of(client, account) == 100 - 3 * PRICES[operation]


async def test_batch_instruction_naming_an_earlier_upload_builds_from_it(
    client: httpx.AsyncClient, account: Account
) -> None:
    for name in ("harbour.mov", "market.jpg"):
        await upload(client, account, name, name.encode())
    await _say(client, account, "add the title 'Harbour' to harbour.mov")
    video = next(track for track in (await state_of(client, account))["draft"]["t"] if track["tt"] == 0)
    assert [segment["label"] for segment in video["sg"]] == ["harbour.mov"]


async def test_an_uploaded_song_becomes_the_music(client: httpx.AsyncClient, account: Account) -> None:
    await upload(client, account, "beach.png", b"png")
    await upload(client, account, "theme.mp3", b"mp3")
    await _say(client, account, "make a video with these")
    draft = (await state_of(client, account))["draft"]
    music = next(track for track in draft["t"] if track["tt"] == 1)
    assert music["sg"][0]["name"] == "theme.mp3"
    assert draft["m"]["title"] == "Beach"


async def test_iterative_each_refinement_is_a_new_video(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    await _say(client, account, "generate a rough cut of a city at night")
    first = await state_of(client, account)
    assert first["draft"]["t"]  # the status a person would ask for
    videos = [await export(client, account, "render_v1", tmp_path)]
    for n, refinement in enumerate(("change the music to something upbeat", "trim it to 8 seconds"), start=2):
        await _say(client, account, refinement)
        videos.append(await export(client, account, f"render_v{n}", tmp_path))
    final = (await state_of(client, account))["draft"]
    music = next(track for track in final["t"] if track["tt"] == 1)["sg"][0]["name"]
    assert music == "Upbeat Pop"
    assert final["d"] == 8000
    assert (await probe(videos[-1])).seconds == pytest.approx(8, abs=0.1)
    assert len({_digest(video) for video in videos}) == 3
    assert await credits_of(client, account) == 100 - GENERATE - 2 * EDIT


async def test_refinements_without_details_still_change_what_is_seen(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    await _say(client, account, "make a video of a lighthouse")
    videos = [await export(client, account, "render_a", tmp_path)]
    for n, refinement in enumerate(("add a title", "edit it", "tweak it again"), start=1):
        await _say(client, account, refinement)
        videos.append(await export(client, account, f"render_b{n}", tmp_path))
    assert len({_digest(video) for video in videos}) == len(videos)


async def test_the_same_timeline_renders_the_same_file(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    await _say(client, account, "make a video of a lighthouse")
    one, two = await export(client, account, "render_1", tmp_path), await export(client, account, "render_2", tmp_path)
    assert _digest(one) == _digest(two)


HAN_ONLY = re.compile(r"[^A-Za-z]+")  # Chinese sentences (and numbers, punctuation)


@pytest.mark.parametrize("session_language", ["zh-CN", "en"])
async def test_a_chinese_prompt_generates_and_answers_in_chinese(
    client: httpx.AsyncClient, session_language: str, tmp_path: Path
) -> None:
    account = await new_account(client, f"zh-{session_language}", session_language)
    said = await _say(client, account, "做一个30秒的猫咪宣传视频")
    assert said[0].startswith("好的，我来生成一段30秒的猫咪宣传视频。")
    assert said[-1].startswith("你的视频《猫咪宣传》已完成：30 秒")
    assert all(HAN_ONLY.fullmatch(text.replace("Lo-fi", "")) for text in said)
    draft = (await state_of(client, account))["draft"]
    assert [track["tt"] for track in draft["t"]] == [0, 1, 7]
    assert (draft["d"], draft["m"]["title"]) == (30000, "猫咪宣传")
    await _say(client, account, "把标题改成“喵星人”")
    await _say(client, account, "换成舒缓的背景音乐")
    await _say(client, account, "缩短到15秒")
    draft = (await state_of(client, account))["draft"]
    music = next(track for track in draft["t"] if track["tt"] == 1)["sg"][0]["name"]
    assert (draft["m"]["title"], music, draft["d"]) == ("喵星人", "温暖微风（钢琴）", 15000)
    assert (await probe(await export(client, account, "render_zh", tmp_path))).seconds == pytest.approx(15, abs=0.1)
    assert await credits_of(client, account) == 100 - GENERATE - 3 * EDIT
