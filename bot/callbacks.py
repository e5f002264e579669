"""Callback data: short codes like `m:rsvp:42:y`, at most 64 bytes, parsed in one place.

The first part names the feature (its handler registers a pattern for it), the second the
action, the rest are arguments. Unknown or malformed data is treated as a stale button.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import StaleAction

MAX_BYTES = 64
SEPARATOR = ":"


class CallbackDataError(ValueError):
    """The data cannot be encoded (too long, separator inside a part)."""


class BadCallbackArgs(StaleAction):
    """The codec cannot read an argument of pressed data (old format or forged): a stale button."""


@dataclass(frozen=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str:
        try:
            return self.args[index]
        except IndexError as exc:
            raise BadCallbackArgs() from exc

    def int_arg(self, index: int) -> int:
        try:
            return int(self.arg(index))
        except ValueError as exc:
            raise BadCallbackArgs() from exc

    def date_arg(self, index: int, fmt: str = "%Y-%m-%d") -> date:
        try:
            return datetime.strptime(self.arg(index), fmt).date()
        except ValueError as exc:
            raise BadCallbackArgs() from exc


def encode(feature: str, action: str, *args: object) -> str:
    parts = [feature, action, *(str(a) for a in args)]
    if any(SEPARATOR in p for p in parts):
        raise CallbackDataError(f"separator inside callback part: {parts!r}")
    data = SEPARATOR.join(parts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> CallbackData | None:
    """Parse callback data; None for anything malformed."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 2 or not all(parts[:2]):
        return None
    return CallbackData(parts[0], parts[1], tuple(parts[2:]))


def pattern(feature: str) -> str:
    """The regex a CallbackQueryHandler uses to receive one feature's buttons."""
    return rf"^{feature}{SEPARATOR}"
