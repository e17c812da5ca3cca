"""Media kinds from a file's first bytes: every type Nemo takes, as real encoders write it, and what is none."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from bot.engine.config import ACCEPTED_EXTENSIONS
from bot.engine.kinds import EXTENSION_KINDS, HEAD_BYTES, Kind, kind_of_extension, kinds, read_head

VIDEO, IMAGE, AUDIO = frozenset({Kind.VIDEO}), frozenset({Kind.IMAGE}), frozenset({Kind.AUDIO})
VIDEO_OR_AUDIO = frozenset({Kind.VIDEO, Kind.AUDIO})
NONE: frozenset[Kind] = frozenset()

# ffmpeg arguments for a tiny file of each accepted type (the output name gives the container).
_PICTURE = ["-f", "lavfi", "-i", "testsrc=size=32x32:rate=10:duration=0.2"]
_SOUND = ["-f", "lavfi", "-i", "sine=frequency=440:duration=0.2"]
ENCODED = {
    "clip.mp4": [*_PICTURE, "-c:v", "libx264"],
    "clip.mov": [*_PICTURE, "-c:v", "libx264"],
    "clip.avi": [*_PICTURE, "-c:v", "mpeg4"],
    "clip.webm": [*_PICTURE, "-c:v", "libvpx"],
    "clip.mkv": [*_PICTURE, "-c:v", "mpeg4"],
    "photo.jpg": [*_PICTURE, "-frames:v", "1"],
    "photo.jpeg": [*_PICTURE, "-frames:v", "1"],
    "photo.png": [*_PICTURE, "-frames:v", "1"],
    "photo.gif": [*_PICTURE, "-frames:v", "1"],
    "photo.webp": [*_PICTURE, "-frames:v", "1", "-c:v", "libwebp"],
    "song.mp3": [*_SOUND, "-c:a", "libmp3lame"],  # behind an ID3 tag
    "bare.mp3": [*_SOUND, "-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0"],  # frame sync first
    "song.wav": _SOUND,
    "song.m4a": [*_SOUND, "-c:a", "aac"],
    "song.aac": [*_SOUND, "-c:a", "aac"],  # ADTS frames
}


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real file of every accepted type, made with ffmpeg."""
    folder = tmp_path_factory.mktemp("encoded")
    made = {}
    for name, arguments in ENCODED.items():
        path = folder / name
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", *arguments, str(path)],
            check=True, capture_output=True, timeout=60,
        )
        made[name] = path
    return made


def test_every_accepted_extension_has_a_kind_and_a_real_file_here() -> None:
    assert set(EXTENSION_KINDS) == ACCEPTED_EXTENSIONS
    assert {Path(name).suffix.lstrip(".") for name in ENCODED} == ACCEPTED_EXTENSIONS


@pytest.mark.parametrize("name", ENCODED)
def test_a_real_file_of_each_type_reads_as_its_kind(encoded: dict[str, Path], name: str) -> None:
    expected = kind_of_extension(Path(name).suffix.lstrip("."))
    assert expected is not None
    assert expected in kinds(read_head(encoded[name]))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", VIDEO_OR_AUDIO),  # mp4
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", VIDEO_OR_AUDIO),  # mov
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", VIDEO_OR_AUDIO),  # m4a
        (b"\x00\x00\x00\x1cftypdash\x00\x00\x00\x00", VIDEO_OR_AUDIO),  # any other ISO brand
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", VIDEO),  # an older QuickTime file
        (b"RIFF\x24\x00\x00\x00AVI LIST", VIDEO),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", AUDIO),
        (b"RF64\xff\xff\xff\xffWAVEds64", AUDIO),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", IMAGE),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", VIDEO),  # webm, mkv
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", IMAGE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", IMAGE),
        (b"GIF87a\x20\x00", IMAGE),
        (b"GIF89a\x20\x00", IMAGE),
        (b"ID3\x04\x00\x00\x00\x00\x00\x23", AUDIO),
        (b"\xff\xfb\x90\x64", AUDIO),  # an MPEG-1 layer III frame
        (b"\xff\xf3\x64\xc4", AUDIO),  # MPEG-2 layer III
        (b"\xff\xf1\x50\x80", AUDIO),  # ADTS (aac)
        (b"\xff\xf9\x50\x80", AUDIO),
        # Nothing Nemo takes:
        (b"", NONE),
        (b"hello, this is text", NONE),
        (b"\xef\xbb\xbfsubtitles", NONE),
        (b"MZ\x90\x00\x03\x00", NONE),  # a Windows program
        (b"PK\x03\x04\x14\x00", NONE),  # a zip
        (b"%PDF-1.7\n", NONE),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", NONE),  # HEIC photos are not jpg, png, gif or webp
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00", NONE),
        (b"RIFF\x24\x00\x00\x00CDXAfmt ", NONE),
        (b"OggS\x00\x02", NONE),  # a voice note before conversion
        (b"fLaC\x00\x00", NONE),
        (b"\xff\xd8", NONE),  # too short to be a jpg
        (b"\xff", NONE),
    ],
)
def test_first_bytes_tell_the_kinds(head: bytes, expected: frozenset[Kind]) -> None:
    assert kinds(head) == expected


def test_only_the_first_bytes_are_read(tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with big.open("wb") as file:
        file.write(b"\x00\x00\x00\x18ftypmp42")
        file.truncate(300_000_000)  # sparse: nothing is written past the head
    assert read_head(big) == b"\x00\x00\x00\x18ftypmp42".ljust(HEAD_BYTES, b"\0")
