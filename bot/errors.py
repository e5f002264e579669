"""Domain errors. Each carries the text-catalog key of the polite message the user sees.

    KadesError
    ├── NotPermitted        the asker's role does not allow this
    │   └── NotAMember      the asker is not an active member of the forum
    ├── StaleAction         a button or step that no longer applies
    ├── NotFound            the thing asked for does not exist (or is not visible to the asker)
    ├── InvalidInput        typed input that cannot be used; message_key says why
    └── Conflict            the state changed underneath (double approval, double press)
"""

from __future__ import annotations

from typing import Any


class KadesError(Exception):
    """Base of all domain errors; `message_key` names the Indonesian/English text shown to the user."""

    message_key = "err.generic"

    def __init__(self, message_key: str | None = None, **params: Any) -> None:
        if message_key:
            self.message_key = message_key
        self.params = params
        super().__init__(self.message_key)


class NotPermitted(KadesError):
    """The asker's role in this forum does not allow the action."""

    message_key = "err.not_permitted"


class NotAMember(NotPermitted):
    """The asker is not an active member of the forum the action belongs to."""

    message_key = "err.not_member"


class StaleAction(KadesError):
    """A button or conversation step that no longer applies (old message, finished form)."""

    message_key = "err.stale_button"


class NotFound(KadesError):
    """The object does not exist, or the asker may not see it (we do not tell which)."""

    message_key = "err.not_found"


class InvalidInput(KadesError):
    """Typed input that cannot be used; the key explains how to correct it."""

    message_key = "err.invalid_input"


class Conflict(KadesError):
    """Someone else already changed it (double approval, repeated press)."""

    message_key = "err.conflict"
