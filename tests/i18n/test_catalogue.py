"""The catalogue: every language has every key with the same fields, languages are files, locales resolve once."""

from __future__ import annotations

import ast
import re
import string
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

import bot
from adapters.discord_bot import commands as discord_commands
from adapters.telegram import commands as telegram_commands
from bot.engine.config import ACCEPTED_EXTENSIONS
from bot.engine.messages import Action
from bot.engine.replies import buttons
from bot.engine.routing import Intent, Vocabulary, route
from bot.i18n import DEFAULT, Catalogue, catalogue, language_tag, languages, locales, resolve_locale, say


def fields(template: str) -> set[str]:
    """The named fields of a template: `{size_mb:.0f}` -> `size_mb`."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def problems(found: Catalogue) -> list[str]:
    """Keys missing from a full language, unknown to `en`, or with other fields than in `en`."""
    reference = found.tables[DEFAULT]
    report = []
    for name, table in found.tables.items():
        base = found.tables.get(name.split("_")[0], reference)
        if "_" not in name:
            report += [f"{name} lacks {key}" for key in reference.keys() - table.keys()]
        report += [f"{name} has unknown {key}" for key in table.keys() - base.keys()]
        report += [
            f"{name}.{key} takes {sorted(fields(table[key]))}, {DEFAULT} takes {sorted(fields(reference[key]))}"
            for key in table.keys() & reference.keys() if fields(table[key]) != fields(reference[key])
        ]
    return report


def test_every_language_has_every_key_with_the_same_fields() -> None:
    assert problems(catalogue()) == []


def test_discovery_lists_exactly_the_files_present() -> None:
    files = {path.stem for path in Path(locales.__file__).parent.glob("*.py") if path.stem != "__init__"}
    assert set(catalogue().tables) == files
    assert languages() == ("en", "zh")


def phrase_problems(found: Catalogue) -> list[str]:
    """Intents a full language has no phrase for, and intent names that routing does not know."""
    report = []
    for name in found.languages():
        requests = found.phrases[name].requests if name in found.phrases else {}
        report += [f"{name} has no phrase for {intent}" for intent in found.phrases[DEFAULT].requests.keys() - requests]
        report += [f"{name} asks for unknown {intent}" for intent in requests.keys() - set(Intent)]
    return report


def test_every_language_can_ask_for_what_english_can() -> None:
    assert phrase_problems(catalogue()) == []


@pytest.fixture
def extra_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A second folder of the locales package, as if its files sat beside en.py."""
    monkeypatch.setattr(locales, "__path__", [*locales.__path__, str(tmp_path)])
    before = set(sys.modules)
    yield tmp_path
    for name in [name for name in set(sys.modules) - before if name.startswith(f"{locales.__name__}.")]:
        del sys.modules[name]


FRENCH_PHRASES = """
PHRASES = Phrases(
    requests={
        "export": frozenset({"exporter", "exporter la vidéo"}), "credits": frozenset({"crédits"}),
        "status": frozenset({"statut"}), "upload": frozenset({"téléverser"}), "cancel": frozenset({"annuler"}),
        "help": frozenset({"aide"}),
    },
    openers=("merci de",),
    closers=("s'il vous plaît",),
)
"""


def write_locale(folder: Path, name: str, table: Mapping[str, str], phrases: str = "") -> None:
    """A locale module: a `MESSAGES` mapping and, for a language, its `PHRASES`, like every other table."""
    body = "".join(f"    {key!r}: {value!r},\n" for key, value in table.items())
    head = f'"""{name}."""\n\nfrom bot.i18n.tables import Phrases\n\n'
    (folder / f"{name}.py").write_text(f"{head}MESSAGES = {{\n{body}}}\n{phrases}", encoding="utf-8")


def write_french(folder: Path, table: Mapping[str, str], phrases: str = FRENCH_PHRASES) -> None:
    """A French table with French requests."""
    write_locale(folder, "fr", table, phrases)


