"""What the simulated agent says, in English or Chinese: one table of sentences per language, filled with
what prompts.py read from the prompt (a duration, a topic phrase, a title), never with the raw prompt.

Choices that vary (music, a chat line, a GUI hint) are stable for the same prompt, so tests can rely on them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from nemo_sim import prompts
from nemo_sim.scenarios import PRICES, Operation

EN, ZH = "en", "zh"

LINES: dict[str, dict[str, str]] = {
    EN: {
        "generate": "I'll generate {length} {phrase}.{source} This usually takes a couple of minutes.",
        "generate_plain": "I'll generate {length} video from your description.{source} "
                          "This usually takes a couple of minutes.",
        "source": " I'll build it from {name}.",
        "generate_from": "I'll generate {length} video from {name}. This usually takes a couple of minutes.",
        "raw_ready": "The raw clip is ready. Now I'm adding background music and a title.",
        "done": 'Your video "{title}" is ready: {seconds} seconds, with {music} as background music and an '
                "animated title.",
        "legacy_done": 'Done! "{title}" is on your timeline.',
        "hello": "Hi! I'm Nemo, your video assistant. Tell me what you'd like to make: a travel recap, a product "
                 "teaser, anything.",
        "credits": "Generating a clip costs {generate} credits and an edit {edit}; exporting is free.",
        "upload": "Send me your footage or photos and I'll add them to the project timeline.",
        "topic": "Sure — for {subject} I'd suggest a 10-second clip with a title card and soft music.",
        "refusal": "Sorry, you don't have enough credits for that (you have {available}). Register a free account "
                   "or top up to get more credits.",
        "thinking": "The user wants help with a video. I should answer briefly and offer next steps.",
        "plan": "Plan: suggest a 10-second clip.",
        "look_first": "Sure! Let me look at your project first.",
        "one_track": "Your timeline has 1 track.",
        "tracks": "Your timeline has {count} tracks.",
        "no_video": "Your timeline has no video yet.",
        "applying": "Let me apply that change to your timeline.",
        "trailing": "I encountered a temporary issue while processing your request. Please try again later.",
        "default_title": "My Video",
    },
    ZH: {
        "generate": "好的，我来生成一段{length}的{phrase}。{source}通常需要几分钟。",
        "generate_plain": "好的，我来按你的描述生成一段{length}的视频。{source}通常需要几分钟。",
        "source": "素材用 {name}。",
        "generate_from": "好的，我来用 {name} 生成一段{length}的视频。通常需要几分钟。",
        "raw_ready": "原始片段已经生成，现在为它加上背景音乐和标题。",
        "done": "你的视频《{title}》已完成：{seconds} 秒，配有背景音乐「{music}」和动画标题。",
        "legacy_done": "完成！《{title}》已经在时间线上了。",
        "hello": "你好！我是 Nemo，你的视频助手。告诉我你想做什么：旅行回顾、产品预告，什么都行。",
        "credits": "生成一段视频需要 {generate} 积分，编辑一次需要 {edit} 积分，导出免费。",
        "upload": "把你的视频或照片发给我，我会把它们加到项目时间线上。",
        "topic": "好的——关于{subject}，我建议做一段 10 秒的短片，配上标题卡和轻柔的音乐。",
        "refusal": "抱歉，你的积分不够（剩余 {available}）。注册免费账号或充值即可获得更多积分。",
        "thinking": "用户想做一个视频。我应该简短回答，并给出下一步建议。",
        "plan": "计划：建议一段 10 秒的短片。",
        "look_first": "好的！我先看看你的项目。",
        "one_track": "你的时间线有 1 条轨道。",
        "tracks": "你的时间线有 {count} 条轨道。",
        "no_video": "你的时间线上还没有视频。",
        "applying": "我来把这个修改应用到时间线上。",
        "trailing": "处理你的请求时遇到了暂时的问题，请稍后再试。",
        "default_title": "我的视频",
    },
}

CHAT_LINES: dict[str, tuple[str, ...]] = {
    EN: (
        "Happy to help! Describe the scene, the mood and the length, and I'll take it from there.",
        "I can generate a clip, add music or titles, or trim your footage. What would you like to make?",
        "Good question! Tell me what the video is for and how long it should be, and I'll suggest a plan.",
    ),
    ZH: (
        "乐意帮忙！说说画面、氛围和时长，剩下的交给我。",
        "我可以生成视频、加音乐或标题，也可以剪辑你的素材。你想做什么？",
        "好问题！告诉我视频的用途和时长，我来给你出个方案。",
    ),
}

GUI_HINTS: dict[str, tuple[str, ...]] = {
    EN: (
        "When you're happy with it, click the Export button to download it.",
        "Open the timeline panel to fine-tune the cuts.",
        "You can also drag your files into the editor to add more footage.",
    ),
    ZH: (
        "满意的话，点击“导出”按钮即可下载。",
        "打开时间线面板可以微调剪辑点。",
        "你也可以拖拽文件到编辑器来添加更多镜头。",
    ),
}

# (words that ask for the mood, English name, Chinese name); the first match wins.
MUSIC: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("calm", "relax", "soft", "gentle", "安静", "舒缓", "轻柔", "放松"), "Warm Breeze (piano)", "温暖微风（钢琴）"),
    (("epic", "dramatic", "cinematic", "史诗", "震撼", "大气"), "Cinematic Rise", "电影感渐强"),
    (("city", "night", "lo-fi", "lofi", "城市", "夜"), "Lo-fi Hip Hop", "Lo-fi 嘻哈"),
    (("happy", "party", "upbeat", "energetic", "欢快", "活泼", "派对", "动感"), "Upbeat Pop", "欢快流行"),
    (("nature", "forest", "自然", "森林"), "Forest Morning (acoustic)", "森林清晨（原声）"),
    (("ocean", "sea", "beach", "海", "沙滩"), "Tidal Drift (ambient)", "潮汐漂流（氛围）"),
)
DEFAULT_MUSIC: tuple[tuple[str, str], ...] = (
    ("Cinematic Ambient", "电影氛围"),
    ("Lo-fi Hip Hop", "Lo-fi 嘻哈"),
    ("Warm Breeze (piano)", "温暖微风（钢琴）"),
    ("Upbeat Pop", "欢快流行"),
    ("Golden Hour (guitar)", "黄金时刻（吉他）"),
)
EFFECTS: dict[str, tuple[str, ...]] = {
    EN: ("fade-in", "zoom-in", "warm filter", "glitch", "slow motion"),
    ZH: ("淡入", "推近", "暖色滤镜", "故障风", "慢动作"),
}

_GREETING = re.compile(r"\b(hi|hello|hey)\b|你好|您好|嗨", re.IGNORECASE)
_ZH_TOPICS = (  # "关于猫咪的点子", "猫咪的创意", "关于猫咪"
    re.compile(r"^(?:关于)?(?P<subject>[^，。？！?!]{1,16}?)的?(?:点子|想法|创意|灵感)$"),
    re.compile(r"^关于(?P<subject>[^，。？！?!]{1,16})$"),
)
_REQUEST = re.compile(  # a sentence asking for something, not a topic
    r"^(?:please\s+)?(?:make|add|change|put|use|set|turn|give|show|let|remove|cut|trim|keep|try|do|can|could|"
    r"would|will|i|we|it|this|that|tell|help)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"\?|？|^(how|what|why|when|where|who|which|can|could|do|does|is|are|should|would|will)\b",
                       re.IGNORECASE)


def language(session_language: str, prompt: str) -> str:
    """The language to answer in: the prompt's (more Han characters than Latin words: Chinese), else the
    session's, for a prompt in neither ("30s", a link)."""
    han, latin = len(prompts.HAN.findall(prompt)), len(re.findall(r"[A-Za-z]{2,}", prompt))
    if han or latin:
        return ZH if han >= latin else EN
    return ZH if session_language.lower().startswith("zh") else EN


