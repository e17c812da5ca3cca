"""Known drafts for the picture tests."""

from __future__ import annotations

from bot.nemo.draft import Draft

ROCKET = Draft.from_raw({
    "d": 20000, "m": {"title": "Rocket Launch"}, "t": [
        {"tt": 0, "sg": [{"src": "https://cdn/rocket.mp4", "label": "a rocket launch", "s": 0, "d": 12000},
                         {"label": "the crowd", "s": 12000, "d": 8000}]},
        {"tt": 1, "sg": [{"name": "Cinematic Ambient", "s": 0, "d": 20000, "vol": 0.35}]},
        {"tt": 7, "sg": [{"text": "Liftoff", "s": 0, "d": 3000}]},
    ],
})

CAT = Draft.from_raw({
    "d": 30000, "m": {"title": "喵星人"}, "t": [
        {"tt": 0, "sg": [{"label": "一只猫在冲浪", "s": 0, "d": 30000}]},
        {"tt": 1, "sg": [{"name": "舒缓钢琴", "s": 0, "d": 30000, "vol": 0.5}]},
        {"tt": 7, "sg": [{"text": "喵星人", "s": 0, "d": 3000}]},
    ],
})


def tracks(count: int) -> Draft:
    """A draft of `count` tracks of every kind, two clips each."""
    kinds = (0, 1, 7, 3)
    return Draft.from_raw({"d": 10000, "t": [
        {"tt": kinds[index % 4], "n": f"Layer {index}", "sg": [
            {"label": f"clip {index}a", "s": 0, "d": 5000}, {"label": f"clip {index}b", "s": 5000, "d": 5000},
        ]} for index in range(count)
    ]})
