"""Plain data objects of the double: simulated users and chats, bot messages, faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["FAULT_KINDS", "Fault", "RequestRecord", "SentMessage", "SimChat", "SimUser"]

JSON = dict[str, Any]

FAULT_KINDS = frozenset(
    {"429", "403_blocked", "403_deactivated", "400_chat_not_found", "500", "502", "slow", "migrate"}
)


@dataclass
class SimUser:
    """A simulated human Telegram user; their private chat id equals their user id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    # False: the user never pressed Start, so the bot may not write to them first.
    started: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class SimChat:
    """A simulated group or supergroup (optionally a forum with topics)."""

    id: int
    title: str
    type: str = "supergroup"
    is_forum: bool = False
    # user id -> "creator" | "administrator"
    admins: dict[int, str] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    # The bot's own membership: "left" until someone adds it.
    bot_status: str = "left"
    migrated_to: int | None = None
    # message_thread_id -> topic name
    topics: dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class SentMessage:
    """A message the bot sent, kept at its latest state (edits update it in place)."""

    message_id: int
    chat_id: int
    thread_id: int | None
    text: str  # visible text, or the caption for media
    parse_mode: str | None
    html: str  # the raw text/caption exactly as the bot sent it
    reply_markup: JSON | None
    kind: str  # "text" | "photo" | "document" | "location"
    date: int
    entities: list[JSON] = field(default_factory=list)
    file_id: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    mime_type: str | None = None
    location: JSON | None = None
    reply_to_message_id: int | None = None
    disable_notification: bool = False
    link_preview_options: JSON | None = None
    edited: bool = False
    # Earlier states, oldest first: dicts with text, html, parse_mode, reply_markup, entities.
    edit_history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    # The message as Telegram would return it now (used for callback_query.message etc.).
    message: JSON = field(default_factory=dict, repr=False)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (label, callback_data or url); reply-keyboard buttons carry None."""
        markup = self.reply_markup or {}
        rows: list[list[tuple[str, str | None]]] = []
        for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
            out: list[tuple[str, str | None]] = []
            for button in row:
                if isinstance(button, str):  # reply keyboards may use bare strings
                    out.append((button, None))
                else:
                    out.append((button.get("text", ""), button.get("callback_data") or button.get("url")))
            rows.append(out)
        return rows

    def button_texts(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def callback_data(self) -> list[str]:
        """All callback_data values of the current inline keyboard."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if b.get("callback_data") is not None]

    def callback_for(self, label_part: str) -> str:
        """callback_data of the first inline button whose label contains `label_part`."""
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if label_part in button.get("text", "") and button.get("callback_data") is not None:
                    return str(button["callback_data"])
        raise LookupError(f"no inline button containing {label_part!r}; buttons: {self.button_texts()}")


@dataclass
class Fault:
    """A scripted failure for matching API calls.

    `method`/`chat_id` None match anything; `times` None means forever. Kinds: see FAULT_KINDS.
    """

    method: str | None = None
    chat_id: int | None = None
    error: str = "429"
    retry_after: int = 3
    times: int | None = 1
    delay: float = 0.0  # for "slow"
    migrate_to_chat_id: int | None = None  # for "migrate"
    hits: int = 0

    def __post_init__(self) -> None:
        if self.error not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.error!r}; expected one of {sorted(FAULT_KINDS)}")

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class RequestRecord(NamedTuple):
    """One API call as seen by the double: (monotonic time, method, chat_id, HTTP status)."""

    time: float
    method: str
    chat_id: int | None
    status: int
