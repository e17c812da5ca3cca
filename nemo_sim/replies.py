"""What the simulated agent says: replies derived from the prompt (subject, title, music), stable per prompt."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from nemo_sim.scenarios import PRICES, Operation

LEAD_INS = re.compile(
    r"^(please|can you|could you|i want|i'd like|let's|now)?\s*"
    r"(generate|make|create|produce|render)?\s*(me\s+)?(an?\s+)?((short|quick|\d+[- ]?s(ec(ond)?)?)\s+)?"
    r"(video|clip|movie|film)?\s*(of|about|showing|with|for)?\s*",
    re.IGNORECASE,
)
STOPWORDS = {"a", "an", "the", "of", "at", "in", "on", "with", "and", "for", "to", "about", "my", "some"}
QUOTED = re.compile(r"[\"“'‘]([^\"”'’]{1,60})[\"”'’]")
SECONDS = re.compile(r"(\d{1,3})\s*(?:s\b|sec|secs|seconds?|秒)", re.IGNORECASE)
MUSIC = (
    ("calm", "Warm Breeze (piano)"),
    ("relax", "Warm Breeze (piano)"),
    ("epic", "Cinematic Rise"),
    ("city", "Lo-fi Hip Hop"),
    ("night", "Lo-fi Hip Hop"),
    ("happy", "Upbeat Pop"),
    ("party", "Upbeat Pop"),
    ("nature", "Forest Morning (acoustic)"),
    ("ocean", "Tidal Drift (ambient)"),
)
DEFAULT_MUSIC = ("Cinematic Ambient", "Lo-fi Hip Hop", "Warm Breeze (piano)", "Upbeat Pop", "Golden Hour (guitar)")
GUI_HINTS = (
    "When you're happy with it, click the Export button to download it.",
    "Open the timeline panel to fine-tune the cuts.",
    "You can also drag your files into the editor to add more footage.",
)


def pick(options: Sequence[str], key: str) -> str:
    """A choice that is stable for the same key (tests can rely on it) but varies across prompts."""
    return options[zlib.crc32(key.encode()) % len(options)]


def subject(prompt: str) -> str:
    """What the video is about: the prompt without its command words, at most 8 words."""
    first = re.split(r"[.!?\n]|,\s*(?:then|and)\s", prompt.strip(), maxsplit=1)[0]
    rest = LEAD_INS.sub("", first, count=1).strip(" ,.;:")
    words = rest.split()
    return " ".join(words[:8]) if words else "your idea"


def title_for(prompt: str) -> str:
    """A title: a quoted phrase in the prompt if any, else up to three key words of the subject."""
    if match := QUOTED.search(prompt):
        return match.group(1).strip()
    words = [w.strip(",.;:!?") for w in subject(prompt).split()]
    keep = [w for w in words if w and w.lower() not in STOPWORDS][:3]
    return " ".join(w[:1].upper() + w[1:] for w in keep) if keep else "My Video"


def music_for(prompt: str) -> str:
    """A background track that fits the prompt's mood."""
    lowered = prompt.lower()
    for word, track in MUSIC:
        if word in lowered:
            return track
    return pick(DEFAULT_MUSIC, prompt)


def seconds_in(prompt: str) -> int | None:
    """A duration the prompt asks for ("15 seconds", "20s"), if any, clamped to 1-300."""
    match = SECONDS.search(prompt)
    return max(1, min(300, int(match.group(1)))) if match else None


def gui_hint(prompt: str) -> str | None:
    """A GUI-flavoured sentence the real agent tends to add; always when the user mentions export."""
    if "export" in prompt.lower() or "download" in prompt.lower():
        return GUI_HINTS[0]
    return pick((*GUI_HINTS, "", "", ""), prompt) or None


def chat_reply(prompt: str) -> str:
    """A conversational reply that needs no tools."""
    lowered = prompt.lower()
    if re.search(r"\b(hi|hello|hey)\b|你好", lowered):
        body = (
            "Hi! I'm Nemo, your video assistant. Tell me what you'd like to make: "
            "a travel recap, a product teaser, anything."
        )
    elif "credit" in lowered:
        generate, edit = PRICES[Operation.GENERATE], PRICES[Operation.EDIT]
        body = f"Generating a clip costs {generate} credits and an edit {edit}; exporting is free."
    elif "upload" in lowered:
        body = "Send me your footage or photos and I'll add them to the project timeline."
    else:
        body = pick(
            (
                f"Good question about {subject(prompt)}. I can generate a clip, add music or titles, "
                "or trim your footage.",
                f"Sure — for {subject(prompt)} I'd suggest a 10-second clip with a title card and soft music.",
                "Happy to help! Describe the scene, the mood and the length, and I'll take it from there.",
            ),
            prompt,
        )
    hint = gui_hint(prompt)
    return f"{body} {hint}" if hint else body


def generate_intro(prompt: str, seconds: int) -> str:
    """The text sent with the generate_video call."""
    return f"I'll generate a {seconds}-second video of {subject(prompt)}. This usually takes a couple of minutes."


def generate_done(prompt: str, seconds: int) -> str:
    """The final text after stage 2 (music and title)."""
    text = (
        f'Your video "{title_for(prompt)}" is ready: {seconds}s of {subject(prompt)} with '
        f"{music_for(prompt)} as background music and an animated title."
    )
    hint = gui_hint(prompt)
    return f"{text} {hint}" if hint else text
