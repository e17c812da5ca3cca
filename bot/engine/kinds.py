"""Media kinds: what a file's name says it is, and what its first bytes say it is (their magic numbers)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """The kinds of media Nemo takes."""

    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"


# Every extension Nemo takes, and its kind.
EXTENSION_KINDS = {
    **dict.fromkeys(("mp4", "mov", "avi", "webm", "mkv"), Kind.VIDEO),
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "webp"), Kind.IMAGE),
    **dict.fromkeys(("mp3", "wav", "m4a", "aac"), Kind.AUDIO),
}
# Enough of a file's start for every signature below.
HEAD_BYTES = 16

_NONE: frozenset[Kind] = frozenset()
_VIDEO = frozenset({Kind.VIDEO})
_IMAGE = frozenset({Kind.IMAGE})
_AUDIO = frozenset({Kind.AUDIO})
# An ISO media file (mp4, mov, m4a) may hold a video or only sound: its brand does not tell reliably.
_VIDEO_OR_AUDIO = frozenset({Kind.VIDEO, Kind.AUDIO})

_PREFIXES = {
    b"\x1a\x45\xdf\xa3": _VIDEO,  # EBML: webm, mkv
    b"\xff\xd8\xff": _IMAGE,  # jpg
    b"\x89PNG": _IMAGE,
    b"GIF87a": _IMAGE,
    b"GIF89a": _IMAGE,
    b"ID3": _AUDIO,  # an mp3 (or aac) behind its tag
}
# RIFF containers (RF64 is WAVE past 4 GB), told by the form type at byte 8.
_RIFF_FORMS = {b"AVI ": _VIDEO, b"WAVE": _AUDIO, b"WEBP": _IMAGE}
# Older QuickTime files start with one of these atoms instead of `ftyp`.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
# ISO files that hold still images (HEIC, AVIF): none of the image types Nemo takes.
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"})


def kind_of_extension(extension: str) -> Kind | None:
    """The kind an accepted extension names (`mp4` -> video), or None."""
    return EXTENSION_KINDS.get(extension)


def kinds(head: bytes) -> frozenset[Kind]:
    """The kinds a file starting with `head` can be; none for anything else (text, a program, an archive, HEIC)."""
    for magic, found in _PREFIXES.items():
        if head.startswith(magic):
            return found
    if head[:4] in (b"RIFF", b"RF64"):
        return _RIFF_FORMS.get(head[8:12], _NONE)
    if head[4:8] == b"ftyp":
        return _NONE if head[8:12] in _IMAGE_BRANDS else _VIDEO_OR_AUDIO
    if head[4:8] in _QUICKTIME_ATOMS:
        return _VIDEO
    # An MPEG audio frame (mp3) or an ADTS frame (aac) opens with 11 set bits of frame sync.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return _AUDIO
    return _NONE


def read_head(path: Path) -> bytes:
    """The first `HEAD_BYTES` of a file, never more (blocking: call it in a thread)."""
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)