def test_a_third_language_is_one_new_file(extra_locales: Path) -> None:
    english = catalogue().tables[DEFAULT]
    write_french(extra_locales, {**english, "new_session": "🆕 Nouveau projet.", "busy": "⏳ Toujours en cours."})
    found = Catalogue.discover(locales.__name__)
    assert found.languages() == ("en", "fr", "zh")
    assert found.resolve("fr-CA") == "fr"
    assert found.say("new_session", found.resolve("fr-CA")) == "🆕 Nouveau projet."
    assert problems(found) == []
    assert phrase_problems(found) == []
    words = Vocabulary.of(found)
    assert route("Exporter la vidéo s'il vous plaît !", words=words).intent is Intent.EXPORT
    assert route("merci de annuler", words=words).intent is Intent.CANCEL
    assert route("crédits ?", words=words).intent is Intent.CREDITS
    assert route("exporter un clip de la plage", words=words).intent is Intent.AGENT
    # The languages already there still route as before.
    assert route("请导出", words=words).intent is Intent.EXPORT
    assert route("show me the timeline", words=words).intent is Intent.STATUS
    assert route("exporter").intent is Intent.AGENT  # the bot's own catalogue has no French


def test_a_phrase_two_languages_send_to_different_intents_is_refused(extra_locales: Path) -> None:
    write_french(extra_locales, catalogue().tables[DEFAULT], FRENCH_PHRASES.replace('"statut"', '"export"'))
    with pytest.raises(ValueError, match="'export' asks for status"):
        Vocabulary.of(Catalogue.discover(locales.__name__))


def test_the_video_service_is_told_each_language_by_its_tag(extra_locales: Path) -> None:
    assert [language_tag(name) for name in ("en", "zh", "zh_TW")] == ["en", "zh-CN", "zh-CN"]
    write_locale(extra_locales, "pt_BR", {"new_session": "🆕 Projeto novo."})
    found = Catalogue.discover(locales.__name__)
    assert found.language_tag(found.resolve("pt-BR")) == "pt-BR"
    assert found.language_tag(found.resolve("de-DE")) == "en"


def test_a_missing_key_or_a_renamed_field_is_reported(extra_locales: Path) -> None:
    english = dict(catalogue().tables[DEFAULT])
    del english["busy"]
    english["credits"] = "💳 {disponible} crédits."
    write_french(extra_locales, english)
    assert problems(Catalogue.discover(locales.__name__)) == [
        "fr lacks busy", "fr.credits takes ['disponible'], en takes ['available', 'frozen', 'total']",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zh-CN", "zh"), ("zh-hans", "zh"), ("ZH", "zh"), ("zh_CN.UTF-8", "zh"), ("zh-TW", "zh_TW"),
        ("en-US", "en"), ("de", "en"), ("C.UTF-8", "en"), ("", "en"), (None, "en"),
    ],
)
def test_a_platform_locale_resolves_to_the_nearest_table(raw: str | None, expected: str) -> None:
    assert resolve_locale(raw) == expected


def test_a_regional_table_falls_back_to_its_language_then_english() -> None:
    assert say("discord_command_export", "zh_TW") == "匯出"
    assert say("discord_command_export", "zh") == "导出"
    assert say("help", "zh_TW") == say("help", "zh")
    assert say("help", "fr") == say("help", "en")
    assert say("credits", "zh", available=3, frozen=1, total=4) == "💳 积分：可用 3，冻结 1（进行中的任务占用），共 4。"


# Names, units and file types stay as they are written in every language, and so do the words typed after a command
# (`/quota ID 5 exports`, `/as NAME admin`, an id of another platform: `discord:456`).
LATIN_IN_CHINESE = {
    "AI", "Ctrl", "Discord", "ID", "MB", "MP4", "Nemo", "Telegram", *ACCEPTED_EXTENSIONS,
    "turns", "exports", "credits", "default", "admin", "telegram", "discord",
}


