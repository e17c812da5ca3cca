"""What the Discord adapter itself says (beyond the engine's replies)."""

from __future__ import annotations

from typing import Any

_TEXTS: dict[str, tuple[str, str]] = {
    "moved": (
        "⏩ Continued in a new message below: Discord stops updates to this reply after 15 minutes.",
        "⏩ 后续进度见下方新消息：Discord 在 15 分钟后不再允许更新此回复。",
    ),
    "expiring": (
        "⚠️ This is taking longer than 15 minutes. After that Discord no longer lets me update this reply, and I "
        "cannot post in this channel myself (the app is installed for your account only, not in this server). "
        "The video keeps rendering: run /export here again in a few minutes to get it.",
        "⚠️ 处理时间超过 15 分钟。此后 Discord 不再允许我更新这条回复，而我也无法在此频道自行发消息"
        "（应用只安装在你的账号上，未加入此服务器）。视频仍在渲染：请过几分钟在这里再次使用 /export 获取。",
    ),
    "too_big_no_link": (
        "❌ The video is too large to post here and no download link is available. Please try /export later.",
        "❌ 视频太大，无法在这里发送，也没有可用的下载链接。请稍后再试 /export。",
    ),
    "upload_failed_link": (
        "🎬 Your video is ready, but I could not attach the file here. Download it from this link:",
        "🎬 视频已完成，但无法在这里附加文件。请通过此链接下载：",
    ),
    "download_failed": (
        "❌ Could not fetch {name} from Discord. Please send it again.",
        "❌ 无法从 Discord 获取 {name}，请重新发送。",
    ),
}


def language(locale: object) -> str:
    """`zh` for any Chinese Discord locale (zh-CN, zh-TW), `en` for everything else and for none."""
    return "zh" if str(locale or "").lower().startswith("zh") else "en"


def text(key: str, locale: str, **values: Any) -> str:
    """The adapter's message `key` in the user's language."""
    en, zh = _TEXTS[key]
    template = zh if language(locale) == "zh" else en
    return template.format(**values) if values else template
