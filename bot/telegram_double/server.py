"""An in-process fake of the Telegram Bot API server, spoken to over real HTTP.

The bot under test talks to it exactly as to api.telegram.org (PTB's own httpx client, long
polling included); tests play the humans through methods such as `send_message` and
`press_button`, then look at what the bot sent. Error wording, JSON shapes and flood limits
follow Telegram so the bot's error handling is exercised for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

from .commands import CommandsMixin
from .humans import HumansMixin
from .messages import MessagesMixin
from .models import JSON, Fault, RequestRecord
from .observe import ObserveMixin
from .protocol import MIGRATED, ApiError, _chat_id_for_log, _retry_error, _Upload

__all__ = ["ApiError", "TelegramDouble"]

log = logging.getLogger(__name__)


class TelegramDouble(HumansMixin, ObserveMixin, MessagesMixin, CommandsMixin):
    """A local Telegram Bot API server with simulated users, groups, limits and faults.

    This module owns the HTTP side (the aiohttp app, routing, simulated round trip, faults); each
    concern lives in its own mixin (see state.py).
    """

    API_METHODS = (
        "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "logOut",
        "close", "sendMessage", "editMessageText", "editMessageReplyMarkup",
        "editMessageCaption", "answerCallbackQuery", "deleteMessage", "sendDocument",
        "sendPhoto", "sendMediaGroup", "sendLocation", "copyMessage", "forwardMessage", "getFile",
        "pinChatMessage", "unpinChatMessage", "unpinAllChatMessages", "setMyCommands",
        "getMyCommands", "deleteMyCommands", "getChat", "getChatMember",
        "getChatAdministrators", "createForumTopic", "sendChatAction",
        "setChatMenuButton", "getChatMenuButton", "setMyDescription",
        "setMyShortDescription", "setMyName",
    )  # fmt: skip

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

    # ------------------------------------------------------------------ faults

    def inject(self, fault: Fault) -> Fault:
        """Make matching API calls fail (see Fault)."""
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

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
