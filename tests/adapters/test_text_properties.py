"""Random text, control characters and lengths up to 1 MB through each adapter's text path and the reply fitting."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord_bot.formatting import ESCAPED, escape
from adapters.discord_bot.incoming import without_mention
from adapters.discord_bot.outgoing import MAX_MESSAGE
from adapters.telegram.formatting import caption, to_html
from bot.engine.fitting import length, split, truncate
from bot.engine.ports import Counting
from tests.adapters.test_console_properties import hostile_text

HUGE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@HUGE
@given(hostile_text())
def test_telegram_html_escapes_every_text_it_did_not_mark_up(text: str) -> None:
    shown = to_html(text)
    for tag in ("<b>", "</b>", "<code>", "</code>", "<pre>", "</pre>"):
        shown = shown.replace(tag, "")
    assert "<" not in shown  # every other angle bracket is escaped
    assert ">" not in shown
    assert "<" not in caption(text).replace("&lt;", "")


@HUGE
@given(hostile_text())
def test_replies_fit_any_text_into_platform_limits(text: str) -> None:
    for counting, limit in ((Counting.UTF16, 4096), (Counting.CHARACTERS, 2000)):
        pieces = split(text, limit, counting)
        assert all(0 < length(piece, counting) <= limit for piece in pieces)
        assert length(truncate(text, limit, counting), counting) <= limit


@HUGE
@given(hostile_text())
def test_discord_mentions_are_stripped_from_any_text(text: str) -> None:
    cleaned = without_mention(f"<@42> {text} <@!42>", 42)
    assert "<@42>" not in cleaned
    assert "<@!42>" not in cleaned


@HUGE
@given(hostile_text())
def test_any_text_fitted_for_discord_stays_within_its_limit_once_escaped(text: str) -> None:
    for piece in split(text, MAX_MESSAGE, Counting.CHARACTERS, ESCAPED):
        shown = escape(piece)
        assert len(shown) <= length(piece, Counting.CHARACTERS, ESCAPED) <= MAX_MESSAGE
    cut = truncate(text, MAX_MESSAGE, Counting.CHARACTERS, ESCAPED)
    assert len(escape(cut)) <= MAX_MESSAGE


# Markdown-heavy text as lists of pieces, each a character or a whole piece of syntax.
MARKDOWN = st.lists(st.one_of(st.sampled_from("*_~|`[]()<>#-+.@:/ \n\t1aZ中😀"), st.sampled_from(
    ("**", "```", "```py\n", "https://", "<https://", "<@", "<t:", "@everyone", "||", "__", "-# ", "1. ", "> "),
)), max_size=600).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN)
def test_discord_escaping_only_adds_backslashes_and_zero_width_spaces(text: str) -> None:
    shown = escape(text)
    assert shown.replace("\\", "").replace("\u200b", "") == text  # nothing the agent wrote is lost or changed
