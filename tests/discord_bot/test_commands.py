"""Slash commands: synced with Chinese names at start-up, answered in the user's language, files handled."""

from __future__ import annotations

from pathlib import Path

from nemo_sim.config import SimConfig
from tests.discord_bot.payloads import GUILD
from tests.discord_bot.rig import FAST, PNG, open_rig
from tests.harness import wait_for

COMMANDS = [
    "video", "upload", "export", "status", "credits", "new", "cancel", "help", "usage", "allow", "deny", "quota",
]
CHINESE = {"video": "视频", "upload": "上传", "export": "导出", "status": "状态", "credits": "积分", "new": "新项目",
           "cancel": "取消", "help": "帮助", "usage": "用量", "allow": "允许", "deny": "拒绝", "quota": "配额"}
# Traditional names come from the zh_TW table; "cancel" and "usage" are not in it and fall back to the Simplified ones.
TRADITIONAL = {"video": "影片", "upload": "上傳", "export": "匯出", "status": "狀態", "credits": "點數",
               "new": "新專案", "cancel": "取消", "help": "說明", "usage": "用量", "allow": "允許", "deny": "拒絕",
               "quota": "配額"}
ADMIN_ONLY = {"allow", "deny", "quota"}
MANAGE_GUILD = 1 << 5


async def test_commands_are_synced_globally_in_english_and_chinese_for_servers_and_dms(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        (sync,) = rig.fake.find("PUT")
        assert sync.path == "/applications/111/commands"
        commands = {command["name"]: command for command in sync.body}
        assert list(commands) == COMMANDS
        for name, command in commands.items():
            assert command["name_localizations"]["zh-CN"] == CHINESE[name]
            assert command["name_localizations"]["zh-TW"] == TRADITIONAL[name]
            assert command["description_localizations"]["zh-CN"]
            assert command["contexts"] == [0, 1, 2]  # servers, the bot's DM, group DMs
            assert command["integration_types"] == [0, 1]  # installed in a server or for a user
            # Discord hides the team's admin commands from members without Manage Server (the bot checks anyway).
            assert command.get("default_member_permissions") == (MANAGE_GUILD if name in ADMIN_ONLY else None)
        video = commands["video"]["options"]
        assert [(option["name"], option["type"], option["required"]) for option in video] == [
            ("prompt", 3, True), ("file", 11, False), ("file2", 11, False), ("file3", 11, False)]
        assert video[0]["name_localizations"] == {"zh-CN": "描述", "zh-TW": "描述"}
        assert [(o["name"], o["type"], o["required"]) for o in commands["upload"]["options"]] == [("file", 11, True)]
        quota = commands["quota"]["options"]
        assert [(option["name"], option["type"], option["required"]) for option in quota] == [
            ("user", 6, True), ("limit", 4, False), ("kind", 3, False)]
        assert [choice["value"] for choice in quota[2]["choices"]] == ["turns", "exports", "credits"]


async def test_commands_are_synced_to_the_configured_guilds(tmp_path: Path) -> None:
    async with open_rig(tmp_path, config=FAST.model_copy(update={"guild_ids": (GUILD, 701)})) as rig:
        assert [call.path for call in rig.fake.find("PUT")] == [
            f"/applications/111/guilds/{GUILD}/commands", "/applications/111/guilds/701/commands"]
        assert [command["name"] for command in rig.fake.find("PUT")[0].body] == COMMANDS


async def test_replies_follow_the_users_discord_language(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        chinese = rig.make.command("help", locale="zh-TW")
        english = rig.make.command("help", locale="de")
        await rig.feed(chinese)
        await rig.feed(english)

        assert rig.webhook(chinese, "PATCH")[0].content.startswith("我可以制作 AI 视频")
        assert rig.webhook(english, "PATCH")[0].content.startswith("I make AI videos")


async def test_upload_fetches_the_file_at_once_and_refuses_unsupported_ones_unfetched(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        good = rig.make.command("upload", files=[("file", "logo.png", PNG, "image/png")], locale="zh-CN")
        bad = rig.make.command("upload", files=[("file", "notes.txt", b"hello", "text/plain")])
        await rig.feed(good)
        await rig.feed(bad)

        assert any(call.content == "📎 已添加：logo.png (image)" for call in rig.webhook(good))
        assert rig.webhook(good)[-1].content == "现在告诉我想用它做什么。"
        assert [call.path.rsplit("-", 1)[-1] for call in rig.fake.find("GET", "/cdn/")] == ["logo.png"]
        assert rig.private(bad)[0].startswith("❌ notes.txt: that file type is not supported")


async def test_an_empty_file_is_refused_unfetched_and_a_fake_one_after_its_fetch(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        empty = rig.make.command("upload", files=[("file", "blank.png", b"", "image/png")])
        fake = rig.make.command("video", {"prompt": "animate my cat"},
                                files=[("file", "cat.png", b"<html>expired link</html>", "image/png")])
        await rig.feed(empty)
        await rig.feed(fake)

        assert rig.private(empty)[0] == (
            "❌ Not added: blank.png is empty (0 bytes). Please check the file and send it again."
        )
        assert [call.path.rsplit("-", 1)[-1] for call in rig.fake.find("GET", "/cdn/")] == ["cat.png"]
        assert rig.private(fake)[0].startswith("❌ Not added: cat.png is not an image file")
        assert rig.h.sim.world.requests_to("/api/upload-video/") == []
        assert rig.h.sim.world.requests_to("/run_sse") == []


async def test_a_file_the_cdn_would_not_hand_over_is_refused_by_name(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        gone = rig.make.command("upload", files=[("file", "logo.png", PNG, "image/png")])
        rig.fake.cdn.clear()  # the signed URL no longer serves the file
        await rig.feed(gone)

        [fetch] = rig.fake.find("GET", "/cdn/")
        assert fetch.status == 404
        [refusal] = rig.private(gone)
        assert refusal == "❌ Could not fetch logo.png from Discord. Please send it again."


async def test_cancel_stops_the_turn_and_leaves_no_thinking_placeholder(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, scenario="stall")) as rig:
        stalled = rig.make.command("video", {"prompt": "a slow one"})
        started = await rig.start(stalled)
        await wait_for(lambda: bool(rig.h.sim.world.requests_to("/run_sse")))
        cancel = rig.make.command("cancel")
        await rig.feed(cancel)
        await rig.settle(started)

        # The reply to /cancel says what stopped, once; the stopped request's interaction says nothing more.
        assert [call.content for call in rig.webhook(cancel)][-1] == (
            "🛑 Stopped: “a slow one”. Nothing more will be sent for it."
        )
        assert "🛑" not in "".join(call.content for call in rig.webhook(stalled))
