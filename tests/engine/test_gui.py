"""GUI phrases become chat instructions; trailing temporary-issue lines are recognized."""

from __future__ import annotations

import pytest

from bot.engine.gui import is_temporary_issue, translate_gui


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (
            "When you're happy, click the Export button to download it.",
            "When you're happy, send \"export\" to download it.",
        ),
        ("Click Export when ready.", 'Send "export" when ready.'),
        ("Open the timeline panel to fine-tune the cuts.", 'Send "status" to fine-tune the cuts.'),
        ("You can drag your files into the editor.", "You can send your files here."),
        ("完成后点击导出按钮即可下载。", "完成后发送“导出”即可下载。"),
        ("A clip showing the export process.", "A clip showing the export process."),
    ],
)
def test_translate_gui(agent: str, shown: str) -> None:
    assert translate_gui(agent) == shown


def test_temporary_issue() -> None:
    assert is_temporary_issue("I encountered a temporary issue. Please try again.")
    assert is_temporary_issue("抱歉，我遇到了临时问题，请稍后再试。")
    assert not is_temporary_issue("Your video is ready.")