def test_the_chinese_tables_carry_no_english_words() -> None:
    english = set()
    for name in ("zh", "zh_TW"):
        for template in catalogue().tables[name].values():
            text = re.sub(r"\{[^}]*\}|/\w+", "", template)  # fields and slash commands
            english |= set(re.findall(r"[A-Za-z][A-Za-z0-9]+", text)) - LATIN_IN_CHINESE
    assert english == set()


def test_chinese_phrasing_of_waits_and_unnamed_things() -> None:
    assert say("still_working_for", "zh", minutes=5) == "⏳ 仍在处理中...（已进行 5 分钟）"
    assert say("still_working_for", "en", minutes=5) == "⏳ Still working... (5 min)"
    assert (say("timeline_untitled", "zh"), say("timeline_track_empty", "zh")) == ("未命名", "空")


@pytest.mark.parametrize("language", languages())
def test_every_button_has_a_label_in_every_language(language: str) -> None:
    labelled = buttons(tuple(Action), language)
    assert len({button.label for button in labelled}) == len({button.emoji for button in labelled}) == len(Action)


def test_an_unknown_key_is_an_error_not_an_empty_message() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        say("no_such_message", "zh")


# Keys the code looks up by a computed name: the f-string as the code writes it, and the names it is filled with
# (None: the name of any key the code writes out in full, as in `{key}_link`).
COMPUTED: dict[str, Iterable[str] | None] = {
    "telegram_command_{name}": (*telegram_commands.COMMANDS, *telegram_commands.ADMIN_COMMANDS),
    "discord_command_{name}": discord_commands._SIMPLE,
    "discord_command_{name}_about": discord_commands._SIMPLE,
    "{key}_link": None,
    # Not catalogue keys: metric names and the code an HTTP status is counted under.
    "{PREFIX}_{name}": (),
    "http_{exc.http_status}": (),
}
_KEYLIKE = re.compile(r"[a-z0-9_]*(?:\{[\w.]+\}[a-z0-9_]*)+")


def strings_in_code() -> tuple[set[str], set[str]]:
    """Every string constant in the bot and its adapters (the catalogue aside), and every key-like f-string."""
    root = Path(bot.__file__).parent.parent
    literals: set[str] = set()
    templates: set[str] = set()
    for path in [*(root / "bot").rglob("*.py"), *(root / "adapters").rglob("*.py")]:
        if Path(locales.__file__).parent in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and _keylike(template := _written(node)):
                templates.add(template)
    return literals, templates


def _written(node: ast.JoinedStr) -> str:
    """An f-string as a template: `f"telegram_command_{name}"` -> `telegram_command_{name}`."""
    return "".join(
        f"{{{ast.unparse(part.value)}}}" if isinstance(part, ast.FormattedValue) else str(ast.literal_eval(part))
        for part in node.values
    )


def _keylike(template: str) -> bool:
    """Could this template name a catalogue key (lower-case words joined by `_`, with fields)?"""
    return bool(_KEYLIKE.fullmatch(template)) and "_" in re.sub(r"\{[^}]*\}", "", template)


def referenced_keys() -> set[str]:
    """The catalogue keys the code names, in full or through a declared computed name."""
    literals, templates = strings_in_code()
    assert templates <= COMPUTED.keys(), f"declare in COMPUTED what fills {sorted(templates - COMPUTED.keys())}"
    keys = set(literals)
    for template, names in COMPUTED.items():
        field = next(name for _, name, _, _ in string.Formatter().parse(template) if name)
        keys |= {template.format(**{field: name}) for name in (literals if names is None else names)}
    return keys


def test_every_english_key_is_looked_up_somewhere() -> None:
    assert sorted(catalogue().tables[DEFAULT].keys() - referenced_keys()) == []


def test_the_unused_key_check_sees_keys_named_in_full_and_computed() -> None:
    keys = referenced_keys()
    assert {"busy", "timeline_kind_video", "telegram_command_help", "discord_command_new_about"} <= keys
    assert "render_interrupted" not in keys
