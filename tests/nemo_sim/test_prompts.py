"""Reading prompts: durations, what the video is about, titles, the language to answer in, the scenario they pick,
and the agent's sentences built from that (never the raw prompt pasted in)."""

from __future__ import annotations

import pytest

from nemo_sim import prompts, replies
from nemo_sim.scenarios import Scenario, pick_scenario

DURATIONS = {
    "create a 30-second promo video with animations and background music": 30,
    "a 30 s clip": 30,
    "make it 30s": 30,
    "30 seconds of waves": 30,
    "half a minute of rain": 30,
    "a minute about our team": 60,
    "1 min recap": 60,
    "a 1-minute teaser": 60,
    "a 90-second trailer": 90,
    "a minute and a half": 90,
    "1.5 minutes": 90,
    "thirty seconds": 30,
    "forty-five seconds": 45,
    "an 8 sec loop": 8,
    "2 minutes": 120,
    "make a 20min documentary": 300,  # clamped to the longest clip
    "做一个30秒的猫咪宣传视频": 30,
    "半分钟的海边视频": 30,
    "一分钟的产品介绍": 60,
    "1分钟": 60,
    "一分半钟": 90,
    "三十秒": 30,
    "十五秒的开场": 15,
    "两分钟": 120,
    "20秒钟": 20,
}
NO_DURATION = ["make a video of a cat", "a 1080p video", "10 sheep on a hill", "a second video of cats", "状态"]


@pytest.mark.parametrize(("prompt", "seconds"), DURATIONS.items())
def test_durations(prompt: str, seconds: int) -> None:
    assert prompts.seconds_in(prompt) == seconds


@pytest.mark.parametrize("prompt", NO_DURATION)
def test_no_duration(prompt: str) -> None:
    assert prompts.seconds_in(prompt) is None


INTROS = {
    "create a 30-second promo video with animations and background music":
        "I'll generate a 30-second promo video with animations and background music.",
    "make a video of a cat surfing": "I'll generate a 10-second video of a cat surfing.",
    "make a video about cats, then add music": "I'll generate a 10-second video about cats.",
    "generate a beach sunset": "I'll generate a 10-second video of a beach sunset.",
    "please make me a short video of the sea, with music": "I'll generate a 10-second video of the sea.",
    "I want a 90-second recap of our trip to Rome": "I'll generate a 90-second recap of our trip to Rome.",
    "generate a rough cut of a city at night": "I'll generate a 10-second rough cut of a city at night.",
    "make an 8 second cooking tutorial video": "I'll generate an 8-second cooking tutorial video.",
    "make a 30 second video": "I'll generate a 30-second video from your description.",
    "create something nice, 20s": "I'll generate a 20-second video of something nice.",
    "做一个30秒的猫咪宣传视频": "好的，我来生成一段30秒的猫咪宣传视频。",
    "生成一个关于城市夜景的视频": "好的，我来生成一段10秒的城市夜景视频。",
    "帮我做个一分钟的猫咪跳舞的短片": "好的，我来生成一段60秒的猫咪跳舞短片。",
    "做一个宣传片": "好的，我来生成一段10秒的宣传片。",
}


@pytest.mark.parametrize(("prompt", "start"), INTROS.items())
def test_generate_sentences_read_well(prompt: str, start: str) -> None:
    lang = replies.language("en", prompt)
    text = replies.generate_intro(prompt, prompts.seconds_in(prompt) or 10, lang)
    assert text.startswith(start)
    assert prompt not in text


def test_a_prompt_about_the_uploads_is_worded_with_their_names() -> None:
    for prompt in ("make a video from this photo", "make a video with these", "create a video using my clips"):
        assert prompts.topic_of(prompt) == prompts.NO_TOPIC, prompt
        assert replies.generate_intro(prompt, 10, "en", "day3.png").startswith(
            "I'll generate a 10-second video from day3.png."
        )
    text = replies.generate_intro("make a video of a sunny beach", 10, "en", "beach.png")
    assert text.startswith("I'll generate a 10-second video of a sunny beach. I'll build it from beach.png.")
    chinese = replies.generate_intro("用这个做一个视频", 10, "zh", "猫.png")
    assert chinese.startswith("好的，我来用 猫.png 生成一段10秒的视频。")


def test_a_prompt_in_the_other_language_is_not_pasted_into_the_sentence() -> None:
    text = replies.generate_intro("make a video of a cat", 10, "zh")
    assert text == "好的，我来按你的描述生成一段10秒的视频。通常需要几分钟。"
    text = replies.generate_intro("做一个猫咪视频", 10, "en")
    assert text.startswith("I'll generate a 10-second video from your description.")


