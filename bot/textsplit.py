"""Long messages in Telegram-sized parts (pure; replies, pushes and planners use it)."""

from __future__ import annotations

MAX_TEXT = 4096  # Telegram's limit for one message


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split long HTML text at line breaks so each part fits one Telegram message.

    Callers build lists line by line with balanced tags per line, so a break between lines is safe.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one very long line: hard cut (plain text only reaches here)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts
