"""Callback data: short codes like `m:rsvp:42:y`, at most 64 bytes, parsed in one place.

The first part is a registered prefix (its feature's handlers register patterns for it), the
second the action, the rest are arguments. Every prefix is in the one table below, which refuses
a second owner for the same prefix and carries each prefix's version:

- version 1 is written bare (`m:rsvp:42`), so buttons already sitting in chats keep working;
- version n > 1 is written `m.n:rsvp:42`. Bump a prefix's version when its arguments change
  meaning: every older button then decodes as stale ("tombol ini sudah tidak berlaku") instead
  of being read with the new meaning. Register handlers with `pattern(prefix, action)` so they
  follow the version.

Unknown prefixes, other versions and malformed data decode to None: a stale button.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import StaleAction

MAX_BYTES = 64
SEPARATOR = ":"
VERSION_MARK = "."
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,7}$")  # no VERSION_MARK or SEPARATOR: heads never collide


class CallbackDataError(ValueError):
    """The data cannot be encoded (too long, separator inside a part, unregistered prefix)."""


class PrefixCollision(ValueError):
    """A second registration of a prefix already in the table."""


class BadCallbackArgs(StaleAction):
    """The codec cannot read an argument of pressed data (old format or forged): a stale button."""


@dataclass(frozen=True)
class Prefix:
    code: str
    owner: str  # the feature whose handlers receive these buttons
    version: int = 1

    @property
    def head(self) -> str:
        """The first part of the data this prefix writes now."""
        return self.code if self.version == 1 else f"{self.code}{VERSION_MARK}{self.version}"


class PrefixTable:
    """The registered prefixes; adding one that is taken raises PrefixCollision."""

    def __init__(self, prefixes: Iterable[Prefix] = ()) -> None:
        self._by_code: dict[str, Prefix] = {}
        for prefix in prefixes:
            self.add(prefix)

    def add(self, prefix: Prefix) -> None:
        if not _CODE.match(prefix.code):
            raise CallbackDataError(f"callback prefix must be short lower-case letters/digits: {prefix.code!r}")
        if prefix.version < 1:
            raise CallbackDataError(f"callback prefix version must be >= 1: {prefix!r}")
        taken = self._by_code.get(prefix.code)
        if taken is not None:
            raise PrefixCollision(f"callback prefix {prefix.code!r} of {prefix.owner} is taken by {taken.owner}")
        self._by_code[prefix.code] = prefix

    def get(self, code: str) -> Prefix | None:
        return self._by_code.get(code)

    def __iter__(self) -> Iterator[Prefix]:
        return iter(self._by_code.values())

    def encode(self, code: str, action: str, *args: object) -> str:
        prefix = self._by_code.get(code)
        if prefix is None:
            raise CallbackDataError(f"callback prefix {code!r} is not registered in bot/callbacks.py")
        parts = [action, *(str(a) for a in args)]
        if any(SEPARATOR in p for p in parts):
            raise CallbackDataError(f"separator inside callback part: {parts!r}")
        data = SEPARATOR.join([prefix.head, *parts])
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise CallbackDataError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: str | None) -> CallbackData | None:
        if not data or len(data.encode("utf-8")) > MAX_BYTES:
            return None
        parts = data.split(SEPARATOR)
        if len(parts) < 2 or not all(parts[:2]):
            return None
        code, _, version_text = parts[0].partition(VERSION_MARK)
        prefix = self._by_code.get(code)
        if prefix is None:
            return None
        if version_text:
            if not version_text.isdigit() or version_text.startswith("0") or int(version_text) == 1:
                return None  # "m.1" / "m.x" are never written: forged
            version = int(version_text)
        else:
            version = 1
        if version != prefix.version:
            return None  # a button from before the prefix's arguments changed meaning
        return CallbackData(code, parts[1], tuple(parts[2:]), version)

    def pattern(self, code: str, action: str | None = None) -> str:
        """The regex a CallbackQueryHandler uses to receive a prefix's (or one action's) buttons."""
        prefix = self._by_code.get(code)
        if prefix is None:
            raise CallbackDataError(f"callback prefix {code!r} is not registered in bot/callbacks.py")
        head = re.escape(prefix.head) + SEPARATOR
        return rf"^{head}" if action is None else rf"^{head}{re.escape(action)}(:|$)"


# The one table of button prefixes. A new feature adds its line here; bump `version` when a
# prefix's arguments change meaning (older buttons then answer "tombol ini sudah tidak berlaku").
PREFIXES = PrefixTable([
    Prefix("g", "general"),  # language choice, help
    Prefix("o", "onboarding"),  # join form and the koordinator's join decisions
    Prefix("p", "members"),  # profile
    Prefix("gv", "governance"),  # officers, votes, requests
    Prefix("fa", "forums"),  # the forum picker
    Prefix("m", "meetings"),
    Prefix("d", "directory"),
    Prefix("v", "visits"),
    Prefix("e", "posts"),  # berbagi pengalaman
    Prefix("k", "agreements"),  # kerja sama
    Prefix("b", "broadcasts"),  # siaran
    Prefix("r", "reports"),
    # Registered ahead for the branches that bring them (issue #12 work in progress):
    Prefix("f", "forms"),  # the declared-form engine: f:<form>:<seq>:<kind>[:<value>]
    Prefix("ks", "kerjasama"),
    Prefix("ms", "musyawarah"),
])


@dataclass(frozen=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...]
    version: int = 1

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
    """`feature` is a registered prefix; the data carries its current version."""
    return PREFIXES.encode(feature, action, *args)


def decode(data: str | None) -> CallbackData | None:
    """Parse callback data; None for anything malformed, unregistered or of another version."""
    return PREFIXES.decode(data)


def pattern(feature: str, action: str | None = None) -> str:
    """The regex a CallbackQueryHandler uses to receive one prefix's (or one action's) buttons."""
    return PREFIXES.pattern(feature, action)
