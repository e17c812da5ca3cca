"""Everything the bot says, in English and Chinese, chosen by the user's locale."""

from __future__ import annotations

from typing import Any

_TEXTS: dict[str, tuple[str, str]] = {
    "setting_up": ("⚙️ Setting things up...", "⚙️ 正在准备..."),
    "ready": ("✅ Connected and ready. Tell me what video to make.", "✅ 已连接，准备就绪。告诉我想做什么视频吧。"),
    "help": (
        "I make AI videos. Describe a video to generate it, send photos, clips or audio to use, then:\n"
        "• export (or /export): render and send the MP4\n"
        "• status (or /status): show the timeline\n"
        "• credits (or /credits): your balance\n"
        "• /new: start a fresh project   • /cancel: stop waiting on the current job\n"
        "Files: mp4 mov avi webm mkv, jpg png gif webp, mp3 wav m4a aac, up to 200 MB.",
        "我可以制作 AI 视频。描述你想要的视频即可生成，也可以发送图片、视频或音频素材，然后：\n"
        "• 导出（或 /export）：渲染并发送 MP4\n"
        "• 状态（或 /status）：查看时间线\n"
        "• 积分（或 /credits）：查看余额\n"
        "• /new：开始新项目   • /cancel：停止等待当前任务\n"
        "支持文件：mp4 mov avi webm mkv、jpg png gif webp、mp3 wav m4a aac，最大 200 MB。",
    ),
    "new_session": ("🆕 Started a fresh project.", "🆕 已开始新项目。"),
    "busy": (
        "⏳ Still working on your previous request. Send /cancel to stop waiting on it.",
        "⏳ 还在处理上一个请求。发送 /cancel 可停止等待。",
    ),
    "cancelled": ("🛑 Stopped. Nothing more will be sent for that request.", "🛑 已停止，该请求不会再有回复。"),
    "nothing_to_cancel": ("Nothing is running right now.", "当前没有进行中的任务。"),
    "credits": ("💳 Credits: {available} available, {frozen} reserved.", "💳 积分：可用 {available}，冻结 {frozen}。"),
    "timeline_empty": (
        "The timeline is empty. Describe a video to generate, or send a file.",
        "时间线还是空的。描述一个视频来生成，或发送素材。",
    ),
    "nothing_to_export": (
        "There is nothing to export yet: make something first (describe a video, or send a file).",
        "还没有可导出的内容：请先生成视频（描述一个视频，或发送素材）。",
    ),
    "render_started": ("🎞 Rendering your video...", "🎞 正在渲染视频..."),
    "render_progress": ("🎞 Rendering... {percent}%", "🎞 渲染中... {percent}%"),
    "render_retry": ("⚠️ The render failed; trying once more...", "⚠️ 渲染失败，正在重试一次..."),
    "render_failed": ("❌ Export failed, please try again later.", "❌ 导出失败，请稍后再试。"),
    "render_timeout": (
        "❌ The render is taking too long. Please try exporting again later.",
        "❌ 渲染时间过长，请稍后重新导出。",
    ),
    "render_done": ("✅ Video ready!", "✅ 视频已完成！"),
    "render_interrupted": (
        "⚠️ Your export was interrupted. Send export to try again.",
        "⚠️ 导出被中断，请发送“导出”重试。",
    ),
    "video_caption": (
        "🎬 Your video ({duration:.0f}s, {width}x{height})",
        "🎬 你的视频（{duration:.0f} 秒，{width}x{height}）",
    ),
    "video_caption_for": (
        "🎬 {name}, your video is ready ({duration:.0f}s)",
        "🎬 {name}，你的视频已完成（{duration:.0f} 秒）",
    ),
    "too_big_link": (
        "The video is {size_mb:.0f} MB, over this chat's upload limit, so here is a download link:",
        "视频大小为 {size_mb:.0f} MB，超过本聊天的上传上限，请通过链接下载：",
    ),
    "working": ("🎬 Working on it...", "🎬 处理中..."),
    "tool_generate": (
        "🎬 Generating video... (this usually takes 2-5 minutes)",
        "🎬 正在生成视频...（通常需要 2-5 分钟）",
    ),
    "tool_edit": ("✂️ Editing the timeline...", "✂️ 正在编辑时间线..."),
    "tool_other": ("⚙️ Working on it...", "⚙️ 处理中..."),
    "raw_ready": ("✅ Raw video ready. Adding music and titles...", "✅ 原始视频已生成，正在添加音乐和标题..."),
    "still_working": ("⏳ Still working...", "⏳ 仍在处理中..."),
    "turn_done": ("✅ Done.", "✅ 完成。"),
    "changes": ("✅ Updated:\n{changes}", "✅ 已更新：\n{changes}"),
    "no_changes": (
        "The agent finished without changing the project. Try rephrasing your request.",
        "处理结束，但项目没有变化。请换个说法试试。",
    ),
    "stream_error": (
        "⚠️ The video agent ran into a problem with that request. Send status to see where the project stands.",
        "⚠️ 视频助手处理该请求时遇到问题。发送“状态”查看项目当前情况。",
    ),
    "turn_failed": ("⚠️ Ended with a problem.", "⚠️ 处理时出现问题。"),
    "turn_running": ("⌛ Still running on the server...", "⌛ 服务器仍在处理..."),
    "turn_dropped": ("📡 Connection lost; checking on it...", "📡 连接中断，正在检查..."),
    "check_later": (
        "⚠️ Your request went through, but I could not check the result just now. Send status in a moment to see it.",
        "⚠️ 请求已发送，但暂时无法查看结果。请稍后发送“状态”查看。",
    ),
    "video_usage": (
        "Describe the video after the command, e.g. /video a cat surfing at sunset",
        "请在命令后描述视频，例如：/video 日落时冲浪的猫",
    ),
    "stream_timeout": (
        "⌛ This is taking longer than expected. Send status in a few minutes to see the result.",
        "⌛ 处理时间比预期长。几分钟后发送“状态”查看结果。",
    ),
    "connection_lost_checking": (
        "📡 Lost the connection to the video agent. Your request is still running; checking on it...",
        "📡 与视频助手的连接中断，请求仍在进行，正在检查...",
    ),
    "connection_lost_failed": (
        "❌ Lost the connection and the project did not change. Please send your request again.",
        "❌ 连接中断，项目没有变化。请重新发送你的请求。",
    ),
    "upload_unsupported": (
        "❌ {name}: that file type is not supported. Send mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, "
        "wav, m4a or aac.",
        "❌ {name}：不支持该文件类型。支持 mp4、mov、avi、webm、mkv、jpg、png、gif、webp、mp3、wav、m4a、aac。",
    ),
    "upload_too_big": (
        "❌ {name} is {size_mb:.0f} MB; the limit is 200 MB. Trim or compress it and try again.",
        "❌ {name} 大小为 {size_mb:.0f} MB，上限为 200 MB。请裁剪或压缩后重试。",
    ),
    "uploading": ("📤 Uploading {count} file(s)...", "📤 正在上传 {count} 个文件..."),
    "uploaded": ("📎 Added: {files}", "📎 已添加：{files}"),
    "upload_next": ("Now tell me what to make with it.", "现在告诉我想用它做什么。"),
    "upload_nothing": (
        "Send a file (or a link to one) to upload. Usage: upload <url>",
        "请发送文件（或文件链接）来上传。用法：上传 <链接>",
    ),
    "store_unavailable": (
        "⚠️ My storage is unavailable right now. Please try again in a moment.",
        "⚠️ 我的存储暂时不可用，请稍后再试。",
    ),
    "session_restarted": (
        "ℹ️ Your previous project had expired, so I started a new one.",
        "ℹ️ 之前的项目已失效，已为你新建项目。",
    ),
}


def pick_language(locale: str | None) -> str:
    """`zh` for any Chinese locale, `en` otherwise."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def say(key: str, locale: str | None, **values: Any) -> str:
    """The message `key` in the user's language, filled with `values`."""
    en, zh = _TEXTS[key]
    template = zh if pick_language(locale) == "zh" else en
    return template.format(**values) if values else template
