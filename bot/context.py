"""The typed callback context: handlers reach services as `context.services`.

PTB builds one context per update and hands the same one to every handler (and wrapper) that
runs for it, so it is also the per-update cache of who is asking: their member row and reading
language (`reader`) and their memberships are read at most once per update, however many
helpers ask. A new update gets a new context, so a role or language change is seen by the next
update; a handler that changes the reader's own row mid-update calls `forget_reader()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import User
from telegram.ext import Application, CallbackContext, ExtBot

from storage.models import Member, Membership

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Reader:
    """The person an update came from, as read once for that update."""

    user_id: int
    member: Member | None
    language: str


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._readers: dict[int, Reader] = {}
        self._memberships: dict[int, list[Membership]] = {}

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    async def reader(self, user: User) -> Reader:
        """The asker's member row and language: their saved choice, else the one picked before
        joining, else Telegram's app language (English or not), else the bot's default."""
        cached = self._readers.get(user.id)
        if cached is not None:
            return cached
        services = self.services
        member = await services.members.get(user.id)
        if member is not None:
            lang = member.language
        else:
            chosen = self.user_data.get("language") if self.user_data is not None else None
            if chosen:
                lang = str(chosen)
            elif user.language_code and user.language_code.startswith("en"):
                lang = "en"
            else:
                lang = services.settings.bot.default_language
        reader = Reader(user_id=user.id, member=member, language=lang)
        self._readers[user.id] = reader
        return reader

    async def memberships(self, user_id: int) -> list[Membership]:
        """The user's active memberships, read once per update (not for permission checks:
        those go through bot/access.py, which reads fresh)."""
        cached = self._memberships.get(user_id)
        if cached is None:
            cached = await self.services.members.memberships_of(user_id)
            self._memberships[user_id] = cached
        return list(cached)

    def forget_reader(self) -> None:
        """The handler changed the asker's own row (language, membership): read it again."""
        self._readers.clear()
        self._memberships.clear()


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
