"""Random text, control characters and lengths up to 1 MB through routing and the console's reader and printing."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.console import LineSplitter, printable, to_incoming
from bot.engine.messages import Incoming
from bot.engine.routing import Route, route

HOSTILE = "\x00\x07\x08\x1b\x7f\x85\x9b\x9c\r\n\t \u2028\u202e\ufeff?!.。…~/:[];@\\\"'<>"
PREFIXES = ("", "/video ", "/upload ", "upload ", "http://", "https://[::1]/", "file://", "\x1b]0;", "please ")


@st.composite
def hostile_text(draw: st.DrawFn, longest: int = 1_000_000) -> str:
    """A prefix, then a short random unit repeated to a random length (so a megabyte costs nothing to draw)."""
    alphabet = st.one_of(st.characters(), st.sampled_from(HOSTILE))
    unit = draw(st.text(alphabet, min_size=1, max_size=24))
    # Hypothesis favours small numbers: the lengths around each limit and the longest are drawn on purpose.
    length = draw(st.one_of(
        st.integers(0, 300), st.sampled_from((4_000, 4_001, 65_536, 65_537, 250_000, longest)), st.integers(0, longest),
    ))
    body = (unit * (length // len(unit) + 1))[:length]
    return draw(st.sampled_from(PREFIXES)) + body + draw(st.text(alphabet, max_size=8))


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(hostile_text(), st.booleans())
@example("export" + "!" * 1_000_000 + "?x", False)  # a trailing-punctuation regex would take hours on this
@example("please " * 150_000 + "export", False)
@example("ftp" + "+" * 1_000_000 + "://x.mp4", False)
def test_routing_decides_on_any_text(text: str, attachments: bool) -> None:
    decision = route(text, attachments)
    assert isinstance(decision, Route)
    assert decision.size >= 0


@SETTINGS
@given(hostile_text())
def test_printing_leaves_nothing_a_terminal_would_obey(text: str) -> None:
    assert re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", printable(text)) is None


@SETTINGS
@given(hostile_text(), st.integers(1, 200_000), st.integers(1, 70_000))
def test_the_reader_splits_any_bytes_in_any_chunks(text: str, chunk: int, limit: int) -> None:
    raw = text.encode("utf-8", errors="surrogatepass")
    splitter = LineSplitter(limit)
    got: list[str | None] = []
    for start in range(0, len(raw), chunk):
        got += splitter.feed(raw[start : start + chunk])
    got += splitter.end()
    parts = raw.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    assert got == [part.decode("utf-8", errors="replace") if len(part) <= limit else None for part in parts]
    for line in got:
        assert isinstance(to_incoming(line, "en"), Incoming | str)