def say(lang: str, key: str, **fields: object) -> str:
    """A sentence of the table of `lang` (English when the language has no table)."""
    return LINES.get(lang, LINES[EN])[key].format(**fields)


def pick(options: Sequence[str], key: str) -> str:
    """A choice that is stable for the same key (tests can rely on it) but varies across prompts."""
    return options[zlib.crc32(key.encode()) % len(options)]


def _length(seconds: int, lang: str) -> str:
    """A length as the generate sentence puts it: "a 30-second", "an 8-second"; "30秒"."""
    if lang == ZH:
        return f"{seconds}秒"
    # "an 8-second", "an 11-second", "an 80-second": the article follows how the number is read.
    spoken_vowel = str(seconds).startswith("8") or seconds in (11, 18)
    return f"{'an' if spoken_vowel else 'a'} {seconds}-second"


def generate_intro(prompt: str, seconds: int, lang: str, source: str = "") -> str:
    """The sentence sent with the generate_video call: the length and what the video is of, in a sentence that
    reads well whatever the prompt was ("I'll generate a 30-second promo video with animations.")."""
    topic = prompts.topic_of(prompt)
    fields = {"length": _length(seconds, lang), "source": say(lang, "source", name=source) if source else ""}
    # A topic in the other language would read oddly inside the sentence: word it without the topic then.
    if topic.phrase and prompts.is_chinese(topic.phrase) == (lang == ZH):
        return say(lang, "generate", phrase=topic.phrase, **fields)
    if source:
        return say(lang, "generate_from", length=fields["length"], name=source)
    return say(lang, "generate_plain", **fields)


