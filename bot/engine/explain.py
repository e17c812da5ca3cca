"""A clear user message, in English or Chinese, for every Nemo error."""

from __future__ import annotations

from bot.engine.texts import pick_language
from bot.nemo import errors

_MESSAGES: list[tuple[type[errors.NemoError], str, str]] = [
    (
        errors.AuthError,
        "🔑 The video service did not accept the bot's sign-in. If this keeps happening, the bot's operator "
        "needs to check its Nemo token.",
        "🔑 视频服务拒绝了机器人的登录。如果持续出现，请联系机器人管理员检查 Nemo 令牌。",
    ),
    (
        errors.SessionNotFound,
        "ℹ️ Your project could not be found any more. Send /new to start a fresh one.",
        "ℹ️ 找不到你的项目了。发送 /new 开始新项目。",
    ),
    (
        errors.ExportBlocked,
        "🔒 Export is not available on the free plan for this account. Register at {web} to unlock export.",
        "🔒 当前免费账户无法导出。请在 {web} 注册以解锁导出。",
    ),
    (
        errors.UnsupportedFileType,
        "❌ That file type is not supported. Send mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, "
        "m4a or aac.",
        "❌ 不支持该文件类型。支持 mp4、mov、avi、webm、mkv、jpg、png、gif、webp、mp3、wav、m4a、aac。",
    ),
    (
        errors.FileTooLarge,
        "❌ That file is too large for the video service. Trim or compress it and try again.",
        "❌ 文件太大。请裁剪或压缩后重试。",
    ),
    (
        errors.RateLimited,
        "🚦 The video service is busy right now (rate limit). Please try again in a minute.",
        "🚦 视频服务当前繁忙（频率限制），请一分钟后再试。",
    ),
    (
        errors.RenderFailed,
        "❌ Export failed, please try again later.",
        "❌ 导出失败，请稍后再试。",
    ),
    (
        errors.NemoTimeout,
        "⌛ The video service took too long to answer. Please try again.",
        "⌛ 视频服务响应超时，请重试。",
    ),
    (
        errors.ConnectionLost,
        "📡 Could not reach the video service. Please try again in a moment.",
        "📡 无法连接视频服务，请稍后重试。",
    ),
    (
        errors.ServerError,
        "⚠️ The video service had an internal error. Please try again in a moment.",
        "⚠️ 视频服务内部错误，请稍后重试。",
    ),
    (
        errors.MalformedReply,
        "⚠️ The video service sent an answer I could not read. Please try again.",
        "⚠️ 视频服务返回了无法识别的内容，请重试。",
    ),
    (
        errors.BadRequest,
        "⚠️ The video service refused that request. Try rephrasing it, or send /new to start over.",
        "⚠️ 视频服务拒绝了该请求。请换个说法，或发送 /new 重新开始。",
    ),
]


def explain(exc: errors.NemoError, locale: str | None, web_url: str) -> str:
    """The message a person sees for `exc`; never includes tokens or raw JSON."""
    zh = pick_language(locale) == "zh"
    if isinstance(exc, errors.CreditsExhausted):
        return _credits(exc, zh, web_url)
    for kind, en_text, zh_text in _MESSAGES:
        if isinstance(exc, kind):
            return (zh_text if zh else en_text).format(web=web_url)
    return "⚠️ 出了点问题，请重试。" if zh else "⚠️ Something went wrong. Please try again."


def _credits(exc: errors.CreditsExhausted, zh: bool, web_url: str) -> str:
    link = exc.register_url
    if link:
        if zh:
            return f"💳 积分已用完。免费注册即可获得更多积分并保留你的项目：{link}"
        return f"💳 You are out of credits. Register for free to get more and keep your projects: {link}"
    if zh:
        return f"💳 积分已用完。请在 {web_url} 充值。"
    return f"💳 You are out of credits. Top up at {web_url}."
