"""Reading a prompt, in English or Chinese: its language, the duration it asks for, what the video is about.

Pure functions, table-tested. The agent's sentences (replies.py) and its edits (drafts.py) are built from
what these return, never from the raw prompt pasted into a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SECONDS = 300
HAN = re.compile(r"[\u3400-\u9fff]")

# Durations. English: "30-second", "30 s", "30s", "1.5 min", "thirty seconds", "half a minute", "a minute and
# a half". Chinese: "30秒", "三十秒", "半分钟", "一分钟", "1分钟", "一分半钟".
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
    "sixty": 60, "ninety": 90,
}
_NUMBER = r"\d{1,4}(?:\.\d+)?|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_EN_SECONDS = rf"(?P<en>{_NUMBER})\s*-?\s*(?P<en_unit>seconds?|secs?|s|minutes?|mins?)\b"
_EN_SPECIAL = (
    (r"(?:a|one)\s+(?:minute|min)\s+and\s+a\s+half|(?:one|1)\s+and\s+a\s+half\s+minutes?|a\s+minute\s+and\s+a\s+half",
     90),
    (r"half\s+a\s+minute|half-minute|half\s+minute", 30),
    (r"(?:an?\s+)(?:minute|min)\b|a-minute|one-minute", 60),
)
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = r"\d{1,4}(?:\.\d+)?|[零一二两三四五六七八九十]{1,4}"
_ZH_SECONDS = rf"(?P<zh>{_CN_NUMBER})\s*(?P<zh_unit>秒钟?|分钟|分半钟?)"
_ZH_SPECIAL = ((r"半分钟", 30),)

_SPECIAL = tuple((re.compile(pattern, re.IGNORECASE), seconds) for pattern, seconds in (*_EN_SPECIAL, *_ZH_SPECIAL))
DURATION = re.compile(
    "|".join([*(f"(?:{p})" for p, _ in (*_EN_SPECIAL, *_ZH_SPECIAL)), _EN_SECONDS, _ZH_SECONDS]), re.IGNORECASE
)


def is_chinese(text: str) -> bool:
    """Whether the text is written in Chinese (it has Han characters)."""
    return HAN.search(text) is not None


def _chinese_number(text: str) -> float:
    if text[0].isdigit():
        return float(text)
    tens, _, units = text.partition("十")
    if "十" not in text:
        return float(_CN_DIGITS.get(text, 0))
    return float((_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0))


def _number(text: str) -> float:
    lowered = text.lower()
    if lowered in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[lowered])
    return _chinese_number(text)


def _seconds(match: re.Match[str]) -> float:
    for lang in ("en", "zh"):
        if match.group(lang) is not None:
            value, unit = _number(match.group(lang)), match.group(f"{lang}_unit").lower()
            if unit.startswith("分半"):
                return value * 60 + 30
            return value * 60 if unit.startswith(("m", "分")) else value
    return float(next(seconds for pattern, seconds in _SPECIAL if pattern.fullmatch(match.group(0))))


def seconds_in(prompt: str) -> int | None:
    """The duration the prompt asks for, in whole seconds (1-300), if it names one."""
    for match in DURATION.finditer(prompt):
        seconds = _seconds(match)
        if seconds > 0:
            return max(1, min(MAX_SECONDS, round(seconds)))
    return None


def without_durations(text: str) -> str:
    """The text with every duration (and a "lasting"/"of"/"的" around it) taken out."""
    around = rf"(?:\s*,?\s*(?:of|for|lasting|about|around|in)\s+)?(?:{DURATION.pattern})(?:\s+long)?的?"
    return re.sub(around, " ", text, flags=re.IGNORECASE)


# What the video is about.
# Quoted text: "…", “…”, ‘…’, 「…」, 『…』, 《…》, or '…' that is not an apostrophe ("Tom's", "I'd").
QUOTED = re.compile(
    r'"([^"\n]{1,60})"|“([^”\n]{1,60})”|‘([^’\n]{1,60})’|「([^」\n]{1,60})」|『([^』\n]{1,60})』|《([^》\n]{1,60})》'
    r"|(?<!\w)'([^'\n]{1,60})'(?!\w)"
)
_CLAUSE = re.compile(
    r"[.!?;\n。！？；，]|,\s*(?:then|and|but|please|with|so|because|using|set|featuring)\b|\s+(?:then|and then)\s+",
    re.IGNORECASE,
)
_KIND = r"(?:video|clip|movie|film|reel)s?"  # words that mean "a video"
_SHOW = r"(?:promo|teaser|trailer|commercial|advert|ad|slideshow|montage|vlog|tutorial|intro|recap|cut|draft)s?"
_LEAD = re.compile(
    r"^(?:(?:please|pls|hey|ok|okay|now|so|also|hi)\b[\s,]*)*"
    r"(?:(?:can|could|would|will)\s+you\s+|i\s+(?:want|need|would\s+like)\s+(?:you\s+)?(?:to\s+)?"
    r"|i'd\s+like\s+(?:you\s+)?(?:to\s+)?|let's\s+|help\s+me\s+"
    r"|(?:some\s+|any\s+)?(?:ideas|tips|suggestions|thoughts|something)\s+(?:for|about|on)\s+)?"
    r"(?:please\s+)?(?:(?:generate|make|create|produce|render|build|shoot|film|do)\b\s*(?:me\s+|us\s+)?)?",
    re.IGNORECASE,
)
_ARTICLE_KIND = re.compile(
    rf"^(?:(?:an?|the|one|some)\s+)?(?:(?:short|quick|little|simple|nice|cool|new|fun)\s+)*(?P<kind>{_KIND})\b\s*",
    re.IGNORECASE,
)
_INTRO = re.compile(r"^(of|about|showing|featuring|on)\s+(.+)", re.IGNORECASE)
_KIND_THEN_TOPIC = re.compile(rf"\b{_KIND}\s+(of|about|showing|featuring)\s+(.+)", re.IGNORECASE)
_KIND_THEN_TOPIC_ANY = re.compile(rf"\b(?:{_KIND}|{_SHOW})\s+(of|about|showing|featuring)\s+(.+)", re.IGNORECASE)
_EARLY_KIND = re.compile(
    rf"^(?:(?:an?|the)\s+)?(?P<phrase>(?P<modifiers>(?:[\w'-]+\s+){{0,3}}?)(?:{_KIND}|{_SHOW})\b.*)", re.IGNORECASE
)
_PREPOSITIONS = {"of", "in", "on", "at", "about", "to", "from", "by", "into", "under", "over", "near", "through",
                 "across", "around", "during", "after", "before"}
_BREAKERS = {"with", "featuring", "including", "and", "that", "which", "while", "using", "for", "where", "who",
             "but", "or"}
_NOT_MODIFIERS = {"a", "an", "the", *_PREPOSITIONS}
STOPWORDS = {"a", "an", "the", "my", "our", "your", "some", "this", "that", "these", "those", "it", "its", "me",
             "us", "and", "or", "with", "for", *_PREPOSITIONS}
_KIND_WORDS = re.compile(rf"{_KIND}$", re.IGNORECASE)
_UPLOADS = re.compile(  # words that point at uploaded files rather than say what the video is about
    r"^(?:(?:from|using|with|of|out\s+of|based\s+on)\s+)?(?:this|these|that|those|my|the|it|them)"
    r"(?:\s+(?:photos?|clips?|files?|images?|pictures?|footage|uploads?|videos?|ones?))?\s*$",
    re.IGNORECASE,
)
MAX_WORDS = 12
MAX_TITLE_WORDS = 3

_ZH_LEAD = re.compile(
    r"^(?:请|麻烦|帮我|给我|我想要|我想|我要|能不能|可以|你能|帮忙)*"
    r"(?:(?:用|拿|把|根据)(?:这|那)?[个段张些条]?(?:素材|照片|视频|图片|文件|片段)?)?"  # "用这个…": the uploads
    r"(?:生成|做|制作|创建|创作|拍|来)(?:一[个段部条支]|[个段部条支])?(?:关于)?"
)
_ZH_KIND = re.compile(r"(?:短视频|视频|短片|影片|宣传片|片子|vlog)$", re.IGNORECASE)
_TITLE_SAID = re.compile(
    r"\b(?:title|caption|text|subtitle|heading)s?\s*(?:saying|that says|which says|reading|to|as|:|=)\s*(.+)",
    re.IGNORECASE,
)
_TITLE_NAMED = re.compile(r"\b(?:[Tt]itle|[Cc]aption|[Hh]eading)\s+([A-Z0-9].*)")
_ZH_TITLE_SAID = re.compile(r"(?:标题|字幕|文字)(?:改成|改为|换成|设为|设成|写着|为|是|叫|：|:)\s*(.+)")


@dataclass(frozen=True, slots=True)
class Topic:
    """What a prompt asks the video to be about.

    `phrase` reads after "a 30-second" as it stands ("video of a cat", "promo video with music"; in Chinese
    "猫咪宣传视频"), `subject` is the bare subject ("a cat", "猫咪宣传") titles are made from. Either may be ""
    when the prompt says nothing usable; sentences are then worded without it.
    """

    phrase: str
    subject: str


NO_TOPIC = Topic("", "")


def first_clause(prompt: str) -> str:
    """The prompt up to its first sentence or clause break."""
    return _CLAUSE.split(prompt.strip(), maxsplit=1)[0].strip()


def _trim(words: list[str]) -> str:
    words = words[:MAX_WORDS]
    while words and words[-1].lower().strip(",.;:") in STOPWORDS:
        words.pop()
    return " ".join(words).strip(" ,.;:")


def _after_kind(kind: str, after: str) -> Topic:
    if _UPLOADS.match(after):
        return NO_TOPIC  # "a video from this photo": about the uploads, whose names say more
    if intro := _INTRO.match(after):
        subject = _trim(intro.group(2).split())
        return Topic(f"video {intro.group(1).lower()} {subject}", subject) if subject else NO_TOPIC
    words = after.split()
    if not words:
        return NO_TOPIC
    # "a video with animations", "a clip for my bakery": the kind word stays, the rest says what it is.
    subject = _trim(words[1:] if words[0].lower() in ("with", "for", "that", "where") else words)
    return Topic(_trim([kind.lower(), *words]), subject)


def _english_topic(clause: str) -> Topic:
    rest = _LEAD.sub("", clause, count=1).strip()
    if kind := _ARTICLE_KIND.match(rest):
        return _after_kind(kind.group("kind"), rest[kind.end():].strip())
    early = _EARLY_KIND.match(rest)
    # The words before the kind word must read as modifiers ("cooking tutorial video"), not a sentence.
    if early and not _NOT_MODIFIERS & {w.lower() for w in early.group("modifiers").split()}:
        # "a rough cut of a city at night" is about "a city at night"
        about = _KIND_THEN_TOPIC_ANY.search(early.group("phrase"))
        return Topic(_trim(early.group("phrase").split()), _trim((about.group(2) if about else rest).split()))
    if later := _KIND_THEN_TOPIC.search(rest):
        subject = _trim(later.group(2).split())
        return Topic(f"video {later.group(1).lower()} {subject}", subject) if subject else NO_TOPIC
    subject = _trim(rest.split())
    return Topic(f"video of {subject}", subject) if subject else NO_TOPIC


def _chinese_topic(clause: str) -> Topic:
    rest = _ZH_LEAD.sub("", clause, count=1).strip().removeprefix("关于").strip()
    kind = _ZH_KIND.search(rest)
    noun = kind.group(0) if kind else "视频"
    bare = (rest[: kind.start()] if kind else rest).strip().rstrip("的").strip()
    if len(bare) > 20:
        return NO_TOPIC
    if not bare:
        return Topic(noun, "") if noun not in ("视频", "短视频") else NO_TOPIC
    return Topic(f"{bare}{noun}", bare)


def topic_of(prompt: str) -> Topic:
    """What the prompt's video is about, read from its first clause without the command words and durations."""
    clause = re.sub(r"\s+", " ", first_clause(without_durations(prompt))).strip()
    if not re.search(r"[^\W\d_]", clause):
        return NO_TOPIC
    return _chinese_topic(clause) if is_chinese(clause) else _english_topic(clause)


