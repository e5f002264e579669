"""The humans' side: what tests make simulated users do (write, share, upload, press buttons)."""

from __future__ import annotations

import hashlib
import time

from .chats import ChatsMixin
from .files import FilesMixin
from .html_check import utf16_len
from .models import JSON, SentMessage, SimChat, SimUser
from .state import MessageRef


class HumansMixin(ChatsMixin, FilesMixin):
    """Turns a simulated user's action into the message or callback query update Telegram sends."""

    # ------------------------------------------------------------------ the humans' side

    async def send_message(
        self,
        user: SimUser,
        text: str,
        *,
        chat: SimChat | None = None,
        thread_id: int | None = None,
        reply_to: MessageRef | None = None,
    ) -> JSON:
        """The user writes `text` (privately, or in `chat`); returns the message, enqueues the update."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._user_message(user, chat, content, thread_id=thread_id, reply_to=reply_to)

    async def send_contact(
        self, user: SimUser, phone_number: str, *, chat: SimChat | None = None, own: bool = True
    ) -> JSON:
        """Share a contact; `own=True` is what a request_contact keyboard button sends."""
        contact: JSON = {"phone_number": phone_number, "first_name": user.first_name}
        if user.last_name:
            contact["last_name"] = user.last_name
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, chat, {"contact": contact})

    async def send_location(self, user: SimUser, latitude: float, longitude: float, *, chat: SimChat | None = None) -> JSON:
        return self._user_message(user, chat, {"location": {"latitude": latitude, "longitude": longitude}})

    async def send_photo(
        self, user: SimUser, *, caption: str | None = None, chat: SimChat | None = None, content: bytes = b"\xff\xd8\xff\xe0fakejpeg"
    ) -> JSON:
        stored = self._store_file(content, None, "image/jpeg", "photos", ".jpg")
        body: JSON = {"photo": [self._photo_size(stored)]}
        if caption:
            body["caption"] = caption
        return self._user_message(user, chat, body)

    async def send_document(
        self,
        user: SimUser,
        *,
        file_name: str = "document.pdf",
        caption: str | None = None,
        chat: SimChat | None = None,
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str | None = "application/pdf",
    ) -> JSON:
        stored = self._store_file(content, file_name, mime_type, "documents", "")
        body: JSON = {"document": self._document_json(stored)}
        if caption:
            body["caption"] = caption
        return self._user_message(user, chat, body)

    async def press_button(self, user: SimUser, message: MessageRef, data: str, *, force: bool = False) -> str:
        """Press an inline button; returns the callback query id.

        The data must be on the message's *current* keyboard; force=True sends it anyway (a
        stale button on an old message is something real users do).
        """
        sent = self._resolve_sent(message, user.id)
        if not force:
            if sent.deleted:
                raise ValueError(f"message {sent.message_id} was deleted; use force=True to simulate a stale tap")
            if data not in sent.callback_data():
                raise ValueError(f"{data!r} is not on message {sent.message_id}'s keyboard: {sent.callback_data()}")
        cq_id = str(next(self._callback_ids))
        self._callbacks[cq_id] = self._clock()
        digest = hashlib.sha1(f"{self.bot_id}:{sent.chat_id}".encode()).hexdigest()
        query: JSON = {
            "id": cq_id,
            "from": user.to_dict(),
            "message": dict(sent.message),
            "chat_instance": str(int(digest[:15], 16)),
            "data": data,
        }
        self._enqueue("callback_query", query)
        return cq_id

    def _resolve_sent(self, ref: MessageRef, default_chat: int) -> SentMessage:
        if isinstance(ref, SentMessage):
            return ref
        if isinstance(ref, dict):
            key = (int(ref["chat"]["id"]), int(ref["message_id"]))
        else:
            key = (default_chat, ref)
        if key not in self._sent_index:
            raise KeyError(f"the bot never sent message {key[1]} in chat {key[0]}")
        return self._sent_index[key]

    def _reply_target(self, ref: MessageRef, chat_id: int) -> JSON:
        if isinstance(ref, SentMessage):
            key = (ref.chat_id, ref.message_id)
        elif isinstance(ref, dict):
            key = (ref["chat"]["id"], ref["message_id"])
        else:
            key = (chat_id, ref)
        if key not in self._messages or key[0] != chat_id:
            raise KeyError(f"no message {key[1]} in chat {chat_id} to reply to")
        return self._messages[key]

    def _user_message(
        self,
        user: SimUser,
        chat: SimChat | None,
        content: JSON,
        *,
        thread_id: int | None = None,
        reply_to: MessageRef | None = None,
    ) -> JSON:
        if user.id not in self._users:
            self._users[user.id] = user
        if chat is None:
            chat_json = user.chat_dict()
            chat_id = user.id
            if user.id in self._blocked:
                self.unblock(user.id)  # writing to a blocked bot means pressing "Restart"
            user.started = True
            shown = self.reply_keyboards.get(user.id)
            if shown is not None and shown.get("one_time_keyboard"):
                self.reply_keyboards[user.id] = None  # one-time keyboards hide after use
        else:
            chat = self._group(chat)
            if chat.migrated_to is not None:
                raise ValueError(f"group {chat.id} migrated to {chat.migrated_to}; use the new chat")
            chat_json = chat.to_dict()
            chat_id = chat.id
            chat.members.add(user.id)
        msg: JSON = {
            "message_id": self._new_mid(chat_id),
            "from": user.to_dict(),
            "chat": chat_json,
            "date": int(time.time()),
        }
        target: JSON | None = None
        if reply_to is not None:
            target = self._reply_target(reply_to, chat_id)
            if thread_id is None:
                thread_id = target.get("message_thread_id")
        if chat is not None and chat.is_forum and thread_id is not None:
            if thread_id not in chat.topics:
                raise ValueError(f"no topic {thread_id} in forum {chat.id}")
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if target is not None:
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        msg.update(content)
        self._messages[(chat_id, msg["message_id"])] = msg
        if chat is None or self._group_sees(chat, msg, target):
            self._enqueue("message", msg)
        return msg

    def _group_sees(self, chat: SimChat, msg: JSON, target: JSON | None) -> bool:
        """Group privacy mode: the bot gets commands and replies to itself, unless it is admin."""
        if chat.bot_status not in ("member", "administrator"):
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if target is not None and target.get("from", {}).get("id") == self.bot_id:
            return True
        text = msg.get("text", "")
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            addressee = command.partition("@")[2]
            return not addressee or addressee.lower() == self.bot_username.lower()
        return False
