"""The Bot API's wire conventions: error answers and their wording, and reading request parameters.

Form, multipart and JSON bodies all arrive as one dict; these helpers coerce its values the way
Telegram does and raise `ApiError` with Telegram's own descriptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .models import JSON

__all__ = ["MIGRATED", "ApiError"]

MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional ResponseParameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        data: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def _retry_error(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str | None



def _canon(value: Any) -> str:
    """Canonical JSON, for "is this markup the same" comparisons."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def _opt_int(params: JSON, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return _as_int(value, name)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _as_json(params: JSON, name: str) -> Any:
    """Form/multipart bodies carry objects as JSON strings; JSON bodies carry them inline."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    return value


def _chat_id_for_log(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
