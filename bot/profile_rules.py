"""Rules for what people type into their profile and forum names."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import InvalidInput

MAX_NAME = 100
MAX_FORUM_NAME = 120
_SPACES = re.compile(r"\s+")


def clean_name(text: str | None, *, max_length: int = MAX_NAME) -> str:
    """A person's or forum's name: one line, no control characters, 2..max_length characters."""
    if text is None:
        raise InvalidInput("bad.text_expected")
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    cleaned = _SPACES.sub(" ", cleaned).strip()
    if not 2 <= len(cleaned) <= max_length:
        raise InvalidInput("bad.name_length", max=max_length)
    return cleaned
