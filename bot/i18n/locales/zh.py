"""Simplified Chinese, for every zh locale without a regional table of its own."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.i18n.tables import GuiAction, Phrases, Rewrite

MESSAGES: Mapping[str, str] = {
    # The conversation
    "setting_up": "⚙️ 正在准备...",
    "ready": "✅ 已连接，准备就绪。告诉我想做什么视频吧。",
    "help": (
        "我可以制作 AI 视频。描述你想要的视频即可生成，也可以发送图片、视频或音频素材，然后：\n"
        "• 导出（或 /export）：渲染并发送 MP4\n"
        "• 状态（或 /status）：查看时间线\n"
        "• 积分（或 /credits）：查看余额\n"
        "• /new：开始新项目   • /cancel：停止等待当前任务\n"
        "支持文件：mp4 mov avi webm mkv、jpg png gif webp、mp3 wav m4a aac，最大 {limit_mb:.0f} MB。"
    ),
    "new_session": "🆕 已开始新项目。",
    "busy": "⏳ 还在处理上一个请求。发送 /cancel 可停止等待。",
    "turn_queued": "⏳ 当前请求较多，你的请求已排队，很快就会开始。",
    "cancelled": "✖️ 已取消。",
    "nothing_to_cancel": "当前没有进行中的任务。",
    "cancel_stopped": "🛑 已停止：{jobs}。该请求不会再有回复。",
    "cancel_unqueued": "🗑 已把你排队中的 {count} 个请求移出队列。",
    "cancel_stopped_and_unqueued": "🛑 已停止：{jobs}，并把 {count} 个排队中的请求移出队列。",
    "cancel_not_yours": "只有发起人（{names}）或管理员可以停止当前任务。",
    "job_render": "你的视频渲染",
    "job_quoted": "“{label}”",
    "job_of": "{job}（{name}）",
    "queue_place": "⏳ 你排在第 {place} 位——当前任务一结束就开始。",
    "queue_turn": "▶️ 轮到你了，你的请求：“{request}”",
    "queue_turn_direct": "▶️ 开始处理你在我忙时发来的请求：“{request}”",
    "queue_full_chat": "🚦 这个聊天已有 {count} 个请求在排队。没有排队，也没有扣费；请等一些完成后再发送。",
    "queue_full_person": "🚦 你在这里已有 {count} 个请求在排队。没有排队，也没有扣费；请等其中一个开始后再发送。",
    "lock_freed": "🔓 处理上一个请求时机器人重启过，本聊天因此一直在等待，现已解除。发送“状态”查看项目进展。",
    "render_card_moved": "🔄 机器人重启了；渲染仍在继续，进度显示在新的消息里。",
    "turn_cut_card": "🔄 已中断：机器人重启了。",
    "turn_cut_unsent": "🔄 处理“{request}”时机器人重启了，请求还没有发送给视频服务：没有发送，也没有扣费。请重新发送。",
    "turn_cut_done": "🔄 处理“{request}”时机器人重启了，但视频服务已经完成：\n{changes}",
    "turn_cut_checking": (
        "🔄 处理“{request}”时机器人重启了，当时请求已经（或正在）发送给视频服务，所以没有再次发送。"
        "项目有变化时我会在这里告诉你。"
    ),
    "turn_cut_unchanged": "ℹ️ 自“{request}”以来，视频服务没有改动你的项目。稍后发送“状态”查看进展。",
    "interrupted": "🔄 机器人正在重启。请稍后发送“状态”查看项目进展。",
    "credits": "💳 积分：可用 {available}，冻结 {frozen}（进行中的任务占用），共 {total}。",
    "timeline_empty": "时间线还是空的。描述一个视频来生成，或发送素材。",
    "nothing_to_export": "还没有可导出的内容：请先生成视频（描述一个视频，或发送素材）。",
    "render_progress": "🎞 渲染中... {percent}%",
    "render_retry": "⚠️ 渲染失败，正在重试一次...",
    "render_failed": "❌ 导出失败，请稍后再试。",
    "render_timeout": "❌ 渲染时间过长，请稍后重新导出。",
    "render_done": "✅ 视频已完成！",
    "video_caption": "🎬 你的视频（{duration:.0f} 秒，{width}x{height}）",
    "video_caption_for": "🎬 {name}，你的视频已完成（{duration:.0f} 秒）",
    "too_big_link": "视频大小为 {size_mb:.0f} MB，超过本聊天的上传上限，请通过链接下载：",
    "too_big_link_for": "{name}，视频大小为 {size_mb:.0f} MB，超过本聊天的上传上限，请通过链接下载：",
    "video_too_big": "❌ 视频太大，无法在此聊天中发送，也没有可用的下载链接。",
    "video_slow": "⌛ 视频发送耗时较长。如果几分钟后仍未出现，请重新发送“导出”。",
    "video_slow_link": "⌛ 视频发送耗时较长。如果没有出现，请通过此链接下载：",
    "video_slow_link_for": "⌛ {name}，视频发送耗时较长。如果没有出现，请通过此链接下载：",
    "video_not_attached_link": "🎬 视频已完成，但无法在这里附加文件。请通过此链接下载：",
    "video_not_attached_link_for": "🎬 {name}，你的视频已完成，但无法在这里附加文件。请通过此链接下载：",
    "raw_ready": "✅ 原始视频已生成，正在添加音乐和标题...",
    "still_working": "⏳ 仍在处理中...",
    "turn_done": "✅ 完成。",
    "changes": "✅ 已更新：\n{changes}",
    "no_changes": "处理结束，但项目没有变化。请换个说法试试。",
    "stream_error": "⚠️ 视频助手处理该请求时遇到问题。发送“状态”查看项目当前情况。",
    "turn_failed": "⚠️ 处理时出现问题。",
    "turn_interrupted": "🔄 机器人正在重启。你的请求已发送，视频服务仍在处理：几分钟后发送“状态”查看结果。",
    "render_after_restart": "🔄 机器人正在重启。视频仍在渲染，我回来后会发到这里。",
    "turn_running": "⌛ 服务器仍在处理...",
    "turn_dropped": "📡 连接中断，正在检查...",
    "check_later": "⚠️ 请求已发送，但暂时无法查看结果。请稍后发送“状态”查看。",
    "video_usage": "请在命令后描述视频，例如：/video 日落时冲浪的猫",
    "stream_timeout": "⌛ 处理时间比预期长。几分钟后发送“状态”查看结果。",
    "connection_lost_checking": "📡 与视频助手的连接中断，请求仍在进行，正在检查...",
    "connection_lost_failed": "❌ 连接中断，项目没有变化。请重新发送你的请求。",
    "upload_unsupported": (
        "❌ {name}：不支持该文件类型。支持 mp4、mov、avi、webm、mkv、jpg、png、gif、webp、mp3、wav、m4a、aac。"
    ),
    "upload_too_big": "❌ {name} 大小为 {size_mb:.0f} MB，上限为 {limit_mb:.0f} MB。请裁剪或压缩后重试。",
    "upload_unreachable": (
        "❌ {name} 大小为 {size_mb:.0f} MB，{platform} 只允许机器人下载 {download_mb:.0f} MB 以内的文件。"
        "请改为发送文件链接（上传 <链接>），或发送更小、压缩过的文件。"
    ),
    "upload_unreachable_unknown": (
        "❌ {name} 超过 {download_mb:.0f} MB，{platform} 只允许机器人下载 {download_mb:.0f} MB 以内的文件。"
        "请改为发送文件链接（上传 <链接>），或发送更小、压缩过的文件。"
    ),
    "upload_fetch_failed": "❌ 无法从 {platform} 获取 {name}，请重新发送。",
    "upload_voice_failed": "❌ 无法读取该语音消息，请重新发送，或以音频文件发送。",
    "uploading": "📤 正在上传 {count} 个文件...",
    "uploaded": "📎 已添加：{files}",
    "upload_next": "现在告诉我想用它做什么。",
    "upload_nothing": "请发送文件（或文件链接）来上传。用法：上传 <链接>",
    "store_unavailable": "⚠️ 我的存储暂时不可用，这条消息没有发送给视频服务，也没有扣费。请稍后重新发送。",
    "session_restarted": "ℹ️ 之前的项目已失效，已为你新建项目。",
    "render_project_expired": (
        "ℹ️ 之前的项目已失效，已为你新建项目。视频在旧项目中，新项目里没有可导出的内容：请重新描述视频（或重新发送素材）"
        "再制作一次。"
    ),
    "still_working_for": "⏳ 仍在处理中...（已进行 {minutes} 分钟）",
    "upload_item": "{name} ({kind})",
    "attachment_unnamed": "文件",
    "requester_unnamed": "某位用户",
    "upload_item_timed": "{name} ({kind}, {seconds:.0f}s)",
    "error_internal": "⚠️ 出了点问题，请重试。",
    # Nemo errors (bot.engine.explain picks the key)
    "error_auth": "🔑 视频服务拒绝了机器人的登录。请稍后重试；如果持续出现，请联系机器人管理员。",
    "error_token_refused": "🔑 视频服务拒绝了机器人的登录：配置的 Nemo 令牌无效。请机器人管理员设置有效的令牌。",
    "error_sign_in": "🔑 无法登录视频服务，请稍后重试。",
    "error_setup": "⚠️ 无法在视频服务上创建项目，请稍后重试。",
    "error_upload": "❌ 视频服务拒绝了这次上传。请稍后重试，或换一种方式发送文件。",
    "error_credits": "⚠️ 无法从视频服务读取你的余额，请稍后重试。",
    "error_status": "⚠️ 无法从视频服务读取时间线，请稍后重试。",
    "error_plan_blocked": "🔒 视频服务因当前账户的套餐拒绝了该请求。请在 {web} 注册以解锁。",
    "error_session_not_found": "ℹ️ 找不到你的项目了。发送 /new 开始新项目。",
    "error_export_blocked": "🔒 当前免费账户无法导出。请在 {web} 注册以解锁导出。",
    "error_unsupported_file": (
        "❌ 不支持该文件类型。支持 mp4、mov、avi、webm、mkv、jpg、png、gif、webp、mp3、wav、m4a、aac。"
    ),
    "error_file_too_large": "❌ 文件太大。请裁剪或压缩后重试。",
    "error_rate_limited": "🚦 视频服务当前繁忙（频率限制），请一分钟后再试。",
    "error_timeout": "⌛ 视频服务响应超时，请重试。",
    "error_connection_lost": "📡 无法连接视频服务，请稍后重试。",
    "error_server": "⚠️ 视频服务内部错误，请稍后重试。",
    "error_malformed": "⚠️ 视频服务返回了无法识别的内容，请重试。",
    "error_bad_request": "⚠️ 视频服务拒绝了该请求。请换个说法，或发送 /new 重新开始。",
    "error_out_of_credits_register": "💳 积分已用完。免费注册即可获得更多积分并保留你的项目：{link}",
    "error_out_of_credits": "💳 积分已用完。请在 {web} 充值。",
    "error_out_of_credits_unknown": "💳 积分已用完。请在 {web} 免费注册以获得更多积分；已有账户可在那里充值。",
    # The timeline and what changed in it (phrased by bot.i18n.timeline)
    "timeline_none": "时间线为空",
    "timeline_one": "时间线（{count} 条轨道）：{items}",
    "timeline_many": "时间线（{count} 条轨道）：{items}",
    "timeline_item": "{number}. {kind}：{details}",
    "timeline_item_named": "{number}. {name}：{details}",
    "timeline_kind_video": "视频",
    "timeline_kind_bgm": "背景音乐",
    "timeline_kind_title": "标题",
    "timeline_name_video": "视频",
    "timeline_name_bgm": "背景音乐",
    "timeline_name_title": "标题",
    "timeline_track_video": "视频轨道",
    "timeline_track_bgm": "背景音乐轨道",
    "timeline_track_title": "标题轨道",
    "timeline_track_named": "{name} 轨道",
    "timeline_unnamed": "轨道",
    "timeline_track_empty": "空",
    "timeline_untitled": "未命名",
    "timeline_quoted": "\"{label}\"",
    "timeline_details": "{label} ({span})",
    "timeline_details_more": "{label} 及另外 {more} 个片段 ({span})",
    # Clip spans keep the editor's compact `0-10s`.
    "timeline_span": "{start}-{end}s",
    "timeline_span_volume": "{start}-{end}s, {volume}%",
    "timeline_added": "{track} 已添加：{details}",
    "timeline_removed": "{track} 已移除",
    "timeline_segments": "{track}: 片段 {before} → {after}",
    "timeline_relabelled": "{kind} 已修改：{before} -> {after}",
    "timeline_duration": "时长 {before} 秒 → {after} 秒",
    "timeline_uploaded_one": "新增 {count} 个上传素材",
    "timeline_uploaded_many": "新增 {count} 个上传素材",
    "timeline_generated_one": "新增 {count} 个生成素材",
    "timeline_generated_many": "新增 {count} 个生成素材",
    "timeline_updated": "时间线已更新",
    # Teams: who may use the bot, quotas on the shared credits, the team commands (bot/engine/team.py)
    "access_refused": "🔒 抱歉，这个机器人只对团队成员开放。请联系管理员为你开通：你的 ID 是 {user}。",
    "admin_only": "🔒 只有机器人的管理员才能这样做。",
    "admin_usage": (
        "团队命令：/allow <用户>、/deny <用户>、/quota <用户> <数量> [turns | exports | credits]（用 default 代替"
        "数量即恢复默认配额）、/usage。用户写数字 ID（其他平台的写 telegram:123 或 discord:456），在 Discord 上也可以"
        "直接提及。"
    ),
    "allow_done": "✅ {user} 现在可以使用机器人了。",
    "deny_done": "🚫 {user} 不能再使用机器人了。",
    "deny_admin": "{user} 是设置中指定的管理员，不能被拒绝。",
    "quota_set": "🧮 {user} 的配额现在是{per}{kind} {limit}。",
    "quota_default": "🧮 {user} 的{kind}配额已恢复默认：{limit}。",
    "quota_reached": "🧮 你{this}的{kind}配额（{limit}）已用完，这次请求没有发送。配额将于 {reset} 重置（{wait}）。",
    "quota_remaining": "🧮 你{this}的配额：{items}。将于 {reset} 重置（{wait}）。",
    "quota_left": "{kind}剩余 {left}/{limit}",
    "quota_none": "🛡 你是管理员，不受配额限制。",
    "quota_no_limit": "不限",
    "quota_kind_turns": "智能体请求",
    "quota_kind_exports": "导出",
    "quota_kind_credits": "积分",
    "quota_this_day": "今天",
    "quota_this_week": "本周",
    "quota_this_month": "本月",
    "quota_per_day": "每天",
    "quota_per_week": "每周",
    "quota_per_month": "每月",
    "quota_wait_hours": "{hours} 小时后",
    "quota_wait_minutes": "{minutes} 分钟后",
    "quota_wait_soon": "1 分钟内",
    "usage_header": "📊 {this}的用量（将于 {reset} 重置，{wait}）：",
    "usage_line": "• {user}：{uses}",
    "usage_nobody": "• 还没有人使用过",
    "usage_own": "📊 你{this}的用量：{uses}。",
    "usage_count": "{kind} {used}",
    "usage_count_of": "{kind} {used}/{limit}",
    "usage_nothing": "暂无",
    # The console
    "console_intro": (
        "🤖 输入提示词（或 /help）。/upload 路径 可附加文件。/as 名字 和 /chat 名字 可切换用户和聊天。Ctrl-D 退出。"
    ),
    "console_no_such_file": "🤖 找不到文件：{path}",
    "console_saved": "🎬 已保存：{path}（{width}x{height}，{duration:.0f} 秒）",
    "console_as": "🧑 你现在是 {user}。",
    "console_as_admin": "🧑 你现在是 {user}，本次会话中为管理员。",
    "console_as_usage": "🤖 用法：/as 名字，或 /as 名字 admin（名字由字母、数字和 _ . - @ 组成）。",
    "console_chat": "💬 现在在群聊 {chat} 中。",
    "console_chat_direct": "💬 已回到私聊。",
    "console_chat_usage": "🤖 用法：/chat 名字 进入群聊，单独 /chat 回到私聊。",
    # Buttons under replies (bot.engine.replies gives each action its emoji, the same in every language)
    "button_export": "导出",
    "button_status": "时间线",
    "button_credits": "积分",
    "button_apply": "应用",
    "button_cancel": "取消",
    "typed_export": "导出",
    "typed_status": "状态",
    "typed_credits": "积分",
    "typed_cancel": "取消",
    "gui_export": "我现在就为你导出视频。",
    "gui_upload": "直接把文件发到这里（作为附件），或发送“上传”加链接。",
    "gui_timeline": "时间线如下：",
    "gui_edit": "建议的修改：{edit}。",
    "gui_edit_offer": "✏️ 要执行这个修改吗？“{edit}”",
    "gui_edit_gone": "这个建议的修改已不可用（已经执行过或已过期）。请直接告诉我要改什么。",
    "export_unchanged": "自上次导出以来时间线没有变化，这是那个视频。",
    "export_joined": "⏳ 这个时间线已在渲染中，视频完成后会发到这里。",
    # Telegram's command menu
    "telegram_command_video": "描述要制作的视频，如 /video 冲浪的猫",
    "telegram_command_export": "渲染项目并发送 MP4",
    "telegram_command_status": "查看时间线",
    "telegram_command_credits": "查看积分余额",
    "telegram_command_new": "开始新项目",
    "telegram_command_cancel": "停止等待当前任务",
    "telegram_command_help": "使用说明",
    "telegram_command_usage": "本周期的用量和配额",
    "telegram_command_allow": "管理员：允许某人使用（/allow ID）",
    "telegram_command_deny": "管理员：禁止某人使用（/deny ID）",
    "telegram_command_quota": "管理员：设置某人的配额（/quota ID 数量）",
    # Discord
    "discord_moved": "⏩ 后续进度见下方新消息：Discord 在 15 分钟后不再允许更新此回复。",
    "discord_expiring": (
        "⚠️ 处理时间超过 15 分钟。此后 Discord 不再允许我更新这条回复，而我也无法在此频道自行发消息"
        "（应用只安装在你的账号上，未加入此服务器）。视频仍在渲染：请过几分钟在这里再次使用 /export 获取。"
    ),
    # Discord's slash commands (names and descriptions)
    "discord_command_video": "视频",
    "discord_command_video_about": "制作或修改视频：描述你想要的效果，可附最多三个文件",
    "discord_option_prompt": "描述",
    "discord_option_prompt_about": "视频要表现的内容，或要修改的地方",
    "discord_option_file": "文件",
    "discord_option_file2": "文件2",
    "discord_option_file3": "文件3",
    "discord_option_file_about": "要使用的图片、视频或音频",
    "discord_command_export": "导出",
    "discord_command_export_about": "渲染并发送 MP4 视频",
    "discord_command_status": "状态",
    "discord_command_status_about": "查看项目时间线",
    "discord_command_credits": "积分",
    "discord_command_credits_about": "查看积分余额",
    "discord_command_upload": "上传",
    "discord_command_upload_about": "向项目添加图片、视频或音频",
    "discord_option_upload_file_about": "要添加的文件",
    "discord_command_new": "新项目",
    "discord_command_new_about": "在此聊天中开始新项目",
    "discord_command_cancel": "取消",
    "discord_command_cancel_about": "停止等待当前任务",
    "discord_command_help": "帮助",
    "discord_command_help_about": "这个机器人能做什么",
    "discord_command_usage": "用量",
    "discord_command_usage_about": "本周期共享积分的用量（你自己的；管理员可看所有人的）",
    "discord_command_allow": "允许",
    "discord_command_allow_about": "允许某人使用机器人（管理员）",
    "discord_command_deny": "拒绝",
    "discord_command_deny_about": "禁止某人使用机器人（管理员）",
    "discord_command_quota": "配额",
    "discord_command_quota_about": "设置某人每个周期的配额（管理员）",
    "discord_option_user": "用户",
    "discord_option_user_about": "对象",
    "discord_option_limit": "上限",
    "discord_option_limit_about": "每个周期的数量；不填则恢复默认配额",
    "discord_option_kind": "类型",
    "discord_option_kind_about": "限制什么：智能体请求（默认）、导出或积分",
    # Input safety: the longest request, local paths that are not plain files, links that stay in the bot, files that
    # are empty or not what their name says
    "prompt_too_long": "✂️ 这条消息太长了：一次请求最多 {limit:,} 个字符。请缩短后重新发送。",
    "upload_not_plain_file": "❌ {name} 是链接、文件夹或设备，不是普通文件，不会读取它。请上传文件本身。",
    "upload_link_scheme": "❌ 未添加：{link} 不是网页链接，只能添加 {schemes} 链接。",
    "upload_link_private": "❌ 未添加：{host} 是私有或本地地址，不会从这里获取。请发送公开链接，或直接发送文件。",
    "upload_link_unclear": "❌ 未添加：无法确定 {link} 指向哪个主机。请发送普通链接，或直接发送文件。",
    "upload_cannot_read": "❌ 未添加：无法读取 {name}。请确认文件存在且可读后重试。",
    "upload_empty": "❌ 未添加：{name} 是空文件（0 字节）。请检查文件后重新发送。",
    "upload_not_video": (
        "❌ 未添加：{name} 不是视频文件：虽然文件名是视频，但内容不是 mp4、mov、avi、webm 或 mkv 格式。请发送视频本身。"
    ),
    "upload_not_image": (
        "❌ 未添加：{name} 不是图片文件：虽然文件名是图片，但内容不是 jpg、png、gif 或 webp 格式。请发送图片本身。"
    ),
    "upload_not_audio": (
        "❌ 未添加：{name} 不是音频文件：虽然文件名是音频，但内容不是 mp3、wav、m4a 或 aac 格式。请发送音频本身。"
    ),
    # Pictures: the timeline chart (bot.engine.charts), the progress card (bot.engine.card), a video's facts
    "chart_heading": "时间线",
    "chart_heading_titled": "时间线 · {title}",
    "chart_total": "总时长 {seconds} 秒",
    "chart_seconds": "{value}秒",
    "chart_more": "另有 {count} 条轨道未显示",
    "chart_lane_music": "音乐",
    "chart_volume": "{label} · {volume}%",
    "card_queued": "⏳ 排队等待渲染",
    "card_rendering": "🎞 正在渲染",
    "card_uploading": "📤 正在发送视频",
    "card_generating": "🎬 正在生成视频",
    "card_editing": "✂️ 正在编辑时间线",
    "card_working": "⚙️ 处理中",
    "card_head": "**{title}** · {elapsed}",
    "card_eta_minutes": "⏱ 大约还需 {minutes} 分钟",
    "card_eta_soon": "⏱ 不到一分钟",
    "card_queue": "排队位置：第 {place} 位",
    "card_generate_hint": "通常需要 2-5 分钟。",
    "card_label_started": "开始于",
    "card_label_eta": "预计完成",
    "card_label_queue": "排队位置",
    "video_title": "你的视频",
    "video_fact_duration": "时长",
    "video_fact_seconds": "{seconds:.0f} 秒",
    "video_fact_resolution": "分辨率",
    "video_fact_requester": "请求者",
    "console_picture": "🖼 已保存：{path}",
}

# Whole-message requests: a keyword routes only when the message is the request itself.
PHRASES = Phrases(
    requests={
        "export": frozenset({"导出", "导出视频", "下载", "下载视频", "发给我", "把视频发给我", "发视频"}),
        "credits": frozenset({"积分", "余额", "我的积分", "我的余额", "查积分", "查余额", "还有多少积分"}),
        "status": frozenset({"状态", "查看状态", "时间线", "轨道", "查看轨道"}),
        "upload": frozenset({"上传"}),
        "cancel": frozenset({"取消", "停止"}),
        "help": frozenset({"帮助", "？"}),
    },
    openers=("请", "帮我", "给我"),
    closers=("吧", "吗", "呢"),
)

_Q_OPEN = "[“\"「『]"
_Q_CLOSE = "[”\"」』]"
GUI = (
    Rewrite(
        re.compile(rf"(?P<when>(?:如果|若|当|等)?你?(?:满意|觉得(?:可以|不错)|准备好)(?:了|后|的话|之后)?[，,]?\s*)"
                   rf"点击\s*{_Q_OPEN}?(?:导出|下载)(?:视频)?{_Q_CLOSE}?(?:按钮)?"),
        r"\g<when>点“导出”按钮或发送“导出”",
    ),
    Rewrite(re.compile(rf"点击\s*{_Q_OPEN}?(?:导出|下载)(?:视频)?{_Q_CLOSE}?(?:按钮)?"), action=GuiAction.EXPORT),
    Rewrite(re.compile(rf"点击\s*{_Q_OPEN}?(?:上传|导入|添加素材){_Q_CLOSE}?(?:按钮)?"), action=GuiAction.UPLOAD),
    Rewrite(
        re.compile(r"(?:拖拽|拖入|拖动|拖放|拖)(?:你的)?(?:文件|素材|照片)(?:(?:到|至|进)(?:编辑器|画布|上传区域?|素材库))?"),
        action=GuiAction.UPLOAD,
    ),
    Rewrite(re.compile(r"(?:打开|查看)\s*(?:时间线|时间轴|轨道|图层)(?:面板|视图)?"), action=GuiAction.TIMELINE),
    Rewrite(
        re.compile(r"(?:在|到)(?:时间线|时间轴)(?:中|上|里)?预览|预览(?:时间线|时间轴)"), action=GuiAction.TIMELINE,
    ),
    Rewrite(
        re.compile(r"(?:把|将)(?P<what>[^，。！？,!?；;\n]{1,24}?)(?:拖拽|拖动|拖入|拖放|拖)(?:到|至|进)"
                   r"(?P<where>[^，。！？,!?；;\n]{1,24})"),
        r"把\g<what>移到\g<where>",
        GuiAction.EDIT,
    ),
    Rewrite(re.compile(r"(?:在|到)(?:播放器|预览窗口|编辑器)(?:中|里)?(?:预览|播放|观看)"), "发送“导出”来观看"),
    Rewrite(re.compile(rf"点击\s*{_Q_OPEN}(?P<name>[^”\"」』\n]{{1,12}}){_Q_CLOSE}(?:按钮)?"), r"回复“\g<name>”"),
    Rewrite(re.compile(r"点击\s*(?P<name>[\w]{1,6}?)按钮"), r"回复“\g<name>”"),
)

TEMPORARY_ISSUE = re.compile(r"暂时的问题|临时问题")

# The Nemo service knows Chinese by its mainland tag, whichever Chinese table the user reads.
LANGUAGE_TAG = "zh-CN"
