"""How times are stored: ISO-8601 in UTC, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; attach a zone first")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
