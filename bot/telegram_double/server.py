"""An in-process fake of the Telegram Bot API server, spoken to over real HTTP.

The bot under test talks to it exactly as to api.telegram.org (PTB's own httpx client, long
polling included); tests play the humans through methods such as `send_message` and
`press_button`, then look at what the bot sent. Error wording, JSON shapes and flood limits
follow Telegram so the bot's error handling is exercised for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from .html_check import HtmlParseError, ParsedText, parse_html, utf16_len
from .limits import FloodLimiter, FloodLimits
from .models import JSON, Fault, RequestRecord, SentMessage, SimChat, SimUser

__all__ = ["ApiError", "TelegramDouble"]

log = logging.getLogger(__name__)

ChatRef = int | SimUser | SimChat
MessageRef = SentMessage | JSON | int

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# Sends that count against the flood buckets (edits and callback answers do not).
SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "copymessage", "forwardmessage", "sendlocation"}
)
# Methods that write into a chat and so hit the block / never-started / migration checks.
CHAT_WRITE_METHODS = SEND_METHODS | {"sendchataction"}
# Telegram's default allowed_updates leaves these out.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional ResponseParameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        data: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def _retry_error(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str | None


@dataclass
class _Event:
    """One bot output in a chat (a send or an edit), for `wait_for`."""

    seq: int
    chat_id: int
    kind: str  # "send" | "edit"
    message: SentMessage
    index: int  # position of the message in sent(chat_id)


def _canon(value: Any) -> str:
    """Canonical JSON, for "is this markup the same" comparisons."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def _opt_int(params: JSON, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return _as_int(value, name)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _as_json(params: JSON, name: str) -> Any:
    """Form/multipart bodies carry objects as JSON strings; JSON bodies carry them inline."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    return value


def _chat_id_for_log(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TelegramDouble:
    """A local Telegram Bot API server with simulated users, groups, limits and faults."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "kades_test_bot",
        rtt: float = 0.0,
        enforce_limits: bool = True,
        *,
        bot_first_name: str = "Kades Test Bot",
        limits: FloodLimits | None = None,
        privacy_mode: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_ttl: float = 15 * 60,
        strict_ampersand: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.rtt = rtt
        self.enforce_limits = enforce_limits
        self.privacy_mode = privacy_mode
        self.callback_ttl = callback_ttl
        self.strict_ampersand = strict_ampersand
        self.host = host
        self.port = port
        self._clock = clock
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.limiter = FloodLimiter(limits)

        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimChat] = {}
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        self._next_mid: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}  # every message, user's and bot's
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._events: list[_Event] = []
        self._chat_events: dict[int, list[_Event]] = {}  # the same events, per chat, for wait_for
        # Per-chat wake-ups: hundreds of waiters in a benchmark must not all wake on every event.
        self._chat_wakeups: dict[int, asyncio.Event] = {}
        self._index_in_chat: dict[tuple[int, int], int] = {}  # O(1) positions for big benchmarks
        self._sent_per_chat: dict[int, int] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._wait_cursor: dict[int, int] = {}

        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret = ""
        self._pusher: asyncio.Task[None] | None = None
        # Answers the bot's webhook gave to the double's pushes (status codes), in order.
        self.webhook_responses: list[int] = []

        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._callbacks: dict[str, float] = {}
        self.answered_callbacks: dict[str, JSON] = {}

        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)

        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.reply_keyboards: dict[int, JSON | None] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self._pinned: dict[int, list[int]] = {}
        self._faults: list[Fault] = []
        self.request_log: list[RequestRecord] = []
        self._last_activity = self._clock()

        # Waiters hold the current event; _notify() sets it and installs a fresh one, so sync
        # code (block(), set_admin()) can wake async waiters without taking a lock.
        self._wakeup = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None

        self._methods: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            name.lower(): getattr(self, f"_api_{name}")
            for name in (
                "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "logOut",
                "close", "sendMessage", "editMessageText", "editMessageReplyMarkup",
                "editMessageCaption", "answerCallbackQuery", "deleteMessage", "sendDocument",
                "sendPhoto", "sendMediaGroup", "sendLocation", "copyMessage", "forwardMessage", "getFile",
                "pinChatMessage", "unpinChatMessage", "unpinAllChatMessages", "setMyCommands",
                "getMyCommands", "deleteMyCommands", "getChat", "getChatMember",
                "getChatAdministrators", "createForumTopic", "sendChatAction",
                "setChatMenuButton", "getChatMenuButton", "setMyDescription",
                "setMyShortDescription", "setMyName",
            )
        }  # fmt: skip

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the HTTP server (ephemeral port by default)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)  # Telegram allows 50 MB uploads
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not linger.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        self._closing = True
        self._notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.base_url}/file/bot"

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

    def inject(self, fault: Fault) -> Fault:
        """Make matching API calls fail (see Fault)."""
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

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

    # ------------------------------------------------------------------ observing the bot

    def sent(self, chat_id: ChatRef | None = None) -> list[SentMessage]:
        if chat_id is None:
            return list(self._sent)
        cid = self._chat_id(chat_id)
        return [m for m in self._sent if m.chat_id == cid]

    def last(self, chat_id: ChatRef) -> SentMessage:
        messages = self.sent(chat_id)
        if not messages:
            raise LookupError(f"the bot sent nothing to chat {self._chat_id(chat_id)}")
        return messages[-1]

    def pinned(self, chat_id: ChatRef) -> list[int]:
        return list(self._pinned.get(self._chat_id(chat_id), []))

    def keyboard(self, chat_id: ChatRef) -> JSON | None:
        """The reply keyboard the user currently sees in that chat, if any."""
        return self.reply_keyboards.get(self._chat_id(chat_id))

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        return list(self.commands.get((scope, language_code), []))

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_for(
        self,
        chat_id: ChatRef,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the agreed test API
        after: int | None = None,
    ) -> SentMessage:
        """Wait for the next bot message (new or edited) in the chat that matches `predicate`.

        after=None: continue from the last message this method returned for the chat (so
        consecutive calls walk through the conversation, and a reply that arrived before the
        call is not missed). after=N: only messages at index >= N of sent(chat_id), or edits
        that happen after this call.
        """
        cid = self._chat_id(chat_id)
        start_seq = len(self._events)
        seen_seq = self._wait_cursor.get(cid, 0) if after is None else 0
        position = 0  # index into this chat's own event list
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            events = self._chat_events.get(cid, [])
            for event in events[position:]:
                if event.seq < seen_seq:
                    continue
                if after is not None:
                    fresh = event.index >= after if event.kind == "send" else event.seq >= start_seq
                    if not fresh:
                        continue
                if predicate is None or predicate(event.message):
                    self._wait_cursor[cid] = event.seq + 1
                    return event.message
            position = len(events)
            wakeup = self._chat_wakeups.setdefault(cid, asyncio.Event())
            remaining = deadline - asyncio.get_running_loop().time()
            woke = False
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), remaining)
                    woke = True
            if not woke:
                seen = [m.text[:60] for m in self.sent(cid)[-5:]]
                raise TimeoutError(f"no matching bot message in chat {cid} within {timeout}s; last sent: {seen}")

    async def wait_for_answer(self, callback_query_id: str, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """Wait until the bot has answered this callback query; return the answer.

        Reading `answered_callbacks` right after `press_button` races the bot: wait on this.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while callback_query_id not in self.answered_callbacks:
            if not await self._wait_change(deadline):
                raise TimeoutError(f"callback query {callback_query_id} not answered within {timeout}s")
        return self.answered_callbacks[callback_query_id]

    def _add_event(self, event: _Event) -> None:
        self._events.append(event)
        self._chat_events.setdefault(event.chat_id, []).append(event)
        wakeup = self._chat_wakeups.pop(event.chat_id, None)
        if wakeup is not None:
            wakeup.set()

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every update and made no API call for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = self._clock() - self._last_activity
            if not self._updates and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"bot not idle after {timeout}s: {len(self._updates)} unconfirmed updates")
            await asyncio.sleep(max(0.01, min(quiet - idle_for, 0.05)))

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reply(method, None, ApiError(401, "Unauthorized"))
        handler = self._methods.get(method.lower())
        if handler is None:
            return self._reply(method, None, ApiError(404, "Not Found"))
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            return self._reply(method, None, exc)
        chat_id = _chat_id_for_log(params.get("chat_id"))
        polling = method.lower() == "getupdates"
        if not polling:
            self._last_activity = self._clock()
        # A round trip is two one-way trips: the request reaches "Telegram" after rtt/2 (that is
        # when a message is recorded as sent), the answer reaches the bot rtt/2 later.
        if self.rtt > 0:
            await asyncio.sleep(self.rtt / 2)
        try:
            await self._apply_faults(method, chat_id)
            result: Any = await handler(params)
            outcome: ApiError | Any = result
        except ApiError as exc:
            outcome = exc
        if not polling:
            self._last_activity = self._clock()
        if self.rtt > 0:
            await asyncio.sleep(self.rtt / 2)
        return self._reply(method, chat_id, outcome, ok=not isinstance(outcome, ApiError))

    def _reply(self, method: str, chat_id: int | None, outcome: Any, ok: bool = False) -> web.Response:
        if ok:
            status, body = 200, {"ok": True, "result": outcome}
        else:
            assert isinstance(outcome, ApiError)
            status, body = outcome.code, outcome.body()
        self.request_log.append(RequestRecord(self._clock(), method, chat_id, status))
        return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _read_params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON") from None
            if isinstance(body, dict):
                params.update(body)
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = _Upload(value.filename, value.file.read(), value.content_type)
            else:
                params[key] = value
        return params

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        stored = self._files[file_id]
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    async def _apply_faults(self, method: str, chat_id: int | None) -> None:
        for fault in self._faults:
            if not fault.matches(method, chat_id):
                continue
            fault.hits += 1
            kind = fault.error
            if kind == "slow":
                await asyncio.sleep(fault.delay)
                return  # then answer normally
            if kind == "429":
                raise _retry_error(fault.retry_after)
            if kind == "403_blocked":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if kind == "403_deactivated":
                raise ApiError(403, "Forbidden: user is deactivated")
            if kind == "400_chat_not_found":
                raise ApiError(400, "Bad Request: chat not found")
            if kind == "500":
                raise ApiError(500, "Internal Server Error")
            if kind == "502":
                raise ApiError(502, "Bad Gateway")
            if kind == "migrate":
                new_id = fault.migrate_to_chat_id or -1_009_999_999_999
                raise ApiError(400, MIGRATED, {"migrate_to_chat_id": new_id})

    # ------------------------------------------------------------------ internals

    def _notify(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    async def _wait_change(self, deadline: float) -> bool:
        """Sleep until something changes or the deadline passes; False on deadline."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            return False
        return True

    def _enqueue(self, kind: str, payload: JSON) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._notify()
        self._ensure_pusher()

    # ------------------------------------------------------------------ webhook delivery

    def _ensure_pusher(self) -> None:
        if self._webhook_url and not self._closing and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.get_running_loop().create_task(self._push_updates())

    async def _push_updates(self) -> None:
        """Deliver pending updates to the webhook one at a time, in order, as Telegram does:
        with the secret header when one was set; an update leaves only on a 2xx answer,
        otherwise it is tried again after a pause."""
        async with aiohttp.ClientSession() as session:
            while self._webhook_url and not self._closing:
                batch = self._deliverable()
                if not batch:
                    await self._wait_change(asyncio.get_running_loop().time() + 1.0)
                    continue
                update = batch[0]
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                try:
                    async with session.post(self._webhook_url, data=json.dumps(update), headers=headers,
                                            timeout=aiohttp.ClientTimeout(total=60)) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_responses.append(status)
                if 200 <= status < 300:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                else:
                    await asyncio.sleep(0.5)

    def _chat_id(self, ref: ChatRef) -> int:
        return ref if isinstance(ref, int) else ref.id

    def _group(self, ref: SimChat | int) -> SimChat:
        cid = self._chat_id(ref)
        if cid not in self._groups:
            raise KeyError(f"unknown group {cid}; create it with double.group(...)")
        return self._groups[cid]

    def _new_mid(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        return mid

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

    def _store_file(self, content: bytes, name: str | None, mime: str | None, folder: str, ext: str) -> _StoredFile:
        n = next(self._file_counter)
        digest = hashlib.sha1(content + str(n).encode()).hexdigest()
        prefix = "AgAC" if folder == "photos" else "BQAC"
        suffix = ext or (name.rsplit(".", 1)[-1].join((".", "")) if name and "." in name else "")
        stored = _StoredFile(
            file_id=f"{prefix}AgADfake{digest[:24]}",
            file_unique_id=f"AQAD{digest[24:36]}",
            file_path=f"{folder}/file_{n}{suffix}",
            content=content,
            file_name=name,
            mime_type=mime,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored.file_id
        return stored

    @staticmethod
    def _photo_size(stored: _StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": len(stored.content),
        }

    @staticmethod
    def _document_json(stored: _StoredFile) -> JSON:
        data: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    # ---- checks shared by the sending methods

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

    def _parse_text(self, text: str, parse_mode: Any, *, caption: bool) -> ParsedText:
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            try:
                parsed = parse_html(text, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        else:
            # Markdown modes are not parsed: length is checked on the raw text.
            parsed = ParsedText(text=text)
        if caption:
            if len(parsed.text) > MAX_CAPTION:
                raise ApiError(400, "Bad Request: message caption is too long")
        else:
            if not parsed.text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if len(parsed.text) > MAX_TEXT:
                raise ApiError(400, "Bad Request: message is too long")
        return parsed

    def _check_markup(self, markup: Any, *, inline_only: bool = False) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: field \"inline_keyboard\" must be an Array")
            for row in rows:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None:
                        size = len(str(data).encode("utf-8"))
                        if size == 0 or size > MAX_CALLBACK_DATA:
                            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    url = button.get("url")
                    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                    actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
                    if not actions:
                        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return markup

    def _reply_to(self, params: JSON, chat_id: int) -> JSON | None:
        ref = _as_json(params, "reply_parameters")
        mid = _opt_int(params, "reply_to_message_id")
        allow_missing = _as_bool(params.get("allow_sending_without_reply", False))
        if isinstance(ref, dict):
            mid = _as_int(ref.get("message_id"), "message_id")
            allow_missing = bool(ref.get("allow_sending_without_reply", allow_missing))
            if ref.get("chat_id") not in (None, chat_id):
                chat_id = _as_int(ref["chat_id"], "chat_id")
        if mid is None:
            return None
        target = self._messages.get((chat_id, mid))
        if target is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    def _thread(self, params: JSON, chat: SimChat | None, reply: JSON | None) -> int | None:
        thread_id = _opt_int(params, "message_thread_id")
        if thread_id is None and reply is not None:
            thread_id = reply.get("message_thread_id")
        if chat is None or not chat.is_forum:
            return None
        if thread_id is not None and thread_id not in chat.topics:
            raise ApiError(400, "Bad Request: message thread not found")
        return thread_id

    def _take_flood_token(self, chat_id: int, chat: SimChat | None) -> None:
        if not self.enforce_limits:
            return
        retry = self.limiter.acquire(chat_id, chat is not None, self._clock())
        if retry:
            raise _retry_error(retry)

    def _record_bot_message(
        self,
        params: JSON,
        method: str,
        *,
        kind: str,
        body: JSON,
        parsed: ParsedText | None,
        raw_text: str,
        markup: JSON | None,
        stored: _StoredFile | None = None,
    ) -> JSON:
        """Common tail of every send: limits, message JSON, bookkeeping, wake-ups."""
        cid, chat_json, chat = self._writable_chat(params, method)
        reply = self._reply_to(params, cid)
        thread_id = self._thread(params, chat, reply)
        self._take_flood_token(cid, chat)
        msg: JSON = {
            "message_id": self._new_mid(cid),
            "from": self.bot_user,
            "chat": chat_json,
            "date": int(time.time()),
        }
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = {k: v for k, v in reply.items() if k != "reply_to_message"}
        msg.update(body)
        text_key = "text" if kind == "text" else "caption"
        if parsed is not None and (parsed.text or kind == "text"):
            msg[text_key] = parsed.text
            if parsed.entities:
                msg["entities" if kind == "text" else "caption_entities"] = parsed.entities
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = markup  # Telegram echoes only inline keyboards
        link_preview = _as_json(params, "link_preview_options")
        if link_preview and kind == "text":
            msg["link_preview_options"] = link_preview
        sent = SentMessage(
            message_id=msg["message_id"],
            chat_id=cid,
            thread_id=thread_id,
            text=parsed.text if parsed else "",
            parse_mode=params.get("parse_mode") or None,
            html=raw_text,
            reply_markup=markup if markup is not None and "inline_keyboard" in markup else None,
            kind=kind,
            date=msg["date"],
            entities=parsed.entities if parsed else [],
            file_id=stored.file_id if stored else None,
            file_name=stored.file_name if stored else None,
            file_bytes=stored.content if stored else None,
            mime_type=stored.mime_type if stored else None,
            location=body.get("location"),
            reply_to_message_id=reply["message_id"] if reply else None,
            disable_notification=_as_bool(params.get("disable_notification", False)),
            link_preview_options=link_preview if isinstance(link_preview, dict) else None,
            message=msg,
        )
        if markup is not None and "inline_keyboard" not in markup:
            sent.reply_markup = markup
            self.reply_keyboards[cid] = None if markup.get("remove_keyboard") else markup
        self._messages[(cid, sent.message_id)] = msg
        self._sent.append(sent)
        self._sent_index[(cid, sent.message_id)] = sent
        index = self._sent_per_chat.get(cid, 0)
        self._sent_per_chat[cid] = index + 1
        self._index_in_chat[(cid, sent.message_id)] = index
        self._add_event(_Event(len(self._events), cid, "send", sent, index))
        self._notify()
        return msg

    def _upload(self, params: JSON, field: str, folder: str, ext: str) -> _StoredFile:
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if isinstance(value, _Upload):
            if not value.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self._store_file(value.content, value.filename, value.content_type, folder, ext)
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1] or None
                return self._store_file(b"", name, None, folder, ext)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {field} in the request")

    def _edit_target(self, params: JSON) -> SentMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")  # inline mode is not simulated
        cid, _, _ = self._writable_chat(params, "edit")
        mid = _opt_int(params, "message_id")
        sent = self._sent_index.get((cid, mid or 0))
        if sent is None or sent.deleted:
            if (cid, mid or 0) in self._messages and sent is None:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return sent

    def _apply_edit(self, sent: SentMessage, *, parsed: ParsedText | None, raw: str | None, parse_mode: Any, markup: JSON | None) -> JSON:
        new_text = parsed.text if parsed is not None else sent.text
        new_entities = parsed.entities if parsed is not None else sent.entities
        if (
            new_text == sent.text
            and _canon(new_entities) == _canon(sent.entities)
            and _canon(markup) == _canon(sent.reply_markup)
        ):
            raise ApiError(400, NOT_MODIFIED)
        if sent.chat_id in self._groups:  # edits in groups count toward the group's limit
            self._take_flood_token(sent.chat_id, self._groups[sent.chat_id])
        sent.edit_history.append(
            {
                "text": sent.text,
                "html": sent.html,
                "parse_mode": sent.parse_mode,
                "entities": sent.entities,
                "reply_markup": sent.reply_markup,
            }
        )
        text_key = "text" if sent.kind == "text" else "caption"
        ent_key = "entities" if sent.kind == "text" else "caption_entities"
        msg = sent.message
        if parsed is not None:
            sent.text, sent.entities, sent.html = parsed.text, parsed.entities, raw or ""
            sent.parse_mode = parse_mode or None
            msg[text_key] = parsed.text
            msg.pop(ent_key, None)
            if parsed.entities:
                msg[ent_key] = parsed.entities
        sent.reply_markup = markup
        msg.pop("reply_markup", None)
        if markup is not None:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        sent.edited = True
        index = self._index_in_chat[(sent.chat_id, sent.message_id)]
        self._add_event(_Event(len(self._events), sent.chat_id, "edit", sent, index))
        self._notify()
        return msg

    # ------------------------------------------------------------------ Bot API methods

    async def _api_getMe(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = max(0, _opt_int(params, "timeout") or 0)
        allowed = _as_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset is not None:
            # Confirming: everything below offset is gone for good; -N keeps the last N.
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # A newer poll terminates an older one, as on Telegram (409 for the older).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
            batch = self._deliverable()[:limit]
            if batch or self._closing:
                return batch
            if not await self._wait_change(deadline):
                return []

    def _deliverable(self) -> list[JSON]:
        allowed = self._allowed_updates
        keep: list[JSON] = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            ok = kind in allowed if allowed else kind not in _NOT_DEFAULT_UPDATES
            if ok:
                keep.append(update)
        if len(keep) != len(self._updates):
            self._updates = keep  # Telegram never delivers filtered-out updates later
        return keep

    async def _api_deleteWebhook(self, params: JSON) -> bool:
        self._webhook_url = ""
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        # Telegram wants HTTPS; the double also takes plain HTTP to this machine, for tests.
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        if url and not url.startswith("https://") and not local:
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and (len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self._webhook_url = url
        self._webhook_secret = secret
        allowed = _as_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        self._ensure_pusher()
        return True

    async def _api_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _api_logOut(self, params: JSON) -> bool:
        return True

    async def _api_close(self, params: JSON) -> bool:
        return True

    async def _api_sendMessage(self, params: JSON) -> JSON:
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        self._writable_chat(params, "sendMessage")  # chat errors come before content errors
        parsed = self._parse_text(str(text), params.get("parse_mode"), caption=False)
        markup = self._check_markup(_as_json(params, "reply_markup"))
        return self._record_bot_message(
            params, "sendMessage", kind="text", body={}, parsed=parsed, raw_text=str(text), markup=markup
        )

    async def _send_media(self, params: JSON, method: str, kind: str) -> JSON:
        self._writable_chat(params, method)
        caption = str(params.get("caption") or "")
        parsed = self._parse_text(caption, params.get("parse_mode"), caption=True)
        markup = self._check_markup(_as_json(params, "reply_markup"))
        if kind == "photo":
            stored = self._upload(params, "photo", "photos", ".jpg")
            body: JSON = {"photo": [self._photo_size(stored)]}
        else:
            stored = self._upload(params, "document", "documents", "")
            body = {"document": self._document_json(stored)}
        return self._record_bot_message(
            params, method, kind=kind, body=body, parsed=parsed, raw_text=caption, markup=markup, stored=stored
        )

    async def _api_sendPhoto(self, params: JSON) -> JSON:
        return await self._send_media(params, "sendPhoto", "photo")

    async def _api_sendMediaGroup(self, params: JSON) -> list[JSON]:
        """An album: 2-10 photos or documents, each its own message, as Telegram returns them."""
        media = _as_json(params, "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media group must include 2-10 items")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if not kinds <= {"photo", "document"} or len(kinds) != 1:
            raise ApiError(400, "Bad Request: wrong media group item types")
        sent = []
        for item in media:
            kind = str(item["type"])
            one: JSON = {key: value for key, value in params.items() if key != "media"}
            one[kind] = item.get("media")
            one["caption"] = item.get("caption") or ""
            one["parse_mode"] = item.get("parse_mode")
            one.pop("reply_markup", None)  # albums carry no buttons
            sent.append(await self._send_media(one, "sendMediaGroup", kind))
        return sent

    async def _api_sendDocument(self, params: JSON) -> JSON:
        return await self._send_media(params, "sendDocument", "document")

    async def _api_sendLocation(self, params: JSON) -> JSON:
        self._writable_chat(params, "sendLocation")
        try:
            lat, lon = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude/longitude specified") from None
        markup = self._check_markup(_as_json(params, "reply_markup"))
        return self._record_bot_message(
            params, "sendLocation", kind="location", body={"location": {"latitude": lat, "longitude": lon}},
            parsed=None, raw_text="", markup=markup,
        )  # fmt: skip

    async def _copy(self, params: JSON, method: str) -> JSON:
        from_id = _as_int(params.get("from_chat_id"), "from_chat_id")
        mid = _as_int(params.get("message_id"), "message_id")
        source = self._messages.get((from_id, mid))
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        self._writable_chat(params, method)
        kind = "photo" if "photo" in source else "document" if "document" in source else "text"
        text = str(source.get("text", source.get("caption", "")))
        body: JSON = {k: source[k] for k in ("photo", "document", "location", "contact") if k in source}
        if method == "forwardMessage":
            origin_user = source.get("from", self.bot_user)
            body["forward_origin"] = {"type": "user", "sender_user": origin_user, "date": source["date"]}
        markup = self._check_markup(_as_json(params, "reply_markup")) if method == "copyMessage" else None
        stored = None
        file_id = (source.get("document") or {}).get("file_id") or ((source.get("photo") or [{}])[-1]).get("file_id")
        if file_id in self._files:
            stored = self._files[file_id]
        msg = self._record_bot_message(
            params, method, kind=kind, body=body, parsed=ParsedText(text=text, entities=[]), raw_text=text,
            markup=markup, stored=stored,
        )  # fmt: skip
        return {"message_id": msg["message_id"]} if method == "copyMessage" else msg

    async def _api_copyMessage(self, params: JSON) -> JSON:
        return await self._copy(params, "copyMessage")

    async def _api_forwardMessage(self, params: JSON) -> JSON:
        return await self._copy(params, "forwardMessage")

    async def _api_editMessageText(self, params: JSON) -> JSON:
        sent = self._edit_target(params)
        if sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = str(params.get("text") or "")
        parsed = self._parse_text(text, params.get("parse_mode"), caption=False)
        # Leaving reply_markup out removes the inline keyboard, exactly as on Telegram.
        markup = self._check_markup(_as_json(params, "reply_markup"), inline_only=True)
        return self._apply_edit(sent, parsed=parsed, raw=text, parse_mode=params.get("parse_mode"), markup=markup)

    async def _api_editMessageCaption(self, params: JSON) -> JSON:
        sent = self._edit_target(params)
        if sent.kind not in ("photo", "document"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = str(params.get("caption") or "")
        parsed = self._parse_text(caption, params.get("parse_mode"), caption=True)
        markup = self._check_markup(_as_json(params, "reply_markup"), inline_only=True)
        return self._apply_edit(sent, parsed=parsed, raw=caption, parse_mode=params.get("parse_mode"), markup=markup)

    async def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        sent = self._edit_target(params)
        markup = self._check_markup(_as_json(params, "reply_markup"), inline_only=True)
        return self._apply_edit(sent, parsed=None, raw=None, parse_mode=sent.parse_mode, markup=markup)

    async def _api_answerCallbackQuery(self, params: JSON) -> bool:
        cq_id = str(params.get("callback_query_id") or "")
        created = self._callbacks.get(cq_id)
        if created is None or cq_id in self.answered_callbacks or self._clock() - created > self.callback_ttl:
            raise ApiError(400, QUERY_TOO_OLD)
        answer: JSON = {
            "text": params.get("text"),
            "show_alert": _as_bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": _opt_int(params, "cache_time") or 0,
        }
        self.answered_callbacks[cq_id] = answer
        self._notify()
        return True

    async def _api_deleteMessage(self, params: JSON) -> bool:
        cid, _, chat = self._writable_chat(params, "deleteMessage")
        mid = _as_int(params.get("message_id"), "message_id")
        msg = self._messages.get((cid, mid))
        sent = self._sent_index.get((cid, mid))
        if msg is None or (cid, mid) in self._deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if sent is None and chat is not None and chat.bot_status != "administrator":
            raise ApiError(400, "Bad Request: message can't be deleted")
        if sent is not None:
            sent.deleted = True
        self._deleted.add((cid, mid))
        self._notify()
        return True

    async def _api_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _api_pinChatMessage(self, params: JSON) -> bool:
        cid, _, _ = self._writable_chat(params, "pinChatMessage")
        mid = _as_int(params.get("message_id"), "message_id")
        if (cid, mid) not in self._messages:
            raise ApiError(400, "Bad Request: message to pin not found")
        pins = self._pinned.setdefault(cid, [])
        if mid in pins:
            pins.remove(mid)
        pins.append(mid)
        return True

    async def _api_unpinChatMessage(self, params: JSON) -> bool:
        cid, _, _ = self._writable_chat(params, "unpinChatMessage")
        pins = self._pinned.get(cid, [])
        mid = _opt_int(params, "message_id")
        if mid is None:
            if pins:
                pins.pop()  # without message_id Telegram unpins the most recent pin
            return True
        if mid not in pins:
            raise ApiError(400, "Bad Request: message to unpin not found")
        pins.remove(mid)
        return True

    async def _api_unpinAllChatMessages(self, params: JSON) -> bool:
        cid, _, _ = self._writable_chat(params, "unpinAllChatMessages")
        self._pinned.pop(cid, None)
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, dict) or not scope.get("type"):
            return "default"
        parts = [str(scope["type"])]
        if "chat_id" in scope:
            parts.append(str(scope["chat_id"]))
        if "user_id" in scope:
            parts.append(str(scope["user_id"]))
        return ":".join(parts)

    async def _api_setMyCommands(self, params: JSON) -> bool:
        commands = _as_json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        clean: list[JSON] = []
        for item in commands:
            name = str(item.get("command", ""))
            desc = str(item.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(desc) <= 256):
                raise ApiError(400, "Bad Request: command description is empty" if not desc else "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        self.commands[key] = clean
        return True

    async def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        return list(self.commands.get(key, []))

    async def _api_deleteMyCommands(self, params: JSON) -> bool:
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

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

    async def _api_setChatMenuButton(self, params: JSON) -> bool:
        cid = _opt_int(params, "chat_id")
        self.menu_buttons[cid] = _as_json(params, "menu_button") or {"type": "default"}
        return True

    async def _api_getChatMenuButton(self, params: JSON) -> JSON:
        return self.menu_buttons.get(_opt_int(params, "chat_id"), {"type": "commands"})

    async def _api_setMyDescription(self, params: JSON) -> bool:
        return True

    async def _api_setMyShortDescription(self, params: JSON) -> bool:
        return True

    async def _api_setMyName(self, params: JSON) -> bool:
        return True
