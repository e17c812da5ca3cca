"""Intent routing: a pure function from a message's text to what the bot does with it."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import Catalogue, catalogue


class Intent(StrEnum):
    """What a message asks for."""

    START = "start"
    HELP = "help"
    NEW = "new"
    CANCEL = "cancel"
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    UPLOAD = "upload"
    APPLY = "apply"
    AGENT = "agent"
    ALLOW = "allow"  # the team commands (bot/engine/admin.py)
    DENY = "deny"
    QUOTA = "quota"
    USAGE = "usage"


@dataclass(frozen=True, slots=True)
class Route:
    """The decision: the intent, the text left for the agent, and URLs to upload."""

    intent: Intent
    text: str = ""
    urls: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """How many characters the request hands on: its text (which holds its links), or the links alone."""
        return max(len(self.text), sum(map(len, self.urls)))


_COMMANDS = {
    "start": Intent.START,
    "help": Intent.HELP,
    "new": Intent.NEW,
    "reset": Intent.NEW,
    "cancel": Intent.CANCEL,
    "stop": Intent.CANCEL,
    "export": Intent.EXPORT,
    "status": Intent.STATUS,
    "timeline": Intent.STATUS,
    "credits": Intent.CREDITS,
    "balance": Intent.CREDITS,
    "upload": Intent.UPLOAD,
    "video": Intent.AGENT,
    "apply": Intent.APPLY,
    "allow": Intent.ALLOW,
    "deny": Intent.DENY,
    "quota": Intent.QUOTA,
    "usage": Intent.USAGE,
}

_TRAILING_MARKS = frozenset("?!.。？！~…")
# A link runs, query and fragment included (signed links keep their signature), to the next space, quote or
# full-width punctuation (Chinese puts no space after a link: `用 https://x/cat.png，做视频`).
_LINK_BODY = r"[^\s<>\"'，。；：！？、（）「」『』【】《》]+"
_URL = re.compile(rf"https?://{_LINK_BODY}", re.IGNORECASE)
# Punctuation that ends a sentence rather than a link: `see https://x/cat.png.`
_CLOSING = ".,;:!?"
# A link of another scheme (ftp://, file://) is routed too, so the upload step refuses it by name.
_OTHER_LINK = re.compile(rf"(?<![a-z0-9+.-])(?!https?://)[a-z][a-z0-9+.-]*://{_LINK_BODY}", re.IGNORECASE)
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The whole-message requests of every catalogue language, and the polite words that may pad them."""

    requests: Mapping[str, Intent]
    polite: re.Pattern[str]

    @classmethod
    def of(cls, found: Catalogue) -> Vocabulary:
        """The `PHRASES` of every table in `found`; a phrase two languages send to different intents is an error."""
        requests: dict[str, Intent] = {}
        openers: list[str] = []
        closers: list[str] = []
        for name in found.in_order():
            phrases = found.phrases.get(name)
            if phrases is None:
                continue
            for intent, phrase in ((Intent(key), p) for key, group in phrases.requests.items() for p in group):
                if requests.setdefault(phrase, intent) is not intent:
                    raise ValueError(f"{name}: {phrase!r} asks for {intent}, another language for {requests[phrase]}")
            openers += phrases.openers
            closers += phrases.closers
        return cls(requests, re.compile(rf"^({_alternatives(openers)})\s*|\s*({_alternatives(closers)})$"))

    def normalize(self, text: str) -> str:
        """Lower-case, trim punctuation and polite padding, collapse spaces."""
        out = " ".join(text.lower().split())
        out = _trim_trailing(out) or out
        for _ in range(2):
            out = self.polite.sub("", out).strip()
        return _trim_trailing(out) or out

    def intent(self, text: str) -> Intent | None:
        """The intent a whole message asks for, or None when it is not one of the phrases."""
        return self.requests.get(self.normalize(text))


def _trim_trailing(text: str) -> str:
    """The text without its trailing spaces and punctuation (a scan from the end: a regex would be quadratic)."""
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in _TRAILING_MARKS):
        end -= 1
    return text[:end]


def _alternatives(words: list[str]) -> str:
    # In the order the tables list them: an earlier word wins where two could match.
    return "|".join(re.escape(word) for word in dict.fromkeys(words))


@functools.cache
def vocabulary() -> Vocabulary:
    """The bot's own catalogue's requests, read once."""
    return Vocabulary.of(catalogue())


def route(text: str, has_attachments: bool = False, words: Vocabulary | None = None) -> Route:
    """Decide what a message asks for. Attachments always mean an upload (the text rides along)."""
    words = words or vocabulary()
    stripped = text.strip()
    command = _COMMAND.match(stripped)
    if command:
        # An unknown command is not a prompt: answering with help costs nothing, the agent would charge.
        intent = _COMMANDS.get(command.group(1).lower(), Intent.HELP)
        rest = (command.group(2) or "").strip()
        if has_attachments and intent in (Intent.AGENT, Intent.UPLOAD):
            return Route(Intent.UPLOAD, rest, _links(rest))
        if intent is Intent.UPLOAD:
            return Route(Intent.UPLOAD, "", _links(rest))
        return Route(intent, rest)
    if has_attachments:
        return Route(Intent.UPLOAD, "" if words.intent(stripped) is Intent.UPLOAD else stripped)
    return _route_text(stripped, words)


def _links(text: str) -> tuple[str, ...]:
    # Other schemes are looked for outside the web links: `?next=s3://...` is part of a signed link, not a link.
    return tuple(map(_trimmed, (*_URL.findall(text), *_OTHER_LINK.findall(_URL.sub(" ", text)))))


def _trimmed(url: str) -> str:
    """The link without the punctuation that closes the sentence around it (a `)` only when it opens none)."""
    unmatched = url.count(")") - url.count("(")
    end = len(url)
    while end and (url[end - 1] in _CLOSING or (url[end - 1] == ")" and unmatched > 0)):
        unmatched -= url[end - 1] == ")"
        end -= 1
    return url[:end]


def _route_text(text: str, words: Vocabulary) -> Route:
    urls = _links(text)
    if urls:
        rest = _OTHER_LINK.sub("", _URL.sub("", text)).strip()
        if not rest or words.intent(rest) is Intent.UPLOAD:
            return Route(Intent.UPLOAD, "", urls)
        return Route(Intent.AGENT, text, urls)
    intent = words.intent(text)
    if intent is None or not text:
        return Route(Intent.AGENT, text)
    return Route(intent)
