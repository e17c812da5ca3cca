"""Per-chat sessions and the upload step that comes before an agent turn."""

from __future__ import annotations

import asyncio
import time

from bot.engine.config import EngineConfig
from bot.engine.explain import Operation, explain
from bot.engine.messages import Attachment, Incoming
from bot.engine.ports import NemoApi, SessionStore
from bot.engine.replies import Replies
from bot.engine.routing import Intent, Route
from bot.engine.uploads import Uploader, UploadRefused, check, describe, media_urls, url_name
from bot.i18n import language_tag, say
from bot.nemo.errors import NemoError, SessionNotFound
from bot.store.keys import ChatKey
from bot.store.models import ChatSession


class Turns:
    """Finds or makes the chat's session, and uploads what a message carries."""

    def __init__(self, nemo: NemoApi, store: SessionStore, config: EngineConfig) -> None:
        self._nemo = nemo
        self._store = store
        self._uploader = Uploader(nemo, config)
        self._config = config
        self._unsaved: dict[ChatKey, ChatSession] = {}  # sessions made for a chat whose save failed

    async def session(self, msg: Incoming, out: Replies) -> ChatSession:
        """The chat's Nemo session; the first contact creates it and says so."""
        session, _ = await self.find_or_create(msg, out)
        return session

    async def find_or_create(self, msg: Incoming, out: Replies) -> tuple[ChatSession, bool]:
        """The chat's Nemo session, and whether it is new (made for this message, so its project is empty)."""
        found = await self._store.get_session(msg.chat)
        if found is not None:
            return found, False
        await out.send_text(say("setting_up", msg.locale))
        # A session made for this chat whose save failed is used now, never made twice (no orphan projects); a
        # session another request saved first is the chat's, and this one is not kept.
        session = self._unsaved.get(msg.chat) or await self._new(msg.locale)
        self._unsaved[msg.chat] = session
        kept = await self._store.claim_session(msg.chat, session)
        del self._unsaved[msg.chat]
        await out.send_text(say("ready", msg.locale))
        return kept, kept == session

    async def replace(self, chat: ChatKey, locale: str, gone: str | None = None) -> ChatSession:
        """A new session for a chat whose project expired (1002), made without the first-contact messages (the
        caller tells the person once); with `gone`, a chat that has moved on to another session keeps that one."""
        if gone is not None:
            current = await self._store.get_session(chat)
            if current is not None and current.session_id != gone:
                return current
        await self._store.drop_session(chat)
        return await self._create(chat, locale)

    async def _create(self, chat: ChatKey, locale: str) -> ChatSession:
        session = await self._new(locale)
        await self._store.put_session(chat, session)
        return session

    async def _new(self, locale: str) -> ChatSession:
        language = language_tag(locale)
        created = await self._nemo.create_session(language)
        return ChatSession(
            session_id=created.session_id, task_id=created.task_id, language=language,
            created_at=time.time(), user_id=created.user_id,
        )

    async def screen(self, msg: Incoming, decision: Route, out: Replies) -> tuple[Attachment, ...] | None:
        """Check files and URLs before anything is set up or sent; None when nothing is left to do."""
        items = list(msg.attachments)
        urls = decision.urls if decision.intent is Intent.UPLOAD else tuple(media_urls(decision.urls))
        unnamed = say("attachment_unnamed", msg.locale)
        items += [Attachment(name=url_name(url) or unnamed, url=url) for url in urls]
        if decision.intent is Intent.UPLOAD and not items:
            await out.send_text(say("upload_nothing", msg.locale))
            return None
        if not items:
            return ()
        # Off the loop: files already on disk are looked at (their size now, their first bytes).
        checked = await asyncio.to_thread(check, items, self._config, msg.locale, out.limits)
        for refusal in checked.refusals:
            await out.send_text(refusal, private=True)
        if items and not checked.accepted:
            return None
        return checked.accepted

    async def upload(
        self, session: ChatSession, msg: Incoming, decision: Route, items: tuple[Attachment, ...], out: Replies,
    ) -> tuple[ChatSession, str]:
        """Upload the screened files and URLs; returns the session they went into (a new one when the project had
        expired) and the text still meant for the agent ("" to stop)."""
        if not items:
            return session, decision.text
        session, uploaded = await self._upload(session, msg, items, out)
        if not uploaded:
            return session, ""
        if not decision.text:
            await out.send_text(say("upload_next", msg.locale))
        return session, decision.text

    async def _upload(
        self, session: ChatSession, msg: Incoming, items: tuple[Attachment, ...], out: Replies, *, again: bool = False,
    ) -> tuple[ChatSession, bool]:
        """One upload under its own progress line, which ends saying what became of it; whether it went through."""
        progress = await out.start_progress(say("uploading", msg.locale, count=len(items)))
        try:
            files = await self._uploader.upload(session.session_id, items, msg.locale, out.limits)
        except UploadRefused as refused:
            await progress.finish(str(refused))
            return session, False
        except SessionNotFound as exc:
            if again:
                await progress.finish(self._explain(exc, msg.locale))
                return session, False
            # Uploads are free: the files go into a new project, and this line tells the person so, once.
            try:
                session = await self.replace(msg.chat, msg.locale)
            except NemoError as failed:
                await progress.finish(self._explain(failed, msg.locale))
                return session, False
            await progress.finish(say("session_restarted", msg.locale))
            return await self._upload(session, msg, items, out, again=True)
        except NemoError as exc:
            await progress.finish(self._explain(exc, msg.locale))
            return session, False
        except asyncio.CancelledError:
            await progress.finish(say("cancelled", msg.locale))
            raise
        await progress.finish(say("uploaded", msg.locale, files=describe(files, msg.locale)))
        return session, True

    def _explain(self, exc: NemoError, locale: str) -> str:
        return explain(exc, locale, self._config.web_url, during=Operation.UPLOAD)
