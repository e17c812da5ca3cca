"""English: the default table, which defines every key."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.i18n.tables import GuiAction, Phrases, Rewrite

MESSAGES: Mapping[str, str] = {
    # The conversation
    "setting_up": "⚙️ Setting things up...",
    "ready": "✅ Connected and ready. Tell me what video to make.",
    "help": (
        "I make AI videos. Describe a video to generate it, send photos, clips or audio to use, then:\n"
        "• export (or /export): render and send the MP4\n"
        "• status (or /status): show the timeline\n"
        "• credits (or /credits): your balance\n"
        "• /new: start a fresh project   • /cancel: stop waiting on the current job\n"
        "Files: mp4 mov avi webm mkv, jpg png gif webp, mp3 wav m4a aac, up to {limit_mb:.0f} MB."
    ),
    "new_session": "🆕 Started a fresh project.",
    "busy": "⏳ Still working on your previous request. Send /cancel to stop waiting on it.",
    "turn_queued": "⏳ Busy right now — your request is queued and will start shortly.",
    "cancelled": "✖️ Cancelled.",
    "nothing_to_cancel": "Nothing is running right now.",
    "cancel_stopped": "🛑 Stopped: {jobs}. Nothing more will be sent for it.",
    "cancel_unqueued": "🗑 Took {count} waiting request(s) of yours off the queue.",
    "cancel_stopped_and_unqueued": "🛑 Stopped: {jobs}, and took {count} waiting request(s) off the queue.",
    "cancel_not_yours": "Only whoever asked ({names}) or an admin can stop what is running now.",
    "job_render": "the render of your video",
    "job_quoted": "“{label}”",
    "job_of": "{job} ({name})",
    "queue_place": "⏳ You're #{place} in line — I'll start as soon as the current job ends.",
    "queue_turn": "▶️ Your turn, as you asked: “{request}”",
    "queue_turn_direct": "▶️ Starting what you asked while I was busy: “{request}”",
    "queue_full_chat": "🚦 {count} requests are already waiting in this chat. Nothing was queued or charged; please "
    "send it again when some are done.",
    "queue_full_person": "🚦 You already have {count} request(s) waiting here. Nothing was queued or charged; please "
    "send it again when one has started.",
    "lock_freed": (
        "🔓 The bot restarted while working on your previous request, which kept this chat waiting: it is free "
        "again now. Send status to see where your project stands."
    ),
    "render_card_moved": "🔄 The bot restarted; the render goes on, followed in a new message.",
    "turn_cut_card": "🔄 Interrupted: the bot restarted.",
    "turn_cut_unsent": (
        "🔄 The bot restarted while working on “{request}”, before it reached the video service: nothing was sent "
        "and nothing was charged. Please send it again."
    ),
    "turn_cut_done": "🔄 The bot restarted while working on “{request}”, but the video service finished it:\n{changes}",
    "turn_cut_checking": (
        "🔄 The bot restarted while working on “{request}”, once it had gone (or was going) to the video service, so "
        "it was not sent again. I'll tell you here what it changes in your project."
    ),
    "turn_cut_unchanged": (
        "ℹ️ The video service has not changed your project since “{request}”. Send status later to see where it "
        "stands."
    ),
    "interrupted": "🔄 The bot is restarting. Send status in a minute to see where your project stands.",
    "credits": "💳 Credits: {available} available, {frozen} reserved for work in progress, {total} in all.",
    "timeline_empty": "The timeline is empty. Describe a video to generate, or send a file.",
    "nothing_to_export": "There is nothing to export yet: make something first (describe a video, or send a file).",
    "render_progress": "🎞 Rendering... {percent}%",
    "render_retry": "⚠️ The render failed; trying once more...",
    "render_failed": "❌ Export failed, please try again later.",
    "render_timeout": "❌ The render is taking too long. Please try exporting again later.",
    "render_done": "✅ Video ready!",
    "video_caption": "🎬 Your video ({duration:.0f}s, {width}x{height})",
    "video_caption_for": "🎬 {name}, your video is ready ({duration:.0f}s)",
    "too_big_link": "The video is {size_mb:.0f} MB, over this chat's upload limit, so here is a download link:",
    "too_big_link_for": (
        "{name}, the video is {size_mb:.0f} MB, over this chat's upload limit, so here is a download link:"
    ),
    "video_too_big": "❌ The video is too large to send in this chat, and no download link is available.",
    "video_slow": "⌛ Sending the video is taking long. If it does not appear in a few minutes, send export again.",
    "video_slow_link": "⌛ Sending the video is taking long. If it does not appear, download it here:",
    "video_slow_link_for": "⌛ {name}, sending the video is taking long. If it does not appear, download it here:",
    "video_not_attached_link": (
        "🎬 Your video is ready, but I could not attach the file here. Download it from this link:"
    ),
    "video_not_attached_link_for": (
        "🎬 {name}, your video is ready, but I could not attach the file here. Download it from this link:"
    ),
    "raw_ready": "✅ Raw video ready. Adding music and titles...",
    "still_working": "⏳ Still working...",
    "turn_done": "✅ Done.",
    "changes": "✅ Updated:\n{changes}",
    "no_changes": "The agent finished without changing the project. Try rephrasing your request.",
    "stream_error": (
        "⚠️ The video agent ran into a problem with that request. Send status to see where the project "
        "stands."
    ),
    "turn_failed": "⚠️ Ended with a problem.",
    "turn_interrupted": (
        "🔄 The bot is restarting. Your request went through and keeps running on the video service: send status "
        "in a few minutes to see the result."
    ),
    "render_after_restart": "🔄 The bot is restarting. Your video keeps rendering; I will send it here once I am back.",
    "turn_running": "⌛ Still running on the server...",
    "turn_dropped": "📡 Connection lost; checking on it...",
    "check_later": (
        "⚠️ Your request went through, but I could not check the result just now. Send status in a "
        "moment to see it."
    ),
    "video_usage": "Describe the video after the command, e.g. /video a cat surfing at sunset",
    "stream_timeout": "⌛ This is taking longer than expected. Send status in a few minutes to see the result.",
    "connection_lost_checking": (
        "📡 Lost the connection to the video agent. Your request is still running; checking on it..."
    ),
    "connection_lost_failed": "❌ Lost the connection and the project did not change. Please send your request again.",
    "upload_unsupported": (
        "❌ {name}: that file type is not supported. Send mp4, mov, avi, webm, mkv, jpg, png, gif, webp, "
        "mp3, wav, m4a or aac."
    ),
    "upload_too_big": (
        "❌ {name} is {size_mb:.0f} MB; the limit is {limit_mb:.0f} MB. Trim or compress it and try again."
    ),
    "upload_unreachable": (
        "❌ {name} is {size_mb:.0f} MB, and {platform} lets bots download files only up to {download_mb:.0f} "
        "MB. Send a link to the file instead (upload <url>), or a smaller or compressed version."
    ),
    "upload_unreachable_unknown": (
        "❌ {name} is over {download_mb:.0f} MB, and {platform} lets bots download files only up to "
        "{download_mb:.0f} MB. Send a link to the file instead (upload <url>), or a smaller or compressed version."
    ),
    "upload_fetch_failed": "❌ Could not fetch {name} from {platform}. Please send it again.",
    "upload_voice_failed": "❌ Could not read that voice message. Please send it again, or as an audio file.",
    "uploading": "📤 Uploading {count} file(s)...",
    "uploaded": "📎 Added: {files}",
    "upload_next": "Now tell me what to make with it.",
    "upload_nothing": "Send a file (or a link to one) to upload. Usage: upload <url>",
    "store_unavailable": (
        "⚠️ My storage is unavailable right now, so this message was not sent to the video service and nothing was "
        "charged. Please send it again in a moment."
    ),
    "session_restarted": "ℹ️ Your previous project had expired, so I started a new one.",
    "render_project_expired": (
        "ℹ️ Your previous project had expired, so I started a new one. The video was in the old project, so there "
        "is nothing to export: describe it again (or send your files again) to make it anew."
    ),
    "still_working_for": "⏳ Still working... ({minutes} min)",
    "upload_item": "{name} ({kind})",
    "attachment_unnamed": "file",
    "requester_unnamed": "someone",
    "upload_item_timed": "{name} ({kind}, {seconds:.0f}s)",
    "error_internal": "⚠️ Something went wrong on my side. Please try again.",
    # Nemo errors (bot.engine.explain picks the key)
    "error_auth": (
        "🔑 The video service did not accept the bot's sign-in. Please try again in a moment; if this keeps "
        "happening, tell the bot's operator."
    ),
    "error_token_refused": (
        "🔑 The video service did not accept the bot's sign-in: its Nemo token (NEMO_TOKEN) was refused. The bot's "
        "operator needs to set a valid one."
    ),
    "error_sign_in": "🔑 I could not sign in to the video service. Please try again in a moment.",
    "error_setup": "⚠️ I could not start a project on the video service. Please try again in a moment.",
    "error_upload": (
        "❌ The video service refused the upload. Please try again in a moment, or send the file another way."
    ),
    "error_credits": "⚠️ I could not read your balance from the video service. Please try again in a moment.",
    "error_status": "⚠️ I could not read the timeline from the video service. Please try again in a moment.",
    "error_plan_blocked": (
        "🔒 The video service refused that request for this account's plan. Register at {web} to unlock it."
    ),
    "error_session_not_found": "ℹ️ Your project could not be found any more. Send /new to start a fresh one.",
    "error_export_blocked": (
        "🔒 Export is not available on the free plan for this account. Register at {web} to unlock export."
    ),
    "error_unsupported_file": (
        "❌ That file type is not supported. Send mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, "
        "wav, m4a or aac."
    ),
    "error_file_too_large": "❌ That file is too large for the video service. Trim or compress it and try again.",
    "error_rate_limited": "🚦 The video service is busy right now (rate limit). Please try again in a minute.",
    "error_timeout": "⌛ The video service took too long to answer. Please try again.",
    "error_connection_lost": "📡 Could not reach the video service. Please try again in a moment.",
    "error_server": "⚠️ The video service had an internal error. Please try again in a moment.",
    "error_malformed": "⚠️ The video service sent an answer I could not read. Please try again.",
    "error_bad_request": "⚠️ The video service refused that request. Try rephrasing it, or send /new to start over.",
    "error_out_of_credits_register": (
        "💳 You are out of credits. Register for free to get more and keep your projects: {link}"
    ),
    "error_out_of_credits": "💳 You are out of credits. Top up at {web}.",
    "error_out_of_credits_unknown": (
        "💳 You are out of credits. Register for free at {web} to get more, or top up there if you already have an "
        "account."
    ),
    # The timeline and what changed in it (phrased by bot.i18n.timeline)
    "timeline_none": "Timeline is empty",
    "timeline_one": "Timeline ({count} track): {items}",
    "timeline_many": "Timeline ({count} tracks): {items}",
    "timeline_item": "{number}. {kind}: {details}",
    "timeline_item_named": "{number}. {name}: {details}",
    "timeline_kind_video": "Video",
    "timeline_kind_bgm": "BGM",
    "timeline_kind_title": "Title",
    # The type as named in "Title changed: ...", apart from the kind in a summary item so a language may differ.
    "timeline_name_video": "Video",
    "timeline_name_bgm": "BGM",
    "timeline_name_title": "Title",
    "timeline_track_video": "Video track",
    "timeline_track_bgm": "BGM track",
    "timeline_track_title": "Title track",
    "timeline_track_named": "{name} track",
    "timeline_unnamed": "Track",
    "timeline_track_empty": "empty",
    "timeline_untitled": "untitled",
    "timeline_quoted": "\"{label}\"",
    "timeline_details": "{label} ({span})",
    "timeline_details_more": "{label} +{more} more ({span})",
    "timeline_span": "{start}-{end}s",
    "timeline_span_volume": "{start}-{end}s, {volume}%",
    "timeline_added": "{track} added: {details}",
    "timeline_removed": "{track} removed",
    "timeline_segments": "{track}: {before} -> {after} segments",
    "timeline_relabelled": "{kind} changed: {before} -> {after}",
    "timeline_duration": "Duration {before}s -> {after}s",
    "timeline_uploaded_one": "{count} new uploaded media item",
    "timeline_uploaded_many": "{count} new uploaded media items",
    "timeline_generated_one": "{count} new generated media item",
    "timeline_generated_many": "{count} new generated media items",
    "timeline_updated": "Timeline updated",
    # Teams: who may use the bot, quotas on the shared credits, the team commands (bot/engine/team.py)
    "access_refused": (
        "🔒 Sorry, this bot is open only to its team. Ask one of its admins to let you in: your id is {user}."
    ),
    "admin_only": "🔒 Only the bot's admins can do that.",
    "admin_usage": (
        "Team commands: /allow <user>, /deny <user>, /quota <user> <n> [turns | exports | credits] (default "
        "instead of <n> goes back to the usual quota), /usage. A user is a numeric id (telegram:123 or "
        "discord:456 for another platform) or, on Discord, a mention."
    ),
    "allow_done": "✅ {user} may use the bot now.",
    "deny_done": "🚫 {user} may no longer use the bot.",
    "deny_admin": "{user} is an admin (ADMIN_USERS), so they can't be denied.",
    "quota_set": "🧮 {user}'s quota is now {limit} {kind} {per}.",
    "quota_default": "🧮 {user} is back on the usual quota of {kind}: {limit}.",
    "quota_reached": (
        "🧮 You've reached your quota of {limit} {kind} {this}, so this request was not sent. It resets at {reset} "
        "({wait})."
    ),
    "quota_remaining": "🧮 Your quota {this}: {items}. It resets at {reset} ({wait}).",
    "quota_left": "{left} of {limit} {kind} left",
    "quota_none": "🛡 You're an admin: no quota applies to you.",
    "quota_no_limit": "no limit",
    "quota_kind_turns": "agent requests",
    "quota_kind_exports": "exports",
    "quota_kind_credits": "credits",
    "quota_this_day": "today",
    "quota_this_week": "this week",
    "quota_this_month": "this month",
    "quota_per_day": "a day",
    "quota_per_week": "a week",
    "quota_per_month": "a month",
    "quota_wait_hours": "in {hours} hours",
    "quota_wait_minutes": "in {minutes} minutes",
    "quota_wait_soon": "in a minute",
    "usage_header": "📊 Use {this} (it resets at {reset}, {wait}):",
    "usage_line": "• {user}: {uses}",
    "usage_nobody": "• nobody has used the bot yet",
    "usage_own": "📊 Your use {this}: {uses}.",
    "usage_count": "{used} {kind}",
    "usage_count_of": "{used} of {limit} {kind}",
    "usage_nothing": "nothing yet",
    # The console
    "console_intro": (
        "🤖 Type a prompt (or /help). /upload PATH attaches a file. /as NAME and /chat NAME switch the user and the "
        "chat. Ctrl-D quits."
    ),
    "console_no_such_file": "🤖 No such file: {path}",
    "console_saved": "🎬 Saved: {path} ({width}x{height}, {duration:.0f}s)",
    "console_as": "🧑 You are {user} now.",
    "console_as_admin": "🧑 You are {user} now, an admin for this session.",
    "console_as_usage": "🤖 Use: /as NAME, or /as NAME admin (a NAME is letters, digits and _ . - @).",
    "console_chat": "💬 In the group chat {chat} now.",
    "console_chat_direct": "💬 Back in the direct chat.",
    "console_chat_usage": "🤖 Use: /chat NAME for a group chat, or /chat alone for the direct chat.",
    # Buttons under replies (bot.engine.replies gives each action its emoji, the same in every language)
    "button_export": "Export",
    "button_status": "Timeline",
    "button_credits": "Credits",
    "button_apply": "Apply",
    "button_cancel": "Cancel",
    # What a person types for a button where there are no buttons (the console); each must route to its action
    "typed_export": "export",
    "typed_status": "status",
    "typed_credits": "credits",
    "typed_cancel": "cancel",
    # The agent's web-editor instructions, done for the person instead
    "gui_export": "I'm exporting the video for you now.",
    "gui_upload": "Send the file here: attach it to a message, or send upload and a link.",
    "gui_timeline": "Here is the timeline:",
    "gui_edit": "Suggested edit: {edit}.",
    "gui_edit_offer": "✏️ Make this edit? “{edit}”",
    "gui_edit_gone": "That suggested edit is no longer waiting (it was made already, or it expired). Tell me what to "
                     "change instead.",
    "export_unchanged": "The timeline has not changed since your last export, so here is that video again.",
    "export_joined": "⏳ This timeline is already rendering: its video will come here as soon as it is ready.",
    # Telegram's command menu
    "telegram_command_video": "Describe a video to make, e.g. /video a cat surfing",
    "telegram_command_export": "Render the project and send the MP4",
    "telegram_command_status": "Show the timeline",
    "telegram_command_credits": "Show the credit balance",
    "telegram_command_new": "Start a fresh project",
    "telegram_command_cancel": "Stop waiting on the current job",
    "telegram_command_help": "How to use the bot",
    "telegram_command_usage": "Your use and quota this period",
    "telegram_command_allow": "Admins: let someone use the bot (/allow ID)",
    "telegram_command_deny": "Admins: stop someone using the bot (/deny ID)",
    "telegram_command_quota": "Admins: set someone's quota (/quota ID N)",
    # Discord
    "discord_moved": "⏩ Continued in a new message below: Discord stops updates to this reply after 15 minutes.",
    "discord_expiring": (
        "⚠️ This is taking longer than 15 minutes. After that Discord no longer lets me update this "
        "reply, and I cannot post in this channel myself (the app is installed for your account only, "
        "not in this server). The video keeps rendering: run /export here again in a few minutes to "
        "get it."
    ),
    # Discord's slash commands (names and descriptions)
    "discord_command_video": "video",
    "discord_command_video_about": "Make or change a video: describe it, optionally with up to three files",
    "discord_option_prompt": "prompt",
    "discord_option_prompt_about": "What the video should show, or what to change",
    "discord_option_file": "file",
    "discord_option_file2": "file2",
    "discord_option_file3": "file3",
    "discord_option_file_about": "An image, clip or audio file to use",
    "discord_command_export": "export",
    "discord_command_export_about": "Render the video and send the MP4",
    "discord_command_status": "status",
    "discord_command_status_about": "Show the project's timeline",
    "discord_command_credits": "credits",
    "discord_command_credits_about": "Show the credit balance",
    "discord_command_upload": "upload",
    "discord_command_upload_about": "Add an image, clip or audio file to the project",
    "discord_option_upload_file_about": "The file to add",
    "discord_command_new": "new",
    "discord_command_new_about": "Start a fresh project in this chat",
    "discord_command_cancel": "cancel",
    "discord_command_cancel_about": "Stop waiting on the current job",
    "discord_command_help": "help",
    "discord_command_help_about": "What this bot can do",
    "discord_command_usage": "usage",
    "discord_command_usage_about": "Use of the shared credits this period (your own, or everyone's for admins)",
    "discord_command_allow": "allow",
    "discord_command_allow_about": "Let someone use the bot (admins)",
    "discord_command_deny": "deny",
    "discord_command_deny_about": "Stop someone using the bot (admins)",
    "discord_command_quota": "quota",
    "discord_command_quota_about": "Set someone's quota per period (admins)",
    "discord_option_user": "user",
    "discord_option_user_about": "Who",
    "discord_option_limit": "limit",
    "discord_option_limit_about": "How many per period; leave it out to go back to the usual quota",
    "discord_option_kind": "kind",
    "discord_option_kind_about": "What to limit: agent requests (the default), exports or credits",
    # Input safety: the longest request, local paths that are not plain files, links that stay in the bot, files that
    # are empty or not what their name says
    "prompt_too_long": (
        "✂️ That message is too long: a request can be at most {limit:,} characters. Please shorten it and send "
        "it again."
    ),
    "upload_not_plain_file": (
        "❌ {name} is a link, a folder or a device, not a plain file, so I won't read it. Upload the file itself."
    ),
    "upload_link_scheme": "❌ Not added: {link} is not a web link. Only {schemes} links can be added.",
    "upload_link_private": (
        "❌ Not added: {host} is a private or local address, which I don't fetch from. Send a public link, or the "
        "file itself."
    ),
    "upload_link_unclear": (
        "❌ Not added: I can't tell which host {link} points to. Send a plain link, or the file itself."
    ),
    "upload_cannot_read": "❌ Not added: I can't read {name}. Check that it is there and readable, then try again.",
    "upload_empty": "❌ Not added: {name} is empty (0 bytes). Please check the file and send it again.",
    "upload_not_video": (
        "❌ Not added: {name} is not a video file: despite its name, its contents are not mp4, mov, avi, webm or mkv. "
        "Please send the video itself."
    ),
    "upload_not_image": (
        "❌ Not added: {name} is not an image file: despite its name, its contents are not jpg, png, gif or webp. "
        "Please send the image itself."
    ),
    "upload_not_audio": (
        "❌ Not added: {name} is not an audio file: despite its name, its contents are not mp3, wav, m4a or aac. "
        "Please send the audio itself."
    ),
    # Pictures: the timeline chart (bot.engine.charts), the progress card (bot.engine.card), a video's facts
    "chart_heading": "Timeline",
    "chart_heading_titled": "Timeline · {title}",
    "chart_total": "{seconds}s in all",
    "chart_seconds": "{value}s",
    "chart_more": "+{count} more tracks not shown",
    "chart_lane_music": "Music",
    "chart_volume": "{label} · {volume}%",
    "card_queued": "⏳ Waiting to render",
    "card_rendering": "🎞 Rendering",
    "card_uploading": "📤 Sending the video",
    "card_generating": "🎬 Generating video",
    "card_editing": "✂️ Editing the timeline",
    "card_working": "⚙️ Working on it",
    "card_head": "**{title}** · {elapsed}",
    "card_eta_minutes": "⏱ About {minutes} min left",
    "card_eta_soon": "⏱ Less than a minute left",
    "card_queue": "Place in line: {place}",
    "card_generate_hint": "This usually takes 2-5 minutes.",
    "card_label_started": "Started",
    "card_label_eta": "Done",
    "card_label_queue": "Place in line",
    "video_title": "Your video",
    "video_fact_duration": "Duration",
    "video_fact_seconds": "{seconds:.0f}s",
    "video_fact_resolution": "Resolution",
    "video_fact_requester": "Requested by",
    "console_picture": "🖼 Saved: {path}",
}

# Whole-message requests: a keyword routes only when the message is the request itself.
PHRASES = Phrases(
    requests={
        "export": frozenset({
            "export", "export it", "export video", "export the video", "export my video", "download",
            "download it", "download video", "download the video", "send me the video", "send the video",
            "send video", "give me the video", "render", "render it", "render the video",
        }),
        "credits": frozenset({
            "credits", "credit", "my credits", "check credits", "credit balance", "balance", "my balance",
            "check balance", "how many credits", "how many credits do i have",
        }),
        "status": frozenset({
            "status", "show status", "show tracks", "tracks", "timeline", "show timeline", "show the timeline",
            "show me the timeline", "what do we have",
        }),
        "upload": frozenset({"upload"}),
        "cancel": frozenset({"cancel", "stop"}),
        "help": frozenset({"help", "?"}),
    },
    openers=("please", "pls", "can you", "could you", "now", "ok", "okay"),
    closers=("please", "pls", "now"),
)

_OPT_THE = r"(?:on\s+)?(?:the\s+)?"
_CLICK = r"\b(?:click|press|tap|hit|select)\s+(?:on\s+)?(?:the\s+)?"
_FILES = r"(?:files?|media|footage|assets?|photos?|images?|uploads?)"
_EXPORT_CLICK = (r"(?:click|press|tap|hit|use|select)\s+(?:on\s+)?(?:the\s+)?[\"'“]?(?:export|download)[\"'”]?"
                 r"(?:\s+(?:button|option))?")
GUI = (
    # "When you're happy, click Export": the person chooses when, so they are pointed at the Export button.
    Rewrite(
        re.compile(rf"(?P<when>\b(?:when|once|if|whenever)\s+you[^,.!?\n]{{0,40}},\s*){_EXPORT_CLICK}", re.IGNORECASE),
        r'\g<when>send "export" or use the Export button',
    ),
    # An action the bot can take for the person: it does it (the sentence is replaced by the bot's own line).
    Rewrite(
        re.compile(rf"\b(?:click|press|tap|hit|use|select)\s+{_OPT_THE}[\"'“]?(?:export|download)[\"'”]?"
                   r"(?:\s+(?:button|option))?", re.IGNORECASE),
        action=GuiAction.EXPORT,
    ),
    Rewrite(
        re.compile(rf"{_CLICK}[\"'“]?(?:upload|import|add\s+media)[\"'”]?(?:\s+button)?", re.IGNORECASE),
        action=GuiAction.UPLOAD,
    ),
    Rewrite(
        re.compile(rf"\b(?:drag\s+and\s+drop|drag|drop)\s+(?:your\s+|the\s+|some\s+)?{_FILES}"
                   r"(?:\s+(?:in)?to\s+(?:the\s+)?(?:editor|canvas|upload\s+area|media\s+(?:panel|library)|window))?"
                   r"(?!\s+(?:to|onto|into)\s+(?:the\s+)?timeline)", re.IGNORECASE),
        action=GuiAction.UPLOAD,
    ),
    Rewrite(
        re.compile(rf"\b(?:open|check|see|view|look\s+at)\s+{_OPT_THE}(?:timeline|tracks?|layers?|project\s+panel)"
                   r"(?:\s+(?:panel|view|tab|window))?", re.IGNORECASE),
        action=GuiAction.TIMELINE,
    ),
    Rewrite(
        re.compile(r"\bpreview\s+(?:it\s+|them\s+|the\s+\w+\s+)?(?:in|on)\s+(?:the\s+)?timeline", re.IGNORECASE),
        action=GuiAction.TIMELINE,
    ),
    # A drag on the timeline is an edit: offered as an instruction the person confirms, never sent unasked.
    Rewrite(
        re.compile(r"\b(?:drag\s+and\s+drop|drag|drop)\s+(?P<what>(?:the|your|this|that|each)\s+[^.!?,;:\n]+?)\s+"
                   r"(?P<where>(?:to|into|onto|over|before|after|between|at)\s+[^.!?,;:\n]+)", re.IGNORECASE),
        r"move \g<what> \g<where>",
        GuiAction.EDIT,
    ),
    # Anything else to click is worded as something to reply.
    Rewrite(
        re.compile(r"\b(?:preview|play|watch)\s+(?:it\s+)?in\s+the\s+(?:player|preview\s+(?:panel|window)|editor)",
                   re.IGNORECASE),
        'send "export" to watch it',
    ),
    Rewrite(re.compile(rf"{_CLICK}[\"“'](?P<name>[^\"”'\n]{{1,30}})[\"”'](?:\s+(?:button|tab|option))?", re.IGNORECASE),
            r'reply "\g<name>"'),
    Rewrite(re.compile(rf"{_CLICK}(?P<name>(?-i:[A-Z][\w-]*)(?:\s(?-i:[A-Z][\w-]*))?)(?:\s+(?:button|tab|option))?",
                       re.IGNORECASE),
            r'reply "\g<name>"'),
    Rewrite(re.compile(rf"{_CLICK}(?P<name>\w+)\s+(?:button|tab|option)", re.IGNORECASE), r'reply "\g<name>"'),
)

TEMPORARY_ISSUE = re.compile(r"(encountered|ran into|experiencing)\s+(a\s+)?temporary\s+(issue|problem|error)",
                             re.IGNORECASE)