TITLES = {
    "generate a video of a city at night": "City Night",
    "generate a rough cut of a city at night": "City Night",
    "make a video of a cat surfing on a big wave": "Cat Surfing",
    "make a video of a robot": "Robot",
    "create a 30-second promo video with animations and background music": "Promo",
    "make a video titled 'Grand Opening'": "Grand Opening",
    "add a title Deep Woods": "Deep Woods",
    "change the title to Summer Fun, please": "Summer Fun",
    "做一个30秒的猫咪宣传视频": "猫咪宣传",
    "把标题改成“喵星人”": "喵星人",
    "标题改为夏日海滩": "夏日海滩",
    "make a 30 second video": "",
    "let's make a video of Tom's bike": "Tom's Bike",
    "《夏日》": "夏日",
}


@pytest.mark.parametrize(("prompt", "title"), TITLES.items())
def test_titles(prompt: str, title: str) -> None:
    assert prompts.title_of(prompt) == title


def test_titles_from_file_names() -> None:
    assert prompts.title_from_name("beach_day-2.mov") == "Beach Day 2"
    assert prompts.title_from_name("day1.mp4") == "Day 1"
    assert prompts.title_from_name("") == ""


@pytest.mark.parametrize(
    ("session", "prompt", "lang"),
    [
        ("en", "make a video of a cat", "en"),
        ("en", "做一个30秒的猫咪宣传视频", "zh"),
        ("zh-CN", "做一个视频", "zh"),
        ("zh-CN", "hello", "en"),  # the prompt's own language wins
        ("zh-CN", "30s", "zh"),  # a prompt in no language: the session's
        ("en", "30秒", "zh"),
        ("en", "make a video of 长城", "en"),
        ("zh-TW", "⭐", "zh"),
    ],
)
def test_the_answer_language(session: str, prompt: str, lang: str) -> None:
    assert replies.language(session, prompt) == lang


def test_every_language_has_every_sentence_with_the_same_fields() -> None:
    english = replies.LINES["en"]
    for lang, table in replies.LINES.items():
        assert set(table) == set(english), lang
        for key, text in table.items():
            assert _fields(text) == _fields(english[key]), (lang, key)


def _fields(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_chat_replies_are_worded_without_the_prompt() -> None:
    for question in ("how do I get my video out?", "what can you do?", "any tips?", "thanks!", "ok"):
        assert question.rstrip("?!") not in replies.chat_reply(question, "en")
    assert replies.chat_reply("ideas for a bakery promo", "en").startswith("Sure — for a bakery promo I'd suggest")
    assert not replies.chat_reply("tell me a joke", "en").startswith("Sure — for")
    assert replies.chat_reply("你好", "zh").startswith("你好！我是 Nemo")
    assert replies.chat_reply("credits?", "en").startswith("Generating a clip costs 30 credits and an edit 10")
    assert replies.chat_reply("关于猫咪的点子", "zh").startswith("好的——关于猫咪，我建议")


ROUTES = {
    "做一个30秒的猫咪宣传视频": Scenario.GENERATE,
    "生成一段关于城市夜景的视频": Scenario.GENERATE,
    "帮我制作一个产品视频": Scenario.GENERATE,
    "创建视频": Scenario.GENERATE,
    "拍一段旅行短片": Scenario.GENERATE,
    "做一个宣传片": Scenario.GENERATE,
    "加标题“喵星人”": Scenario.SILENT_EDIT,
    "添加字幕": Scenario.SILENT_EDIT,
    "加音乐": Scenario.SILENT_EDIT,
    "换一首背景音乐": Scenario.SILENT_EDIT,
    "把视频修改一下": Scenario.SILENT_EDIT,
    "剪掉开头": Scenario.SILENT_EDIT,
    "缩短到15秒": Scenario.SILENT_EDIT,
    "加长一点": Scenario.SILENT_EDIT,
    "给视频生成字幕": Scenario.SILENT_EDIT,
    "你好": Scenario.CHAT,
    "讲讲城市夜景": Scenario.CHAT,
    "create a 30-second promo video with animations and background music": Scenario.GENERATE,
    "make a 30-second promo video": Scenario.GENERATE,
    "make me a short video of the sea": Scenario.GENERATE,
    "make the video shorter": Scenario.SILENT_EDIT,
    "make the music more upbeat": Scenario.SILENT_EDIT,
    "make it brighter": Scenario.SILENT_EDIT,
    "generate a rough cut of a city at night": Scenario.GENERATE,
    "refine the captions": Scenario.SILENT_EDIT,
    "what can you do?": Scenario.CHAT,
}


@pytest.mark.parametrize(("text", "scenario"), ROUTES.items())
def test_chinese_and_english_prompts_route(text: str, scenario: Scenario) -> None:
    assert pick_scenario(text) is scenario