def _title_words(subject: str) -> list[str]:
    kept: list[str] = []
    for raw in subject.split():
        word = raw.strip(",.;:!?()[]")
        lowered = word.lower()
        if lowered in _BREAKERS or (lowered in _PREPOSITIONS and len(kept) >= 2):
            break
        if word and lowered not in STOPWORDS and not _KIND_WORDS.match(word):
            kept.append(word[:1].upper() + word[1:])
        if len(kept) == MAX_TITLE_WORDS:
            break
    return kept


def quoted(prompt: str) -> str:
    """The first quoted phrase of the prompt ("…", '…', “…”, 「…」, 《…》), or ""."""
    match = QUOTED.search(prompt)
    return next(group for group in match.groups() if group is not None).strip() if match else ""


def title_text(prompt: str) -> str:
    """The title an edit spells out: quoted, or after "title to/saying/:" (标题改成…), or ""."""
    if text := quoted(prompt):
        return text
    for pattern in (_TITLE_SAID, _TITLE_NAMED, _ZH_TITLE_SAID):
        if match := pattern.search(prompt):
            return first_clause(match.group(1)).strip(" \"'")[:60]
    return ""


def title_of(prompt: str) -> str:
    """A title for a new video: the one the prompt spells out, else up to three key words of its subject, or ""."""
    if text := title_text(prompt):
        return text
    subject = topic_of(prompt).subject
    if is_chinese(subject):
        return subject[:12]
    return " ".join(_title_words(subject))


def title_from_name(filename: str) -> str:
    """A title made from a file name: "beach_day-2.mov" -> "Beach Day 2", "day1.mp4" -> "Day 1"."""
    stem = re.sub(r"(?<=[^\W\d_])(?=\d)", " ", filename.rsplit(".", 1)[0])  # "day1" reads "day 1"
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words[:4])
