"""Every Nemo error reaches the user as a clear message, in English or Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.messages import Attachment
from bot.engine.uploads import NotFetched, Screen
from bot.i18n import say
from nemo_sim.config import SimConfig
from tests.harness import Harness, running_bot


async def _fault(bot: Harness, prefix: str, code: int, times: int = 1, method: str | None = None) -> None:
    await bot.configure(faults=[{"path_prefix": prefix, "code": code, "times": times, "method": method}])


@pytest.mark.parametrize("mode", ["envelope", "http"])
async def test_out_of_credits_links_registration_with_the_anonymous_id(tmp_path: Path, mode: str) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, error_mode=mode), credits=0) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a storm"), chat)
        assert bot.nemo.user_id is not None
        assert chat.texts[-1] == (
            "💳 You are out of credits. Register for free to get more and keep your projects: "
            f"https://nemovideo.com/register?bind={bot.nemo.user_id}"
        )
        zh = bot.chat()
        await bot.engine.handle(bot.message("make a video of a storm", locale="zh-CN"), zh)
        assert zh.texts[-1].startswith("💳 积分已用完。免费注册")


async def test_export_blocked_402_is_not_about_credits(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a river"), chat)
    await bot.configure(plan="free_blocked")
    await bot.engine.handle(bot.message("export"), chat)
    assert chat.log[-1].text.startswith("🔒 Export is not available on the free plan")
    assert "credits" not in chat.log[-1].text


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (4001, "❌ That file type is not supported."),
        (4002, "❌ That file is too large for the video service."),
        (429, "🚦 The video service is busy right now"),
        (500, "⚠️ The video service had an internal error."),
    ],
)
async def test_upload_errors(bot: Harness, tmp_path: Path, code: int, expected: str) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42".ljust(1000, b"\0"))
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    await _fault(bot, "/api/upload-video/", code, times=2)
    await bot.engine.handle(bot.message(attachments=(Attachment("clip.mp4", "video/mp4", 1000, clip),)), chat)
    assert chat.log[-1].kind == "finish"
    assert chat.log[-1].text.startswith(expected)


async def test_wrong_type_and_oversize_are_refused_before_any_transfer(bot: Harness, tmp_path: Path) -> None:
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    chat = bot.chat()
    big = Attachment("huge.mov", "video/quicktime", 250_000_000, url=None, path=exe)
    await bot.engine.handle(bot.message(attachments=(Attachment("tool.exe", None, 2, exe), big)), chat)
    assert "❌ tool.exe: that file type is not supported. Send mp4, mov" in chat.texts[-2]
    assert chat.texts[-1] == "❌ huge.mov is 250 MB; the limit is 200 MB. Trim or compress it and try again."
    log = (await bot.http.get(f"{bot.sim.url}/__sim/requests")).json()
    assert not [r for r in log if r["path"].startswith("/api/upload-video/")]
    assert "⚙️ Setting things up..." not in chat.texts  # nothing was set up for files that cannot go


async def test_the_upload_limit_in_messages_is_the_configured_one(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, max_upload_bytes=50_000_000) as bot:
        chat = bot.chat()
        big = Attachment("big.mov", "video/quicktime", 60_000_000, url="https://example.com/big.mov")
        await bot.engine.handle(bot.message(attachments=(big,)), chat)
        assert chat.texts[-1] == "❌ big.mov is 60 MB; the limit is 50 MB. Trim or compress it and try again."
        await bot.engine.handle(bot.message("/help"), chat)
        assert chat.texts[-1].endswith("mp3 wav m4a aac, up to 50 MB.")
        await bot.engine.handle(bot.message("/help", locale="zh-CN"), chat)
        assert chat.texts[-1].endswith("mp3 wav m4a aac，最大 50 MB。")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "❌ file: that file type is not supported."), ("zh-CN", "❌ 文件：不支持该文件类型。")],
)
async def test_a_link_without_a_file_name_is_named_in_the_users_language(
    bot: Harness, locale: str, expected: str,
) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("upload https://example.com/", locale=locale), chat)
    assert chat.texts[-1].startswith(expected)


async def test_a_file_over_the_platforms_download_limit_is_refused_before_any_transfer(bot: Harness) -> None:
    async def never(path: Path) -> None:
        raise AssertionError("a refused file must not be fetched")

    chat = bot.chat(download_bytes=20_000_000)
    refused = Attachment("long.mp4", "video/mp4", 30_000_000, save_to=never)
    await bot.engine.handle(bot.message("make it shine", attachments=(refused,)), chat)
    assert chat.texts == [
        "❌ long.mp4 is 30 MB, and Testchat lets bots download files only up to 20 MB. Send a link to the file "
        "instead (upload <url>), or a smaller or compressed version."
    ]
    assert await bot.requests("/run_sse") == []


async def test_a_file_the_adapter_could_not_fetch_is_refused_by_name_before_anything_else(bot: Harness) -> None:
    chat = bot.chat()
    failed = Attachment("clip.mp4", "video/mp4", 10, fetch_failed=True)
    await bot.engine.handle(bot.message("make it shine", attachments=(failed,)), chat)
    assert chat.texts == ["❌ Could not fetch clip.mp4 from Testchat. Please send it again."]
    assert await bot.requests("/run_sse") == []


@pytest.mark.parametrize(
    ("reason", "size", "expected"),
    [
        (Screen.FAILED, 10, "❌ Could not fetch clip.mp4 from Testchat. Please send it again."),
        (Screen.UNREACHABLE, None, "❌ clip.mp4 is over 20 MB, and Testchat lets bots download files only up to 20"),
        (Screen.UNREADABLE, 10, "❌ Could not read that voice message. Please send it again, or as an audio file."),
    ],
)
async def test_a_file_the_platform_would_not_hand_over_is_refused_in_the_engines_words(
    bot: Harness, reason: Screen, size: int | None, expected: str,
) -> None:
    async def not_fetched(path: Path) -> None:
        raise NotFetched(reason)

    chat = bot.chat(download_bytes=20_000_000)
    item = Attachment("clip.mp4", "video/mp4", size, save_to=not_fetched)
    await bot.engine.handle(bot.message("upload", attachments=(item,)), chat)
    [finished] = [item.text for item in chat.log if item.kind == "finish"]
    assert finished.startswith(expected)
    log = (await bot.http.get(f"{bot.sim.url}/__sim/requests")).json()
    assert not [r for r in log if r["path"].startswith("/api/upload-video/")]


async def test_expired_session_1002_starts_a_new_one_and_answers(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    await _fault(bot, "/run_sse", 1002)
    await bot.engine.handle(bot.message("what can you do?"), chat)
    assert "ℹ️ Your previous project had expired, so I started a new one." in chat.texts
    assert chat.log[-1].actions  # the agent's answer arrived on the new session
    assert len(await bot.requests("/api/tasks/me/with-session/nemo_agent")) == 2


async def test_anonymous_token_is_renewed_on_1001_without_the_user_noticing(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    bot.sim.world.expire_tokens()
    await bot.engine.handle(bot.message("credits"), chat)
    assert chat.texts[-1].startswith("💳 Credits:")
    tokens = await bot.requests("/api/auth/anonymous-token")
    assert {r["headers"]["x-client-id"] for r in tokens} == {"test-client"}


@pytest.mark.parametrize("mode", ["envelope", "http"])
async def test_a_configured_token_that_fails_tells_the_operator(tmp_path: Path, mode: str) -> None:
    sim = SimConfig(speed=0.001, error_mode=mode)
    async with running_bot(tmp_path, db=14, sim=sim, token="nmv_usr_" + "x" * 40) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("credits"), chat)
        assert chat.texts[-1] == say("error_token_refused", "en")
        assert "NEMO_TOKEN" in chat.texts[-1]
        assert "nmv_usr_" not in chat.everything()


async def test_rate_limit_after_one_retry(bot: Harness) -> None:
    chat = bot.chat()
    await _fault(bot, "/api/credits", 429, times=2)
    await bot.engine.handle(bot.message("credits", locale="zh"), chat)
    assert chat.texts[-1] == "🚦 视频服务当前繁忙（频率限制），请一分钟后再试。"
    assert len(await bot.requests("/api/credits/balance/simple")) == 2


async def test_server_error_on_the_stream(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    await _fault(bot, "/run_sse", 503)
    await bot.engine.handle(bot.message("make a video of a fox"), chat)
    assert chat.texts[-1].startswith("⚠️ The video service had an internal error.")
    assert len(await bot.requests("/run_sse")) == 2
