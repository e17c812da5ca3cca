"""Links handed to Nemo: only http(s), and never to a literal private, loopback or link-local address."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from enum import StrEnum
from urllib.parse import unquote, urlsplit

SCHEMES = frozenset({"http", "https"})
# Names that mean this machine without any lookup (RFC 6761 reserves `localhost` and everything under it).
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Dots a URL parser reads as `.` in a host name (IDNA maps these ideographic and full-width stops).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# One part of a numeric host in the forms `inet_aton` (and browsers) read: 127, 0x7f, 0177.
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")
_OCTAL = frozenset("01234567")
_OUT_OF_RANGE = 256**4

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Reach(StrEnum):
    """Whether a link may leave the bot."""

    PUBLIC = "public"
    SCHEME = "scheme"  # not http or https
    PRIVATE = "private"  # a literal private, loopback, link-local, reserved or multicast address, or localhost
    UNCLEAR = "unclear"  # a host that parsers read differently (a backslash, a bad bracket, an impossible number)


def reach(url: str, *, allow_private: bool = False) -> Reach:
    """Classify `url`; with `allow_private` (tests, the simulator) only the scheme is checked."""
    try:
        parts = urlsplit(url.strip())
        raw_host = parts.hostname
    except ValueError:
        return Reach.UNCLEAR
    if parts.scheme.lower() not in SCHEMES:
        return Reach.SCHEME
    # A backslash is a path separator to browsers and many fetchers, so the host they see is not this one.
    if raw_host is None or "\\" in parts.netloc:
        return Reach.UNCLEAR
    if allow_private:
        return Reach.PUBLIC
    return _host_reach(host_of(url))


def host_of(url: str) -> str:
    """The host a fetcher would connect to, decoded and lower-cased (empty when there is none)."""
    try:
        raw = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return unicodedata.normalize("NFKC", unquote(raw)).translate(_DOTS).lower().rstrip(".")


def _host_reach(host: str) -> Reach:
    if not host:
        return Reach.UNCLEAR
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return Reach.PRIVATE
    try:
        address: Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = _legacy_ipv4(host)
        # A name whose last label is a number is read as an IPv4 address by browsers: refuse what is not one.
        if address is None and _NUMBER.fullmatch(host.rsplit(".", 1)[-1]):
            return Reach.UNCLEAR
    if address is None:
        return Reach.PUBLIC
    return Reach.PRIVATE if _is_internal(address) else Reach.PUBLIC


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`: the shorthand IPv4 forms that fetchers still accept."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        return None
    numbers = [_number(part) for part in parts]
    *leading, last = numbers
    if any(value > 255 for value in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, byte in enumerate(leading):
        value += byte << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int:
    if part.startswith("0x"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    digits = digits.lstrip("0") or "0"
    # Past 12 digits a part is over 2**32 in every base (and int() of a huge string is slow, and capped).
    if len(digits) > 12 or (base == 8 and not set(digits) <= _OCTAL):
        return _OUT_OF_RANGE
    return int(digits, base)


def _is_internal(address: Address) -> bool:
    """Private, loopback, link-local, unspecified, multicast or reserved, including IPv4 inside IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(inner is not None and _is_internal(inner) for inner in embedded):
            return True
    return (
        not address.is_global or address.is_private or address.is_loopback or address.is_link_local
        or address.is_unspecified or address.is_multicast or address.is_reserved
    )
