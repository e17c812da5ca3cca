"""Intent routing: commands and short requests route; creative prompts go to the agent."""

from __future__ import annotations

import pytest

from bot.engine.messages import DEFAULT_ACTIONS, Action
from bot.engine.replies import buttons
from bot.engine.routing import Intent, Route, route

TABLE = [
    # Short, command-like requests.
    ("export", Intent.EXPORT),
    ("Export!", Intent.EXPORT),
    ("导出", Intent.EXPORT),
    ("download", Intent.EXPORT),
    ("send me the video", Intent.EXPORT),
    ("can you export it?", Intent.EXPORT),
    ("请导出", Intent.EXPORT),
    ("credits", Intent.CREDITS),
    ("积分", Intent.CREDITS),
    ("balance", Intent.CREDITS),
    ("余额?", Intent.CREDITS),
    ("余额？", Intent.CREDITS),
    ("status", Intent.STATUS),
    ("状态", Intent.STATUS),
    ("show tracks", Intent.STATUS),
    ("upload", Intent.UPLOAD),
    ("上传", Intent.UPLOAD),
    ("/start", Intent.START),
    ("/help", Intent.HELP),
    ("/new", Intent.NEW),
    ("/export", Intent.EXPORT),
    ("/export@NemoVideoBot", Intent.EXPORT),
    ("/status", Intent.STATUS),
    ("/credits", Intent.CREDITS),
    ("/cancel", Intent.CANCEL),
    # Keywords inside creative prompts go to the agent.
    ("a promo about our savings balance", Intent.AGENT),
    ("a clip showing the export process", Intent.AGENT),
    ("make a status update video for the team", Intent.AGENT),
    ("upload day at the beach: make it dreamy", Intent.AGENT),
    ("做一个关于导出流程的视频", Intent.AGENT),
    ("我的余额宝理财宣传片", Intent.AGENT),
    ("make a video of a cat surfing", Intent.AGENT),
    ("hello", Intent.AGENT),
    ("/unknowncommand do things", Intent.HELP),
    ("/settings", Intent.HELP),
]


@pytest.mark.parametrize(("text", "intent"), TABLE)
def test_route_table(text: str, intent: Intent) -> None:
    assert route(text).intent is intent


def test_video_command_keeps_the_prompt() -> None:
    assert route("/video a neon city at night") == Route(Intent.AGENT, "a neon city at night")


def test_attachments_always_upload_and_keep_the_caption() -> None:
    assert route("make it cinematic", has_attachments=True) == Route(Intent.UPLOAD, "make it cinematic")
    assert route("/video slow zoom", has_attachments=True) == Route(Intent.UPLOAD, "slow zoom")
    assert route("", has_attachments=True) == Route(Intent.UPLOAD, "")


def test_urls() -> None:
    assert route("upload https://example.com/a.mp4") == Route(Intent.UPLOAD, "", ("https://example.com/a.mp4",))
    assert route("https://example.com/a.png") == Route(Intent.UPLOAD, "", ("https://example.com/a.png",))
    prompt = "make a trailer from https://example.com/a.mp4"
    assert route(prompt) == Route(Intent.AGENT, prompt, ("https://example.com/a.mp4",))


SIGNED = "https://example.com/v/clip.mp4?sig=abc&expires=1700000000"
DISCORD_CDN = "https://cdn.discordapp.com/attachments/1/2/cat.png?ex=65f1&is=65e0&hm=9a8b7c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"upload {SIGNED}", Route(Intent.UPLOAD, "", (SIGNED,))),
        (DISCORD_CDN, Route(Intent.UPLOAD, "", (DISCORD_CDN,))),
        (f"/upload {DISCORD_CDN}", Route(Intent.UPLOAD, "", (DISCORD_CDN,))),
        (f"make my cat surf {DISCORD_CDN}", Route(Intent.AGENT, f"make my cat surf {DISCORD_CDN}", (DISCORD_CDN,))),
        # The sentence's punctuation is not the link's; the link's own parentheses are.
        (f"upload {SIGNED}.", Route(Intent.UPLOAD, "", (SIGNED,))),
        ("use https://example.com/a.png, then zoom", Route(Intent.AGENT, "use https://example.com/a.png, then zoom",
                                                           ("https://example.com/a.png",))),
        ("a clip (https://example.com/a_(b).mp4)", Route(Intent.AGENT, "a clip (https://example.com/a_(b).mp4)",
                                                         ("https://example.com/a_(b).mp4",))),
        # Chinese puts no space after a link.
        (f"上传 {DISCORD_CDN}。", Route(Intent.UPLOAD, "", (DISCORD_CDN,))),
        (f"用{DISCORD_CDN}，做一个视频", Route(Intent.AGENT, f"用{DISCORD_CDN}，做一个视频", (DISCORD_CDN,))),
        # Another scheme inside a signed link's query is part of that link.
        ("upload https://example.com/a.mp4?next=s3://bucket/b", Route(
            Intent.UPLOAD, "", ("https://example.com/a.mp4?next=s3://bucket/b",))),
        ("upload ftp://example.com/a.mp4 https://example.com/b.mp4", Route(
            Intent.UPLOAD, "", ("https://example.com/b.mp4", "ftp://example.com/a.mp4"))),
    ],
)
def test_links_keep_their_query_and_lose_the_sentence_around_them(text: str, expected: Route) -> None:
    assert route(text) == expected


def test_a_long_run_of_closing_punctuation_is_trimmed_in_linear_time() -> None:
    text = "https://example.com/a.mp4" + ")" * 60_000 + "." * 60_000
    assert route(text).urls == ("https://example.com/a.mp4",)


@pytest.mark.parametrize("locale", ["en", "zh", "zh_TW"])
def test_the_word_typed_for_each_button_routes_to_its_action(locale: str) -> None:
    expected = {Action.EXPORT: Intent.EXPORT, Action.TIMELINE: Intent.STATUS, Action.CREDITS: Intent.CREDITS}
    for button in buttons(DEFAULT_ACTIONS, locale):
        assert route(button.words).intent is expected[button.action]
