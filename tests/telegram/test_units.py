"""The pure parts: settings, limits, flood waits, escaping, and reading messages."""

from __future__ import annotations

import datetime as dtm
from typing import Any

import pytest
from pydantic import ValidationError
from telegram import Bot, Message
from telegram.error import RetryAfter

from adapters.telegram.client import build_application
from adapters.telegram.formatting import caption, to_html
from adapters.telegram.incoming import Me, read_messages
from adapters.telegram.options import Options
from adapters.telegram.sender import retry_seconds
from bot.app_telegram import telegram_options, webhook_of
from bot.config import Settings, TelegramSettings
from bot.store.keys import ChatKey
from tests.telegram.fake_html import ApiError, visible
from tests.telegram.updates import ADA, BOB, GROUP, LIN, Updates

ME = Me(123456, "nemo_test_bot")
SECRET_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
_BOT = Bot(SECRET_TOKEN)


def _read(message: dict[str, Any]) -> Any:
    return read_messages([Message.de_json(message, _BOT)], ME)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No TELEGRAM_* from the surroundings."""
    for name in ("TOKEN", "API_URL", "LOCAL_MODE", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT"):
        monkeypatch.delenv(f"TELEGRAM_{name}", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir("/")  # no .env
    return monkeypatch


def test_settings_defaults_are_the_cloud_limits(clean_env: pytest.MonkeyPatch) -> None:
    conf = TelegramSettings()
    assert conf.api_url == "https://api.telegram.org"
    assert telegram_options(conf).upload_limit == 50_000_000
    assert telegram_options(conf).download_limit == 20_000_000
    assert webhook_of(conf) is None
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN is not set"):
        conf.token()


def test_local_mode_lifts_the_limits(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_LOCAL_MODE", "true")
    clean_env.setenv("TELEGRAM_API_URL", "http://tg-api:8081/")
    conf = TelegramSettings()
    options = telegram_options(conf)
    assert (options.upload_limit, options.download_limit, options.local_mode) == (2_000_000_000, None, True)
    assert conf.api_url == "http://tg-api:8081"


def test_the_token_comes_from_the_main_settings_and_never_prints(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_BOT_TOKEN", SECRET_TOKEN)
    settings = Settings()
    assert settings.telegram.token() == SECRET_TOKEN
    assert SECRET_TOKEN not in repr(settings)
    assert SECRET_TOKEN not in str(settings.model_dump())


def test_webhook_settings_and_a_random_secret_when_none_is_set(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.com/telegram/hook")
    clean_env.setenv("TELEGRAM_WEBHOOK_PORT", "9000")
    hook = webhook_of(TelegramSettings())
    assert hook is not None
    assert (hook.path, hook.port, hook.listen) == ("/telegram/hook", 9000, "127.0.0.1")
    assert len(hook.secret) >= 32
    assert hook.secret not in repr(hook)
    assert hook.secret != webhook_of(TelegramSettings()).secret  # type: ignore[union-attr]


def test_a_secret_telegram_would_refuse_is_refused_at_start_without_echoing_it(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_WEBHOOK_SECRET", "not allowed!")
    with pytest.raises(ValidationError) as raised:
        TelegramSettings()
    assert "A-Z, a-z, 0-9" in str(raised.value)
    assert "not allowed!" not in str(raised.value)


def test_the_server_root_gives_the_api_and_file_urls() -> None:
    application = build_application(SECRET_TOKEN, "http://tg-api:8081/", Options(), polling=False)
    assert application.bot.base_url == f"http://tg-api:8081/bot{SECRET_TOKEN}"
    assert application.bot.base_file_url == f"http://tg-api:8081/file/bot{SECRET_TOKEN}"
    assert application.updater is None


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_in_its_int_form() -> None:
    assert retry_seconds(RetryAfter(7)) == 7.0


def test_retry_after_in_its_timedelta_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    assert retry_seconds(RetryAfter(dtm.timedelta(seconds=2.5))) == 2.5


def test_escaping_and_the_kept_markdown() -> None:
    assert to_html("a<b & c>d") == "a&lt;b &amp; c&gt;d"
    assert to_html("**x<y**") == "<b>x&lt;y</b>"
    assert to_html("```py\nif a < b:\n    pass\n```") == "<pre>if a &lt; b:\n    pass</pre>"
    assert to_html("2 * 3 ** 4 and snake_case") == "2 * 3 ** 4 and snake_case"
    assert caption("<a & b>") == "&lt;a &amp; b&gt;"


def test_reading_locale_thread_and_names() -> None:
    updates = Updates()
    chinese = _read(updates.message(user=LIN, text="你好"))
    assert (chinese.locale, chinese.direct, chinese.reply_to) == ("zh", True, None)
    assert _read(updates.message(user=BOB, text="hi")).locale == "en"  # no language_code at all
    topic = _read(updates.message(chat=GROUP, thread=9, text="@nemo_test_bot, make a video of rain"))
    assert topic.chat == ChatKey("telegram", str(GROUP["id"]), "9")
    assert topic.text == "make a video of rain"
    assert (topic.user_name, topic.direct) == ("Ada Lovelace", False)


def test_a_sender_without_a_name_is_named_in_their_language() -> None:
    updates = Updates()
    nameless = {"id": 7009, "is_bot": False, "first_name": "", "language_code": "zh-hans"}
    assert _read(updates.message(user=nameless, text="你好")).user_name == "某位用户"
    assert _read(updates.message(user={**nameless, "language_code": "en"}, text="hi")).user_name == "someone"


def test_a_text_mention_of_the_bot_addresses_it() -> None:
    message = Updates().message(chat=GROUP, text="Nemo make a video of snow")
    message["entities"] = [{"type": "text_mention", "offset": 0, "length": 4, "user": {
        "id": ME.id, "is_bot": True, "first_name": "Nemo"}}]
    assert _read(message).text == "Nemo make a video of snow"


def test_a_command_for_another_bot_is_ignored_even_in_private() -> None:
    assert _read(Updates().message(text="/start@other_bot")) is None
    assert _read(Updates().message(text="/video@nemo_test_bot a cat")).text == "/video@nemo_test_bot a cat"


def test_files_are_named_for_the_engine() -> None:
    updates = Updates()
    movie = _read(updates.message(video={"file_id": "v", "file_unique_id": "uv", "width": 1, "height": 1,
                                         "duration": 1, "mime_type": "video/quicktime", "file_size": 10}))
    assert movie.files[0].name == f"video_{movie.message_id}.mov"
    note = _read(updates.message(video_note={"file_id": "n", "file_unique_id": "un", "length": 240, "duration": 3}))
    assert (note.files[0].name, note.files[0].mime_type) == (f"video_{note.message_id}.mp4", "video/mp4")
    song = _read(updates.message(audio={"file_id": "a", "file_unique_id": "ua", "duration": 3,
                                        "file_name": "theme.mp3", "mime_type": "audio/mpeg"}))
    assert song.files[0].name == "theme.mp3"
    sticker = {"file_id": "s", "file_unique_id": "us", "type": "regular", "width": 1, "height": 1,
               "is_animated": False, "is_video": False}
    assert _read(updates.message(sticker=sticker)) is None
    assert _read({**updates.message(user=ADA, text="x"), "chat": {"id": -5, "type": "channel", "title": "c"}}) is None


def test_the_fake_parses_html_as_strictly_as_telegram() -> None:
    assert visible("&lt;b&gt; &amp; <b>bold</b>", "HTML") == "<b> & bold"
    for broken in ("a < b", "a & b", "<b>open", "<script>x</script>", "x > y"):
        with pytest.raises(ApiError, match="can't parse entities"):
            visible(broken, "HTML")
    assert visible("a < b", None) == "a < b"
