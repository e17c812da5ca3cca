"""The slash commands, in English with Chinese names and descriptions, usable in servers and in DMs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import locale_str

CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
INSTALLS = app_commands.AppInstallationType(guild=True, user=True)

# English text -> (Simplified Chinese for zh-CN, Traditional Chinese for zh-TW).
TRANSLATIONS: dict[str, tuple[str, str]] = {
    "video": ("视频", "影片"),
    "Make or change a video: describe it, optionally with up to three files": (
        "制作或修改视频：描述你想要的效果，可附最多三个文件", "製作或修改影片：描述你想要的效果，可附最多三個檔案",
    ),
    "prompt": ("描述", "描述"),
    "What the video should show, or what to change": (
        "视频要表现的内容，或要修改的地方", "影片要呈現的內容，或要修改的地方",
    ),
    "file": ("文件", "檔案"),
    "file2": ("文件2", "檔案2"),
    "file3": ("文件3", "檔案3"),
    "An image, clip or audio file to use": ("要使用的图片、视频或音频", "要使用的圖片、影片或音訊"),
    "export": ("导出", "匯出"),
    "Render the video and send the MP4": ("渲染并发送 MP4 视频", "算繪並傳送 MP4 影片"),
    "status": ("状态", "狀態"),
    "Show the project's timeline": ("查看项目时间线", "查看專案時間軸"),
    "credits": ("积分", "點數"),
    "Show the credit balance": ("查看积分余额", "查看點數餘額"),
    "upload": ("上传", "上傳"),
    "Add an image, clip or audio file to the project": ("向项目添加图片、视频或音频", "向專案加入圖片、影片或音訊"),
    "The file to add": ("要添加的文件", "要加入的檔案"),
    "new": ("新项目", "新專案"),
    "Start a fresh project in this chat": ("在此聊天中开始新项目", "在此聊天中開始新專案"),
    "cancel": ("取消", "取消"),
    "Stop waiting on the current job": ("停止等待当前任务", "停止等待目前的工作"),
    "help": ("帮助", "說明"),
    "What this bot can do": ("这个机器人能做什么", "這個機器人能做什麼"),
}

_SIMPLE: dict[str, str] = {
    "export": "Render the video and send the MP4",
    "status": "Show the project's timeline",
    "credits": "Show the credit balance",
    "new": "Start a fresh project in this chat",
    "cancel": "Stop waiting on the current job",
    "help": "What this bot can do",
}
_FILE = "An image, clip or audio file to use"


class CommandHandler(Protocol):
    """What a command does: acknowledge, then hand the text and files to the engine."""

    async def command(
        self, interaction: discord.Interaction[Any], text: str, files: tuple[discord.Attachment | None, ...] = (),
    ) -> None:
        """Handle one slash command."""


class CommandTranslator(app_commands.Translator):
    """Chinese names and descriptions for the commands, from the table above."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The zh-CN or zh-TW text for `string`, or None to keep the English."""
        pair = TRANSLATIONS.get(string.message)
        if pair is None:
            return None
        if locale is discord.Locale.chinese:
            return pair[0]
        if locale is discord.Locale.taiwan_chinese:
            return pair[1]
        return None


def build_tree(client: discord.Client, handler: CommandHandler) -> app_commands.CommandTree[Any]:
    """The command tree with every command registered, allowed in servers, DMs and group DMs, for both installs."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        client, allowed_contexts=CONTEXTS, allowed_installs=INSTALLS,
    )
    tree.add_command(_video(handler))
    tree.add_command(_upload(handler))
    for name, description in _SIMPLE.items():
        command: app_commands.Command[Any, [], None] = app_commands.Command(
            name=locale_str(name), description=locale_str(description), callback=_simple(handler, name),
        )
        tree.add_command(command)
    return tree


def _simple(handler: CommandHandler, name: str) -> Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await handler.command(interaction, f"/{name}")

    return run


def _video(handler: CommandHandler) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(
        name=locale_str("video"),
        description=locale_str("Make or change a video: describe it, optionally with up to three files"),
    )
    @app_commands.rename(
        prompt=locale_str("prompt"), file=locale_str("file"), file2=locale_str("file2"), file3=locale_str("file3"),
    )
    @app_commands.describe(
        prompt=locale_str("What the video should show, or what to change"),
        file=locale_str(_FILE), file2=locale_str(_FILE), file3=locale_str(_FILE),
    )
    async def video(
        interaction: discord.Interaction[Any], prompt: app_commands.Range[str, 1, 4000],
        file: discord.Attachment | None = None, file2: discord.Attachment | None = None,
        file3: discord.Attachment | None = None,
    ) -> None:
        await handler.command(interaction, f"/video {prompt}", (file, file2, file3))

    return video


def _upload(handler: CommandHandler) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(
        name=locale_str("upload"), description=locale_str("Add an image, clip or audio file to the project"),
    )
    @app_commands.rename(file=locale_str("file"))
    @app_commands.describe(file=locale_str("The file to add"))
    async def upload(interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        await handler.command(interaction, "/upload", (file,))

    return upload
