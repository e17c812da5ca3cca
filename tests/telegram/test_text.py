"""Text: every piece of user and agent text escaped for HTML, long texts split, and a parse error never loses a send."""

from __future__ import annotations

from pathlib import Path

from adapters.telegram.sender import Where
from bot.engine.messages import DEFAULT_ACTIONS
from tests.telegram.conftest import Tg, telegram_bot
from tests.telegram.fake_html import units
from tests.telegram.updates import ADA, GROUP

CHAT = ADA["id"]
SPECIAL = '<b>cats</b> & "dogs" _*[x](y)~`>#+-=|{}'  # HTML tags and entities, every MarkdownV2 reserved char


async def test_html_and_markdown_characters_in_user_and_agent_text_reach_the_user_verbatim(tg: Tg) -> None:
    await tg.deliver(tg.updates.text(f"ideas for {SPECIAL}"))

    assert await tg.prompts() == [f"ideas for {SPECIAL}"]
    reply = tg.fake.chat(CHAT)[-1]
    assert f"Sure — for {SPECIAL} I'd suggest" in reply.text  # the agent echoed the user's words
    sent = tg.fake.calls_to("sendMessage")[-1]
    assert sent.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;cats&lt;/b&gt; &amp;" in sent.params["text"]


async def test_a_requester_name_with_special_characters_is_escaped_in_the_caption(tmp_path: Path) -> None:
    odd = {"id": 7010, "is_bot": False, "first_name": "<Ann & Co>", "last_name": "*_*"}
    async with telegram_bot(tmp_path) as tg:
        await tg.deliver(tg.updates.text("@nemo_test_bot make a video of a parade", chat=GROUP, user=odd))
        await tg.deliver(tg.updates.text("/export", chat=GROUP, user=odd))

        [video] = tg.fake.videos(GROUP["id"])
        assert video.text.startswith("🎬 <Ann & Co> *_*, your video is ready (")


async def test_long_text_is_split_under_4096_with_buttons_on_the_last_piece(tg: Tg) -> None:
    paragraph = "Scene notes: " + "a slow pan across the harbour at dawn, " * 40
    text = "\n\n".join(f"{index}. {paragraph}" for index in range(8))
    assert units(text) > 2 * 4096
    out = tg.replies(Where(CHAT))

    await out.send_text(text, DEFAULT_ACTIONS)

    pieces = tg.fake.chat(CHAT)
    assert len(pieces) == 4  # cut between paragraphs: two whole paragraphs per message
    assert all(units(piece.text) <= 4096 for piece in pieces)
    assert [piece.text[:2] for piece in pieces] == ["0.", "2.", "4.", "6."]
    assert [bool(piece.buttons) for piece in pieces] == [False, False, False, True]
    assert " ".join(" ".join(piece.text.split()) for piece in pieces) == " ".join(text.split())


async def test_a_parse_error_falls_back_to_plain_text(tg: Tg) -> None:
    tg.fake.fail("sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3")
    out = tg.replies(Where(CHAT))

    await out.send_text("Use **bold** <x> & more")

    first, second = tg.fake.calls_to("sendMessage")
    assert first.params["parse_mode"] == "HTML"
    assert "parse_mode" not in second.params
    assert tg.fake.texts(CHAT) == ["Use **bold** <x> & more"]


async def test_the_agents_bold_and_code_are_kept(tg: Tg) -> None:
    out = tg.replies(Where(CHAT))

    await out.send_text('Your video **"Urban <Dreams>"** is ready: `10s @ 1080p`.')

    [call] = tg.fake.calls_to("sendMessage")
    assert call.params["text"] == (
        'Your video <b>"Urban &lt;Dreams&gt;"</b> is ready: <code>10s @ 1080p</code>.'
    )
    assert tg.fake.texts(CHAT) == ['Your video "Urban <Dreams>" is ready: 10s @ 1080p.']
