"""What PTB calls: messages, albums and button presses in, engine work out; each returns at once, the work runs on."""

from __future__ import annotations

import logging

import httpx
from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.albums import Albums
from adapters.telegram.client import AnyApplication
from adapters.telegram.files import Downloader
from adapters.telegram.incoming import Me, Request, read_callback, read_messages
from adapters.telegram.options import PLATFORM, Options
from adapters.telegram.outgoing import TelegramOutgoing, TelegramPlatform
from adapters.telegram.sender import Sender, Where
from bot.engine.engine import Engine
from bot.engine.intake import handed_over, taken
from bot.engine.messages import Incoming

log = logging.getLogger(__name__)


class Handlers:
    """Reads messages, albums and button presses, and hands each to the engine with a way to reply."""

    def __init__(self, engine: Engine, bot: Bot, http: httpx.AsyncClient, options: Options) -> None:
        self._engine = engine
        self._bot = bot
        spawn = engine.background.spawn
        self.sender = Sender(bot, options)
        self.platform = TelegramPlatform(self.sender, options, spawn, engine)
        self._downloader = Downloader(bot, http)
        self.albums = Albums(options.album_wait, spawn, self._dispatch)

    def install(self, application: AnyApplication) -> None:
        """Add the handlers: a group's move to a supergroup, new messages only (an edit never starts a second job),
        and button presses."""
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_callback))
        application.add_error_handler(self.on_error)

    async def resume(self) -> int:
        """Resume renders a previous process left unfinished in Telegram chats."""
        return await self._engine.resume({PLATFORM: self.platform})

    async def close(self) -> None:
        """Stop the engine work started from Telegram (renders resume on the next start)."""
        await self._engine.background.close()

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A new message: album parts wait for their siblings, anything else goes straight on."""
        message = update.message
        if message is None:
            return
        if message.media_group_id:
            self.albums.add(message)
        else:
            self._dispatch([message])

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The service message of a group upgraded to a supergroup: the chat's work moves to the new id."""
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id:
            self.platform.reach.moved(Where(message.chat.id), message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            self.platform.reach.moved(Where(message.migrate_from_chat_id), message.chat.id)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: stop the button's spinner and route the action like a typed command."""
        query = update.callback_query
        if query is None:
            return
        self._engine.background.spawn(self._answer(query.id), name=f"tg-answer-{query.id}")
        request = read_callback(query)
        if request is not None:
            self._start(request)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what PTB caught (polling and handler failures)."""
        log.error("telegram update failed: %s", context.error, exc_info=context.error)

    async def _answer(self, query_id: str) -> None:
        try:
            await self._bot.answer_callback_query(query_id)
        except TelegramError as exc:
            # A press delivered twice, or answered too late: the action itself still runs once.
            log.info("callback query not answered: %s", exc)

    def _dispatch(self, messages: list[Message]) -> bool:
        """Start the request the messages make, if they make one; whether they did."""
        request = read_messages(messages, Me(self._bot.id, self._bot.username))
        if request is not None:
            self._start(request)
        return request is not None

    def _start(self, request: Request) -> None:
        chat = request.chat
        self.platform.reach.reopened(int(chat.chat_id))  # whoever blocked the bot wrote again
        incoming = Incoming(
            chat=chat, user_id=request.user_id, user_name=request.user_name, text=request.text,
            attachments=tuple(self._downloader.attachment(ref) for ref in request.files),
            locale=request.locale, message_id=request.message_id, direct=request.direct,
        )
        out = self.platform.reply(Where.of(chat), request.reply_to)
        handed_over()  # the engine settles the update's inbox receipt once the message is on record
        self._engine.background.spawn(self._turn(incoming, out), name=f"tg-turn-{chat}")

    async def _turn(self, incoming: Incoming, out: TelegramOutgoing) -> None:
        await self._engine.handle(incoming, out)
        await taken()  # one the engine refused before putting it on record is not handed on again either
        moved = out.chat
        if moved != incoming.chat:
            # The group became a supergroup during the turn, which kept writing under the old id: move it again.
            await self._engine.chat_moved(incoming.chat, moved)
