"""The pipeline every bot send and edit goes through: text and markup checks, reply and topic
resolution, flood limits, then recording the message and waking waiters."""

from __future__ import annotations

import time
from typing import Any

from .chats import ChatsMixin
from .html_check import HtmlParseError, ParsedText, parse_html
from .models import JSON, SentMessage, SimChat
from .protocol import ApiError, _as_bool, _as_int, _as_json, _canon, _opt_int, _retry_error
from .state import _Event, _StoredFile

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class SendingMixin(ChatsMixin):
    """Checks and bookkeeping shared by the sending and editing methods."""

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
