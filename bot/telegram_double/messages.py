"""Bot API methods on messages: send (text, media, albums, locations, copies), edit, delete,
pin, and answering callback queries."""

from __future__ import annotations

from .files import FilesMixin
from .html_check import ParsedText
from .models import JSON
from .protocol import ApiError, _as_bool, _as_int, _as_json, _opt_int
from .sending import SendingMixin

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class MessagesMixin(SendingMixin, FilesMixin):
    """The message methods of the Bot API."""

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