def title_for(prompt: str, lang: str) -> str:
    """The title of a video made for `prompt`."""
    return prompts.title_of(prompt) or say(lang, "default_title")


def music_for(prompt: str, lang: str, avoid: str = "") -> str:
    """A background track that fits the prompt's mood, in `lang`; never `avoid` (the track playing now)."""
    for words, english, chinese in MUSIC:
        name = chinese if lang == ZH else english
        if mentions(prompt, words) and name != avoid:
            return name
    names = [chinese if lang == ZH else english for english, chinese in DEFAULT_MUSIC]
    return pick([name for name in names if name != avoid], prompt)


def mentions(text: str, words: Sequence[str]) -> bool:
    """Whether the text has one of the words (English ones as whole words)."""
    return any(re.search(rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word), text, re.IGNORECASE)
               for word in words)


def join(lang: str, *sentences: str) -> str:
    """Sentences as one text: spaced in English, run on in Chinese."""
    return ("" if lang == ZH else " ").join(sentence for sentence in sentences if sentence)


def with_hint(text: str, prompt: str, lang: str, forced: str | None = None) -> str:
    """The text, followed by a GUI hint when the agent would add one (`forced`: that one, always)."""
    return join(lang, text, forced or gui_hint(prompt, lang) or "")


def effect_for(prompt: str, lang: str, used: Sequence[str]) -> str:
    """An effect not on the timeline yet (they repeat once all are used)."""
    fresh = [fx for fx in EFFECTS.get(lang, EFFECTS[EN]) if fx not in used]
    return pick(fresh or EFFECTS.get(lang, EFFECTS[EN]), prompt)


def generate_done(prompt: str, seconds: int, lang: str, title: str, music: str, hint: str | None = None) -> str:
    """The final text after stage 2 (music and title)."""
    return with_hint(say(lang, "done", title=title, seconds=seconds, music=music), prompt, lang, hint)


def gui_hint(prompt: str, lang: str) -> str | None:
    """A GUI-flavoured sentence the real agent tends to add; always when the user mentions export."""
    hints = GUI_HINTS.get(lang, GUI_HINTS[EN])
    if re.search(r"export|download|导出|下载", prompt, re.IGNORECASE):
        return hints[0]
    return pick((*hints, "", "", ""), prompt) or None


def _topic_subject(prompt: str, lang: str) -> str:
    """The subject of a prompt that names a topic ("ideas for a bakery promo", "关于猫咪的点子"), or ""."""
    text = prompt.strip()
    if lang == ZH:
        match = next((found for pattern in _ZH_TOPICS if (found := pattern.match(text))), None)
        return match.group("subject").rstrip("的") if match else ""
    clause = prompts.first_clause(text)
    if clause != text or _QUESTION.search(clause) or _REQUEST.match(clause) or not 1 < len(clause.split()) <= 10:
        return ""
    subject = prompts.topic_of(text).subject
    return "" if prompts.is_chinese(subject) else subject


def chat_reply(prompt: str, lang: str, hint: str | None = None) -> str:
    """A conversational reply that needs no tools."""
    lowered = prompt.lower()
    if _GREETING.search(lowered):
        body = say(lang, "hello")
    elif "credit" in lowered or "积分" in prompt:
        body = say(lang, "credits", generate=PRICES[Operation.GENERATE], edit=PRICES[Operation.EDIT])
    elif "upload" in lowered or "上传" in prompt:
        body = say(lang, "upload")
    elif subject := _topic_subject(prompt, lang):
        body = say(lang, "topic", subject=subject)
    else:
        body = pick(CHAT_LINES.get(lang, CHAT_LINES[EN]), prompt)
    return with_hint(body, prompt, lang, hint)
