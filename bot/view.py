"""One button model and one view type for every feature.

A view function (pure: loaded data in, `View` out) builds what the user sees; the same `View`
becomes PTB markup for a reply or edit, and Bot API JSON for an outbox push, so a keyboard is
declared once whichever way it travels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


@dataclass(frozen=True, slots=True)
class Button:
    """A callback button (`data`, from bot.callbacks.encode) or a link button (`url`)."""

    label: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has exactly one of data or url")

    def ptb(self) -> InlineKeyboardButton:
        if self.url is not None:
            return InlineKeyboardButton(self.label, url=self.url)
        return InlineKeyboardButton(self.label, callback_data=self.data)

    def bot_api(self) -> dict[str, str]:
        if self.url is not None:
            return {"text": self.label, "url": self.url}
        return {"text": self.label, "callback_data": self.data or ""}


Rows = tuple[tuple[Button, ...], ...]


def rows_of(rows: Iterable[Iterable[Button | tuple[str, str]]]) -> Rows:
    """Rows from buttons or (label, callback_data) pairs; empty rows are dropped."""
    out = []
    for row in rows:
        buttons = tuple(b if isinstance(b, Button) else Button(b[0], data=b[1]) for b in row)
        if buttons:
            out.append(buttons)
    return tuple(out)


def per_row(buttons: Sequence[Button], n: int = 1) -> Rows:
    return tuple(tuple(buttons[i:i + n]) for i in range(0, len(buttons), n))


@dataclass(frozen=True, slots=True)
class View:
    """HTML text (already escaped by the catalog) and its inline buttons."""

    text: str
    buttons: Rows = field(default=())

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup([[b.ptb() for b in row] for row in self.buttons])

    def bot_api_markup(self) -> dict[str, Any] | None:
        if not self.buttons:
            return None
        return {"inline_keyboard": [[b.bot_api() for b in row] for row in self.buttons]}
