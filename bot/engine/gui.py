"""The agent's web-editor instructions ("click Export", "drag the clip to the start") turned into what a chat can do:
the bot exports, shows the timeline or asks for the file itself; a drag becomes an edit offered for one tap; any
other button becomes words to reply."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.i18n import catalogue, say
from bot.i18n.tables import GuiAction, Rewrite

# A sentence ends after one of these marks (its trailing spaces stay with it), or at a line break.
_SENTENCES = re.compile(r"(?<=[.!?。！？\n])")
_MAX_EDIT = 200
_LINES = {GuiAction.EXPORT: "gui_export", GuiAction.UPLOAD: "gui_upload", GuiAction.TIMELINE: "gui_timeline"}


@dataclass(frozen=True, slots=True)
class Translated:
    """The agent's text as the chat shows it, what the bot should do after the turn, and the edits it offers."""

    text: str
    asks: frozenset[GuiAction] = frozenset()
    edits: tuple[str, ...] = ()


def translate_gui(text: str) -> Translated:
    """Rewrite every GUI instruction of every catalogue language, sentence by sentence."""
    asks: set[GuiAction] = set()
    edits: list[str] = []
    shown: list[str] = []
    for sentence in _SENTENCES.split(text):
        rewritten, action, edit = _sentence(sentence)
        shown.append(rewritten)
        if action is not None:
            asks.add(action)
        if edit:
            edits.append(edit)
    return Translated("".join(shown), frozenset(asks), tuple(dict.fromkeys(edits)))


def _sentence(sentence: str) -> tuple[str, GuiAction | None, str | None]:
    """One sentence: replaced whole by the bot's own line when it asks for an action, else reworded in place."""
    found = catalogue()
    reworded = False
    for name in found.in_order():
        # In table order: a sentence a rewording has changed (a click the person should choose to make) is not
        # acted on by a rule after it.
        for rule in found.rewrites.get(name, ()):
            if rule.action is GuiAction.REWORD:
                new = rule.pattern.sub(functools.partial(_same_case, new=rule.replacement), sentence)
                reworded, sentence = reworded or new != sentence, new
                continue
            match = None if reworded else rule.pattern.search(sentence)
            if match is not None:
                return _acted(sentence, match, rule, name)
    return sentence, None, None


def _acted(sentence: str, match: re.Match[str], rule: Rewrite, locale: str) -> tuple[str, GuiAction | None, str | None]:
    lead = sentence[: len(sentence) - len(sentence.lstrip())]
    tail = sentence[len(sentence.rstrip()):]
    if rule.action is GuiAction.EDIT:
        edit = " ".join(match.expand(rule.replacement).split())[:_MAX_EDIT]
        edit = edit[:1].upper() + edit[1:]
        return f"{lead}{say('gui_edit', locale, edit=edit)}{tail}", None, edit
    line = say(_LINES[rule.action], locale)
    # Asking for a file needs nothing after the turn: the line itself asks.
    action = None if rule.action is GuiAction.UPLOAD else rule.action
    return f"{lead}{line}{tail}", action, None


def _same_case(match: re.Match[str], new: str) -> str:
    """Expand the replacement, keeping a capital letter at the start of a sentence."""
    out = match.expand(new)
    return out[:1].upper() + out[1:] if match.group(0)[:1].isupper() else out


def is_temporary_issue(text: str) -> bool:
    """The backend's trailing 'I encountered a temporary issue' line, in any catalogue language."""
    return any(pattern.search(text) for pattern in catalogue().temporary.values())
