"""Which links may leave the bot: a table of schemes, hosts and the shorthand forms fetchers read as addresses."""

from __future__ import annotations

import pytest

from bot.engine.links import Reach, host_of, reach


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/media/intro.mp4", Reach.PUBLIC),
        ("HTTP://EXAMPLE.COM/a.png", Reach.PUBLIC),
        ("http://8.8.8.8/a.mp4", Reach.PUBLIC),
        ("http://[2001:4860::8888]/a.mp4", Reach.PUBLIC),
        ("http://user@example.com/a.mp4", Reach.PUBLIC),
        ("file:///etc/passwd", Reach.SCHEME),
        ("ftp://example.com/a.mp4", Reach.SCHEME),
        ("gopher://example.com/", Reach.SCHEME),
        ("javascript:alert(1)", Reach.SCHEME),
        ("http://169.254.169.254/x.mp4", Reach.PRIVATE),  # the cloud metadata service
        ("http://127.0.0.1:8080/x.mp4", Reach.PRIVATE),
        ("http://10.1.2.3/a.mp4", Reach.PRIVATE),
        ("http://192.168.0.10/a.mp4", Reach.PRIVATE),
        ("http://172.16.0.1/a.mp4", Reach.PRIVATE),
        ("http://100.64.0.1/a.mp4", Reach.PRIVATE),  # carrier-grade NAT
        ("http://0.0.0.0/a.mp4", Reach.PRIVATE),
        ("http://224.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://240.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://255.255.255.255/a.mp4", Reach.PRIVATE),
        ("http://[::1]/a.mp4", Reach.PRIVATE),
        ("http://[::]/a.mp4", Reach.PRIVATE),
        ("http://[fe80::1%25eth0]/a.mp4", Reach.PRIVATE),
        ("http://[fc00::1]/a.mp4", Reach.PRIVATE),
        ("http://[ff02::1]/a.mp4", Reach.PRIVATE),
        ("http://[::ffff:127.0.0.1]/a.mp4", Reach.PRIVATE),
        ("http://[::ffff:169.254.169.254]/a.mp4", Reach.PRIVATE),
        ("http://[2002:7f00:1::]/a.mp4", Reach.PRIVATE),  # 6to4 around 127.0.0.1
        ("http://2130706433/a.mp4", Reach.PRIVATE),
        ("http://0x7f.1/a.mp4", Reach.PRIVATE),
        ("http://0177.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://127.1/a.mp4", Reach.PRIVATE),
        ("http://0/a.mp4", Reach.PRIVATE),
        ("http://" + "0" * 5000 + "177.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://%31%32%37.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://１２７.０.０.１/a.mp4", Reach.PRIVATE),
        ("http://127。0。0。1/a.mp4", Reach.PRIVATE),
        ("http://example.com@127.0.0.1/a.mp4", Reach.PRIVATE),
        ("http://localhost/a.mp4", Reach.PRIVATE),
        ("http://LOCALHOST./a.mp4", Reach.PRIVATE),
        ("http://media.localhost:9000/a.mp4", Reach.PRIVATE),
        ("http://[::1/a.mp4", Reach.UNCLEAR),
        ("http:///a.mp4", Reach.UNCLEAR),
        ("http://127.0.0.1\\@example.com/a.mp4", Reach.UNCLEAR),
        ("http://08.0.0.1/a.mp4", Reach.UNCLEAR),
        ("http://1.2.3.4.5/a.mp4", Reach.UNCLEAR),
        ("http://4294967296/a.mp4", Reach.UNCLEAR),
    ],
)
def test_links_are_classified_before_they_leave(url: str, expected: Reach) -> None:
    assert reach(url) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/x.mp4", Reach.PUBLIC),
        ("http://localhost/x.mp4", Reach.PUBLIC),
        ("file:///etc/passwd", Reach.SCHEME),  # allowing private addresses never allows other schemes
        ("http://127.0.0.1\\@example.com/a.mp4", Reach.UNCLEAR),
    ],
)
def test_allowing_private_addresses_still_checks_the_scheme(url: str, expected: Reach) -> None:
    assert reach(url, allow_private=True) is expected


def test_the_host_is_named_as_a_fetcher_reads_it() -> None:
    assert host_of("http://%31%32%37.0.0.1:80/a.mp4") == "127.0.0.1"
    assert host_of("http://[::1]/a.mp4") == "::1"
    assert host_of("http://Media.Example.COM./a.mp4") == "media.example.com"
    assert host_of("file:///etc/passwd") == ""
