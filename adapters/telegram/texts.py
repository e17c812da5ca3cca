"""What the Telegram adapter itself says (command menu, file limits), in English and Chinese."""

from __future__ import annotations

from typing import Any

from bot.engine.texts import pick_language

_TEXTS: dict[str, tuple[str, str]] = {
    "input_too_big": (
        "❌ {name} is {size_mb:.0f} MB, and Telegram lets bots download files only up to 20 MB. "
        "Send a link to the file instead (upload <url>), or a smaller or compressed version.",
        "❌ {name} 大小为 {size_mb:.0f} MB，Telegram 只允许机器人下载 20 MB 以内的文件。"
        "请改为发送文件链接（上传 <链接>），或发送更小、压缩过的文件。",
    ),
    "input_too_big_unknown": (
        "❌ {name} is over 20 MB, and Telegram lets bots download files only up to 20 MB. "
        "Send a link to the file instead (upload <url>), or a smaller or compressed version.",
        "❌ {name} 超过 20 MB，Telegram 只允许机器人下载 20 MB 以内的文件。"
        "请改为发送文件链接（上传 <链接>），或发送更小、压缩过的文件。",
    ),
    "download_failed": (
        "❌ Could not fetch {name} from Telegram. Please send it again.",
        "❌ 无法从 Telegram 获取 {name}，请重新发送。",
    ),
    "voice_failed": (
        "❌ Could not read that voice message. Please send it again, or as an audio file.",
        "❌ 无法读取该语音消息，请重新发送，或以音频文件发送。",
    ),
    "upload_too_big": (
        "The video is too large to send in this chat.",
        "视频太大，无法在此聊天中发送。",
    ),
    "upload_too_big_link": (
        "The video is too large to send in this chat, so here is a download link:",
        "视频太大，无法在此聊天中发送，请通过链接下载：",
    ),
    "upload_slow": (
        "⌛ Sending the video is taking long. If it does not appear in a few minutes, send export again.",
        "⌛ 视频发送耗时较长。如果几分钟后仍未出现，请重新发送“导出”。",
    ),
    "upload_slow_link": (
        "⌛ Sending the video is taking long. If it does not appear, download it here:",
        "⌛ 视频发送耗时较长。如果没有出现，请通过此链接下载：",
    ),
}

# The command menu: (command, English, Chinese). Order is the order Telegram shows.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("video", "Describe a video to make, e.g. /video a cat surfing", "描述要制作的视频，如 /video 冲浪的猫"),
    ("export", "Render the project and send the MP4", "渲染项目并发送 MP4"),
    ("status", "Show the timeline", "查看时间线"),
    ("credits", "Show the credit balance", "查看积分余额"),
    ("new", "Start a fresh project", "开始新项目"),
    ("cancel", "Stop waiting on the current job", "停止等待当前任务"),
    ("help", "How to use the bot", "使用说明"),
)


def _zh(locale: str | None) -> bool:
    return pick_language(locale) == "zh"


def say(key: str, locale: str | None, **values: Any) -> str:
    """The adapter message `key` in the user's language."""
    en, zh = _TEXTS[key]
    template = zh if _zh(locale) else en
    return template.format(**values) if values else template
