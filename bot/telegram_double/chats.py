"""The simulated chats: building the world for tests (users, groups, admins, blocks, migrations),
resolving the chat of a bot write with Telegram's refusals, and the chat-info Bot API methods."""

from __future__ import annotations

import time

from .models import JSON, SimChat, SimUser
from .protocol import MIGRATED, ApiError, _as_int, _opt_int
from .updates import UpdatesMixin

# Sends that count against the flood buckets (edits and callback answers do not).
SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "copymessage", "forwardmessage", "sendlocation"}
)
# Methods that write into a chat and so hit the block / never-started / migration checks.
CHAT_WRITE_METHODS = SEND_METHODS | {"sendchataction"}


class ChatsMixin(UpdatesMixin):
    """Users, groups and the bot's membership in them."""

    # ------------------------------------------------------------------ world building

    def user(
        self,
        user_id: int,
        name: str,
        *,
        username: str | None = None,
        language_code: str | None = "id",
        started: bool = True,
    ) -> SimUser:
        """Create (or replace) a simulated user; "Budi Santoso" -> first/last name."""
        first, _, last = name.partition(" ")
        user = SimUser(user_id, first, last or None, username, language_code, started)
        self._users[user_id] = user
        return user

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        is_forum: bool = False,
        chat_type: str = "supergroup",
        bot_status: str = "left",
    ) -> SimChat:
        """Create a group; the bot is not in it until `add_bot_to_group` (or bot_status=...)."""
        chat = SimChat(chat_id, title, chat_type, is_forum, bot_status=bot_status)
        self._groups[chat_id] = chat
        return chat

    def set_admin(self, group: SimChat | int, user: SimUser | int, admin: bool = True, *, creator: bool = False) -> None:
        chat = self._group(group)
        uid = user if isinstance(user, int) else user.id
        chat.members.add(uid)
        if admin:
            chat.admins[uid] = "creator" if creator else "administrator"
        else:
            chat.admins.pop(uid, None)

    def create_topic(self, group: SimChat | int, name: str) -> int:
        """A user creates a forum topic; returns its message_thread_id."""
        chat = self._group(group)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        thread_id = self._new_mid(chat.id)
        chat.topics[thread_id] = name
        return thread_id

    async def add_bot_to_group(self, group: SimChat | int, by: SimUser, admin: bool = True) -> JSON:
        """`by` adds the bot (becoming the group's creator if it has none): my_chat_member update."""
        chat = self._group(group)
        if not any(s == "creator" for s in chat.admins.values()):
            self.set_admin(chat, by, True, creator=True)
        chat.members.add(by.id)
        return await self.change_bot_status(chat, "administrator" if admin else "member", by=by)

    async def remove_bot_from_group(self, group: SimChat | int, by: SimUser, *, kicked: bool = True) -> JSON:
        return await self.change_bot_status(group, "kicked" if kicked else "left", by=by)

    async def change_bot_status(self, group: SimChat | int, status: str, *, by: SimUser) -> JSON:
        """Change the bot's membership in a group and emit the my_chat_member update."""
        chat = self._group(group)
        old, chat.bot_status = chat.bot_status, status
        update = {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": int(time.time()),
            "old_chat_member": self._member_json(self.bot_user, old),
            "new_chat_member": self._member_json(self.bot_user, status),
        }
        self._enqueue("my_chat_member", update)
        return update

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: every later send is 403; Telegram tells the bot via my_chat_member."""
        self._blocked.add(user_id)
        if notify and user_id in self._users:
            self._private_member_update(self._users[user_id], "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        self._blocked.discard(user_id)
        if notify and user_id in self._users:
            self._private_member_update(self._users[user_id], "kicked", "member")

    def never_started(self, user_id: int) -> None:
        """The bot may not write first to this user until they send something."""
        self._users[user_id].started = False

    def deactivate(self, user_id: int) -> None:
        """The account is deleted: sends answer 403 "user is deactivated"."""
        self._deactivated.add(user_id)

    def migrate_group(self, old_id: int, new_id: int) -> SimChat:
        """Upgrade a group to a supergroup with a new id; sends to the old id then fail with 400."""
        old = self._group(old_id)
        new = SimChat(
            new_id, old.title, "supergroup", old.is_forum, dict(old.admins), set(old.members),
            old.bot_status, None, dict(old.topics),
        )  # fmt: skip
        old.migrated_to = new_id
        self._groups[new_id] = new
        if old.bot_status in ("member", "administrator"):
            actor = next(iter(old.admins), None)
            sender = self._users[actor].to_dict() if actor in self._users else self.bot_user
            now = int(time.time())
            for chat, key, value in ((old, "migrate_to_chat_id", new_id), (new, "migrate_from_chat_id", old_id)):
                msg: JSON = {
                    "message_id": self._new_mid(chat.id), "date": now, "chat": chat.to_dict(),
                    "from": sender, key: value,
                }  # fmt: skip
                self._messages[(chat.id, msg["message_id"])] = msg
                self._enqueue("message", msg)
        return new

    # ------------------------------------------------------------------ membership

    def _member_json(self, user: JSON, status: str) -> JSON:
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            return {
                "status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": True,
            }  # fmt: skip
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def _private_member_update(self, user: SimUser, old: str, new: str) -> None:
        self._enqueue(
            "my_chat_member",
            {
                "chat": user.chat_dict(),
                "from": user.to_dict(),
                "date": int(time.time()),
                "old_chat_member": self._member_json(self.bot_user, old),
                "new_chat_member": self._member_json(self.bot_user, new),
            },
        )

    # ------------------------------------------------------------------ the chat of a bot write

    def _writable_chat(self, params: JSON, method: str) -> tuple[int, JSON, SimChat | None]:
        """Resolve chat_id for a bot write, with Telegram's refusals in Telegram's order."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            cid = int(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if cid in self._users:
            user = self._users[cid]
            if method.lower() in CHAT_WRITE_METHODS:
                if cid in self._deactivated:
                    raise ApiError(403, "Forbidden: user is deactivated")
                if cid in self._blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if not user.started:
                    raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return cid, user.chat_dict(), None
        chat = self._groups.get(cid)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, MIGRATED, {"migrate_to_chat_id": chat.migrated_to})
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return cid, chat.to_dict(), chat

    # ------------------------------------------------------------------ Bot API chat methods

    async def _api_getChat(self, params: JSON) -> JSON:
        cid = _as_int(params.get("chat_id"), "chat_id")
        if cid in self._users:
            base = self._users[cid].chat_dict()
        elif cid in self._groups:
            chat = self._groups[cid]
            if chat.migrated_to is not None:
                raise ApiError(400, MIGRATED, {"migrate_to_chat_id": chat.migrated_to})
            base = chat.to_dict()
        else:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **base,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }  # fmt: skip

    def _status_in(self, chat: SimChat, user_id: int) -> str:
        if user_id == self.bot_id:
            return chat.bot_status
        if user_id in chat.admins:
            return chat.admins[user_id]
        return "member" if user_id in chat.members else "left"

    def _user_json(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        if user_id not in self._users:
            raise ApiError(400, "Bad Request: user not found")
        return self._users[user_id].to_dict()

    async def _api_getChatMember(self, params: JSON) -> JSON:
        cid = _as_int(params.get("chat_id"), "chat_id")
        uid = _as_int(params.get("user_id"), "user_id")
        if cid in self._users:
            if uid not in (cid, self.bot_id):
                raise ApiError(400, "Bad Request: user not found")
            return self._member_json(self._user_json(uid), "member")
        chat = self._groups.get(cid)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, MIGRATED, {"migrate_to_chat_id": chat.migrated_to})
        return self._member_json(self._user_json(uid), self._status_in(chat, uid))

    async def _api_getChatAdministrators(self, params: JSON) -> list[JSON]:
        cid = _as_int(params.get("chat_id"), "chat_id")
        if cid in self._users:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        chat = self._groups.get(cid)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        admins = [self._member_json(self._user_json(uid), status) for uid, status in chat.admins.items()]
        if chat.bot_status == "administrator":
            admins.append(self._member_json(self.bot_user, "administrator"))
        return admins

    async def _api_createForumTopic(self, params: JSON) -> JSON:
        cid, _, chat = self._writable_chat(params, "createForumTopic")
        if chat is None or not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        if chat.bot_status != "administrator":
            raise ApiError(400, "Bad Request: not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY" if not name else "Bad Request: TOPIC_TITLE_INVALID")
        thread_id = self._new_mid(cid)
        chat.topics[thread_id] = name
        return {"message_thread_id": thread_id, "name": name, "icon_color": _opt_int(params, "icon_color") or 7322096}

    async def _api_sendChatAction(self, params: JSON) -> bool:
        cid, _, _ = self._writable_chat(params, "sendChatAction")
        self.chat_actions.append((cid, str(params.get("action") or "")))
        return True
