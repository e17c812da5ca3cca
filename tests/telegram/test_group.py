"""Groups: one session per group and per forum topic; the bot answers commands, mentions and replies to it."""

from __future__ import annotations

from tests.harness import probe_video
from tests.telegram.conftest import Tg
from tests.telegram.updates import ADA, BOB, GROUP, bot_message

GID = GROUP["id"]
TOPIC = 77


async def test_mention_then_command_in_a_topic_delivers_a_video_naming_the_requester(tg: Tg) -> None:
    ask = tg.updates.message(chat=GROUP, thread=TOPIC, text="@nemo_test_bot make a video of a dog on a skateboard")
    await tg.deliver(tg.updates.of(ask))

    assert await tg.prompts() == ["make a video of a dog on a skateboard"]
    shown = tg.fake.chat(GID)
    assert {m.thread_id for m in shown} == {TOPIC}
    assert shown[0].reply_to == ask["message_id"]  # in a group the bot answers the person who asked

    export = tg.updates.message(chat=GROUP, thread=TOPIC, text="/export@nemo_test_bot")
    await tg.deliver(tg.updates.of(export))

    [video] = tg.fake.videos(GID)
    assert video.text.startswith("🎬 Ada Lovelace, your video is ready (")
    assert video.thread_id == TOPIC
    assert video.reply_to == export["message_id"]
    assert video.video["supports_streaming"] is True
    assert (video.video["width"], video.video["height"]) == (640, 360)
    assert video.video["duration"] >= 1
    path = tg.harness.folder / "delivered.mp4"
    path.write_bytes(video.video["content"])
    seconds, size = probe_video(path)
    assert size == "640x360"
    assert abs(seconds - video.video["duration"]) < 1.5


async def test_each_forum_topic_and_the_general_topic_have_their_own_session(tg: Tg) -> None:
    await tg.deliver(
        tg.updates.text("@nemo_test_bot hello", chat=GROUP, thread=TOPIC),
        tg.updates.text("@nemo_test_bot hello", chat=GROUP, thread=TOPIC + 1),
        tg.updates.text("@nemo_test_bot hello", chat=GROUP),
    )
    await tg.deliver(tg.updates.text("/status", chat=GROUP, thread=TOPIC))

    assert len(await tg.nemo_calls("/api/tasks/me/with-session/")) == 3
    assert {m.thread_id for m in tg.fake.chat(GID)} == {TOPIC, TOPIC + 1, None}


async def test_group_messages_not_for_the_bot_are_ignored(tg: Tg) -> None:
    someone = tg.updates.message(chat=GROUP, user=BOB, text="anyone seen my keys?")
    await tg.deliver(
        tg.updates.of(someone),
        tg.updates.text("/export@other_bot", chat=GROUP),
        tg.updates.text("/poll what to watch", chat=GROUP),
        tg.updates.text("@someone_else make a video", chat=GROUP),
        # a reply to a person is not a reply to the bot
        tg.updates.text("me neither", chat=GROUP, reply_to=someone),
    )

    assert tg.fake.calls_to("sendMessage") == []
    assert await tg.nemo_calls("/api/tasks/") == []
    assert await tg.prompts() == []


async def test_a_reply_to_the_bot_and_a_bare_command_are_answered(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("/credits", chat=GROUP, user=BOB))
    assert tg.fake.texts(GID)[-1].startswith("💳 Credits:")

    mine = bot_message(4242, GROUP)
    await tg.deliver(tg.updates.text("hello, what can you do", chat=GROUP, user=BOB, reply_to=mine))
    assert await tg.prompts() == ["hello, what can you do"]


async def test_a_topic_starter_is_not_mistaken_for_a_reply_to_the_bot(tg: Tg) -> None:
    created = {**bot_message(5, GROUP, text=""), "forum_topic_created": {"name": "Ideas", "icon_color": 7322096}}
    created.pop("text")
    await tg.deliver(tg.updates.text("random chatter", chat=GROUP, thread=TOPIC, reply_to=created))

    assert tg.fake.calls_to("sendMessage") == []


async def test_button_press_in_a_group_names_the_presser_on_the_video(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("@nemo_test_bot make a video of the sea", chat=GROUP, user=ADA))
    under = tg.fake.chat(GID)[-1]
    assert under.buttons[0] == ("🎞 Export", "export")

    press = tg.updates.button("export", bot_message(under.message_id, GROUP), user=BOB)
    await tg.deliver(press)

    assert [c.params["callback_query_id"] for c in tg.fake.calls_to("answerCallbackQuery")] == [
        press["callback_query"]["id"]
    ]
    [video] = tg.fake.videos(GID)
    assert video.text.startswith("🎬 Bob, your video is ready (")


async def test_a_link_standing_in_for_the_video_names_the_requester(tg: Tg) -> None:
    ask = tg.updates.message(chat=GROUP, thread=TOPIC, text="@nemo_test_bot make a video of a dog on a skateboard")
    await tg.deliver(tg.updates.of(ask))
    tg.fake.fail("sendVideo", 413, "Request Entity Too Large", html=True)
    await tg.deliver(tg.updates.of(tg.updates.message(chat=GROUP, thread=TOPIC, text="/export@nemo_test_bot")))

    assert tg.fake.videos(GID) == []
    note = tg.fake.texts(GID)[-1]
    assert note.startswith("Ada Lovelace, the video is ")
    assert note.splitlines()[-1].startswith(f"{tg.harness.sim.url}/cdn/")
