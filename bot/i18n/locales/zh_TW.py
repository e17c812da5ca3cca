"""Traditional Chinese (zh-TW): only what differs from `zh`, so far Discord's command names."""

from __future__ import annotations

from collections.abc import Mapping

MESSAGES: Mapping[str, str] = {
    "discord_command_video": "影片",
    "discord_command_video_about": "製作或修改影片：描述你想要的效果，可附最多三個檔案",
    "discord_option_prompt_about": "影片要呈現的內容，或要修改的地方",
    "discord_option_file": "檔案",
    "discord_option_file2": "檔案2",
    "discord_option_file3": "檔案3",
    "discord_option_file_about": "要使用的圖片、影片或音訊",
    "discord_command_export": "匯出",
    "discord_command_export_about": "算繪並傳送 MP4 影片",
    "discord_command_status": "狀態",
    "discord_command_status_about": "查看專案時間軸",
    "discord_command_credits": "點數",
    "discord_command_credits_about": "查看點數餘額",
    "discord_command_upload": "上傳",
    "discord_command_upload_about": "向專案加入圖片、影片或音訊",
    "discord_option_upload_file_about": "要加入的檔案",
    "discord_command_new": "新專案",
    "discord_command_new_about": "在此聊天中開始新專案",
    "discord_command_cancel_about": "停止等待目前的工作",
    "discord_command_help": "說明",
    "discord_command_help_about": "這個機器人能做什麼",
    "discord_command_usage_about": "本週期共享點數的用量（你自己的；管理員可看所有人的）",
    "discord_command_allow": "允許",
    "discord_command_allow_about": "允許某人使用機器人（管理員）",
    "discord_command_deny": "拒絕",
    "discord_command_deny_about": "禁止某人使用機器人（管理員）",
    "discord_command_quota": "配額",
    "discord_command_quota_about": "設定某人每個週期的配額（管理員）",
    "discord_option_user": "使用者",
    "discord_option_limit_about": "每個週期的數量；不填則恢復預設配額",
    "discord_option_kind": "類型",
    "discord_option_kind_about": "限制什麼：智慧體請求（預設）、匯出或點數",
}
