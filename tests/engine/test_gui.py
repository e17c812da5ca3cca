"""The agent's web-editor instructions become what a chat can do; trailing temporary-issue lines are recognized."""

from __future__ import annotations

import pytest

from bot.engine.gui import Translated, is_temporary_issue, translate_gui
from bot.i18n.tables import GuiAction

EXPORT = frozenset({GuiAction.EXPORT})
TIMELINE = frozenset({GuiAction.TIMELINE})
NONE: frozenset[GuiAction] = frozenset()

# (what the agent wrote, what the chat shows, what the bot does after the turn, the edits it offers for one tap)
TABLE: list[tuple[str, str, frozenset[GuiAction], tuple[str, ...]]] = [
    # Click Export: the bot exports; when the person is to choose the moment, they are pointed at the button.
    ("Your video is ready! Click Export to download it.",
     "Your video is ready! I'm exporting the video for you now.", EXPORT, ()),
    ("Press the Download button to save your video.", "I'm exporting the video for you now.", EXPORT, ()),
    ("When you're happy with it, click the Export button to download it.",
     'When you\'re happy with it, send "export" or use the Export button to download it.', NONE, ()),
    ("完成后点击导出按钮即可下载。", "我现在就为你导出视频。", EXPORT, ()),
    ("满意后点击导出按钮即可下载。", "满意后点“导出”按钮或发送“导出”即可下载。", NONE, ()),
    # Upload: the bot asks for the file.
    ("Click Upload to add your own footage.",
     "Send the file here: attach it to a message, or send upload and a link.", NONE, ()),
    ("You can also drag your files into the editor to add more footage.",
     "Send the file here: attach it to a message, or send upload and a link.", NONE, ()),
    ("点击上传按钮添加你的素材。", "直接把文件发到这里（作为附件），或发送“上传”加链接。", NONE, ()),
    ("拖拽文件到编辑器即可上传。", "直接把文件发到这里（作为附件），或发送“上传”加链接。", NONE, ()),
    # Open / preview in the timeline: the bot shows the timeline.
    ("Open the timeline panel to fine-tune the cuts.", "Here is the timeline:", TIMELINE, ()),
    ("Preview in timeline to check the pacing.", "Here is the timeline:", TIMELINE, ()),
    ("Done! Preview it in the timeline before exporting.", "Done! Here is the timeline:", TIMELINE, ()),
    ("打开时间线面板查看各个轨道。", "时间线如下：", TIMELINE, ()),
    ("你可以在时间线中预览效果。", "时间线如下：", TIMELINE, ()),
    # A drag on the timeline is an edit, offered for one tap, never sent by itself.
    ("Drag the clip to the timeline.", "Suggested edit: Move the clip to the timeline.", NONE,
     ("Move the clip to the timeline",)),
    ("Tip: drag the sunset clip to the start of the timeline, then click Apply.",
     "Suggested edit: Move the sunset clip to the start of the timeline.", NONE,
     ("Move the sunset clip to the start of the timeline",)),
    ("把日落片段拖到时间线开头。", "建议的修改：把日落片段移到时间线开头。", NONE, ("把日落片段移到时间线开头",)),
    # Any other button: words to reply.
    ("Click Apply to confirm the changes.", 'Reply "Apply" to confirm the changes.', NONE, ()),
    ('Click "Save draft" when you are done.', 'Reply "Save draft" when you are done.', NONE, ()),
    ("Press the regenerate button to try another take.", 'Reply "regenerate" to try another take.', NONE, ()),
    ("然后点击“应用”。", "然后回复“应用”。", NONE, ()),
    ("Preview it in the player.", 'Send "export" to watch it.', NONE, ()),
    # Not instructions: left alone.
    ("A clip showing the export process.", "A clip showing the export process.", NONE, ()),
    ("I dragged the title to the end for you.", "I dragged the title to the end for you.", NONE, ()),
    ("视频已生成，时长30秒。", "视频已生成，时长30秒。", NONE, ()),
]


@pytest.mark.parametrize(("agent", "shown", "asks", "edits"), TABLE)
def test_translate_gui(agent: str, shown: str, asks: frozenset[GuiAction], edits: tuple[str, ...]) -> None:
    assert translate_gui(agent) == Translated(shown, asks, edits)


def test_sentences_around_an_instruction_are_kept_with_their_spacing() -> None:
    text = "Here it is!\nOpen the timeline panel to fine-tune it. Then tell me what to change."
    assert translate_gui(text).text == "Here it is!\nHere is the timeline: Then tell me what to change."


def test_an_edit_offered_twice_in_one_reply_is_offered_once() -> None:
    text = "Drag the logo to the corner. Or drag the logo to the corner."
    assert translate_gui(text).edits == ("Move the logo to the corner",)


def test_temporary_issue() -> None:
    assert is_temporary_issue("I encountered a temporary issue. Please try again.")
    assert is_temporary_issue("抱歉，我遇到了临时问题，请稍后再试。")
    assert not is_temporary_issue("Your video is ready.")
