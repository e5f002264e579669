"""The bot's own setup: getMe, command lists per scope and language, the menu button, name and
descriptions, logOut/close."""

from __future__ import annotations

from typing import Any

from .models import JSON
from .protocol import ApiError, _as_json, _opt_int
from .state import DoubleState


class CommandsMixin(DoubleState):
    """What the bot says about itself."""

    async def _api_getMe(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_logOut(self, params: JSON) -> bool:
        return True

    async def _api_close(self, params: JSON) -> bool:
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, dict) or not scope.get("type"):
            return "default"
        parts = [str(scope["type"])]
        if "chat_id" in scope:
            parts.append(str(scope["chat_id"]))
        if "user_id" in scope:
            parts.append(str(scope["user_id"]))
        return ":".join(parts)

    async def _api_setMyCommands(self, params: JSON) -> bool:
        commands = _as_json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        clean: list[JSON] = []
        for item in commands:
            name = str(item.get("command", ""))
            desc = str(item.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(desc) <= 256):
                raise ApiError(400, "Bad Request: command description is empty" if not desc else "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        self.commands[key] = clean
        return True

    async def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        return list(self.commands.get(key, []))

    async def _api_deleteMyCommands(self, params: JSON) -> bool:
        key = (self._scope_key(_as_json(params, "scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _api_setChatMenuButton(self, params: JSON) -> bool:
        cid = _opt_int(params, "chat_id")
        self.menu_buttons[cid] = _as_json(params, "menu_button") or {"type": "default"}
        return True

    async def _api_getChatMenuButton(self, params: JSON) -> JSON:
        return self.menu_buttons.get(_opt_int(params, "chat_id"), {"type": "commands"})

    async def _api_setMyDescription(self, params: JSON) -> bool:
        return True

    async def _api_setMyShortDescription(self, params: JSON) -> bool:
        return True

    async def _api_setMyName(self, params: JSON) -> bool:
        return True
