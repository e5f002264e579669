"""Storage trouble (a locked database past the busy timeout, a full disk): recognised, and logged
at most once a minute so an outage of hours is a few lines, not a flood."""

from __future__ import annotations

import logging
import sqlite3
import time

log = logging.getLogger(__name__)

# SQLite's words for trouble that passes by itself (another writer finishes, space returns).
_TRANSIENT = ("database is locked", "database or disk is full", "disk i/o error", "unable to open database",
              "attempt to write a readonly database", "database table is locked")


def is_storage_trouble(exc: BaseException | None) -> bool:
    """A write failed because of the storage, not because of our code or the data."""
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc).lower() for w in _TRANSIENT)


class StorageAlarm:
    """One ERROR line per minute while storage fails, one INFO line when it works again."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._last = -1e9
        self.failing = False

    def failed(self, where: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            log.error("event=storage_trouble where=%s error=%s", where, f"{type(exc).__name__}: {exc}"[:200])
        self.failing = True

    def ok(self) -> None:
        if self.failing:
            self.failing = False
            log.info("event=storage_recovered")


# One alarm for the whole process: the intake, the handlers and the dispatcher share it.
ALARM = StorageAlarm()
