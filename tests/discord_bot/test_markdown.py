"""Markdown: the agent's bold and code reach Discord as Markdown, links as typed, every other markup escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord_bot.formatting import escape
from adapters.discord_bot.outgoing import MAX_MESSAGE, DiscordOutgoing, Style
from adapters.discord_bot.surfaces import ChannelSurface
from bot.engine.fitting import split
from bot.engine.messages import DEFAULT_ACTIONS
from tests.discord_bot.payloads import CHANNEL, USER
from tests.discord_bot.rig import Rig, open_rig

CHANNEL_MESSAGES = f"/channels/{CHANNEL}/messages"
ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("**bold** and `code`", "**bold** and `code`"),
        ("```py\nprint('*hi*')\n```", "```py\nprint('*hi*')\n```"),
        ("**the _best_ cut**", r"**the \_best\_ cut**"),
        ("*italic* __underline__ ~~gone~~ ||spoiler||", r"\*italic\* \_\_underline\_\_ \~\~gone\~\~ \|\|spoiler\|\|"),
        ("[Export here](https://evil.example/x)", r"\[Export here](https://evil.example/x)"),
        ("[Export here](<https://evil.example/x>)", r"\[Export here](<https://evil.example/x>)"),
        ("# Title\n## Part\n### Scene", "\\# Title\n\\## Part\n\\### Scene"),
        ("-# small print", r"\-# small print"),
        ("> quoted\n>>> all the rest", "\\> quoted\n\\>>> all the rest"),
        ("- one\n  - nested\n* two\n+ three\n1. first\n10. tenth", (
            "\\- one\n  \\- nested\n\\* two\n\\+ three\n1\\. first\n10\\. tenth"
        )),
        ("<t:1767225600:R> <:nemo:123> <a:spin:456> </video:789>", (
            r"\<t:1767225600:R> \<:nemo:123> \<a:spin:456> \</video:789>"
        )),
        ("<@42> <@!42> <@&5> <#555> @everyone @here", (
            rf"\<@42> \<@!42> \<@&5> \<#555> @{ZWSP}everyone @{ZWSP}here"
        )),
        (r"a \*kept\* backslash", r"a \\\*kept\\\* backslash"),
        ("see https://cdn.example/my_clip__final*v2.mp4?a=1&b=_x_", "see https://cdn.example/my_clip__final*v2.mp4?a=1&b=_x_"),
        ("(https://example.com/a_b), then <https://example.com/c_d>.", (
            "(https://example.com/a_b), then <https://example.com/c_d>."
        )),
        ("**https://example.com/a_b**", "**https://example.com/a_b**"),
        ("视频已就绪 🎬 _很好_ - 对", r"视频已就绪 🎬 \_很好\_ - 对"),
        ("Step 1. then 2 - 3 > 2 # fine", "Step 1. then 2 - 3 > 2 # fine"),  # not at a line's start: not markup
        ("**bold** - not a list", "**bold** - not a list"),
        ("** spaced ** and **", r"\*\* spaced \*\* and \*\*"),
    ],
)
def test_markdown_other_than_bold_and_code_is_escaped(text: str, shown: str) -> None:
    assert escape(text) == shown


def _channel_out(rig: Rig) -> DiscordOutgoing:
    channel = rig.client.get_partial_messageable(CHANNEL)
    return DiscordOutgoing(None, ChannelSurface(channel, 10 * 1024 * 1024), style=Style("en"))


async def test_the_agents_words_reach_discord_escaped(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        video = rig.make.command("video", {"prompt": "generate a video of __under__ ||hid|| ~~gone~~ <t:0:R> [x](y)"})
        await rig.feed(video)

        said = [call.content for call in rig.webhook(video) if call.method in ("POST", "PATCH")]
        # The simulated agent echoes the subject: "I'll generate a 10-second video of <subject>."
        assert any(r"video of \_\_under\_\_ \|\|hid\|\| \~\~gone\~\~ \<t:0:R> \[x](y)" in text for text in said)
        assert not any("__under__" in text or "||hid||" in text for text in said)

        export = rig.make.command("export")
        await rig.feed(export)
        [delivered] = [call for call in rig.webhook(export) if call.files]
        assert delivered.content == f"🎬 <@{USER}>, your video is ready (10s)"  # the bot's own words, mention live


async def test_a_reply_keeps_bold_code_and_links_and_shows_the_rest_as_typed(tmp_path: Path) -> None:
    reply = (
        "## Your video **Urban Dreams** is ready\n"
        "> rendered at `1080p`\n"
        "- [Download](https://evil.example/x) or open https://cdn.example/my_clip_v2.mp4\n"
        "-# ||free|| plan <@&5>"
    )
    async with open_rig(tmp_path) as rig:
        await rig.replies(_channel_out(rig)).send_text(reply, DEFAULT_ACTIONS)

        [post] = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert post.status == 200
        assert post.content == (
            "\\## Your video **Urban Dreams** is ready\n"
            "\\> rendered at `1080p`\n"
            "\\- \\[Download](https://evil.example/x) or open https://cdn.example/my_clip_v2.mp4\n"
            "\\-# \\|\\|free\\|\\| plan \\<@&5>"
        )
        assert "](https://evil.example/x)" in post.content
        assert "[Download](" not in post.content.replace("\\[", "")  # the masked link reads as text, its URL shown


async def test_progress_and_its_edits_are_escaped(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        progress = await rig.replies(_channel_out(rig)).start_progress("# Working on __it__")
        await progress.finish("**Done**: ~~draft~~ final")

        [posted] = rig.fake.find("POST", CHANNEL_MESSAGES)
        [edited] = rig.fake.find("PATCH", CHANNEL_MESSAGES)
        assert posted.content == r"\# Working on \_\_it\_\_"
        assert edited.content == r"**Done**: \~\~draft\~\~ final"


async def test_a_long_escaped_reply_is_split_under_discords_limit(tmp_path: Path) -> None:
    line = "- __take__ *2* of ||the|| ~~old~~ <t:0> `cut` **ok** https://cdn.example/a_b.mp4\n"
    reply = (line * 80).strip()
    escaped = escape(reply)
    # Cut by its own length, a piece would be over the limit once escaped.
    assert max(len(escape(piece)) for piece in split(reply, MAX_MESSAGE)) > MAX_MESSAGE
    async with open_rig(tmp_path) as rig:
        await rig.replies(_channel_out(rig)).send_text(reply, DEFAULT_ACTIONS)

        posts = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert [post.status for post in posts] == [200] * len(posts)  # the fake refuses content over 2,000
        assert all(len(post.content) <= MAX_MESSAGE for post in posts)
        assert len(posts) <= len(escaped) // MAX_MESSAGE + 2  # at most one piece more than the fewest
        assert [bool(post.custom_ids) for post in posts][-1]
        assert "\n".join(post.content for post in posts) == escaped  # cut between lines, nothing lost
