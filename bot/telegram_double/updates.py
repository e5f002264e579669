"""Updates for the bot: the queue, getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from .models import JSON
from .protocol import ApiError, _as_bool, _as_json, _opt_int
from .state import DoubleState

# Telegram's default allowed_updates leaves these out.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdatesMixin(DoubleState):
    """Queues updates and hands them out by long polling or by pushing them to a webhook."""

    # ------------------------------------------------------------------ the queue

    def _enqueue(self, kind: str, payload: JSON) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._notify()
        self._ensure_pusher()

    # ------------------------------------------------------------------ webhook delivery

    def _ensure_pusher(self) -> None:
        if self._webhook_url and not self._closing and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.get_running_loop().create_task(self._push_updates())

    async def _push_updates(self) -> None:
        """Deliver pending updates to the webhook one at a time, in order, as Telegram does:
        with the secret header when one was set; an update leaves only on a 2xx answer,
        otherwise it is tried again after a pause."""
        async with aiohttp.ClientSession() as session:
            while self._webhook_url and not self._closing:
                batch = self._deliverable()
                if not batch:
                    await self._wait_change(asyncio.get_running_loop().time() + 1.0)
                    continue
                update = batch[0]
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                try:
                    async with session.post(self._webhook_url, data=json.dumps(update), headers=headers,
                                            timeout=aiohttp.ClientTimeout(total=60)) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_responses.append(status)
                if 200 <= status < 300:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                else:
                    await asyncio.sleep(0.5)

    # ------------------------------------------------------------------ Bot API methods

    async def _api_getUpdates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = max(0, _opt_int(params, "timeout") or 0)
        allowed = _as_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset is not None:
            # Confirming: everything below offset is gone for good; -N keeps the last N.
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # A newer poll terminates an older one, as on Telegram (409 for the older).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
            batch = self._deliverable()[:limit]
            if batch or self._closing:
                return batch
            if not await self._wait_change(deadline):
                return []

    def _deliverable(self) -> list[JSON]:
        allowed = self._allowed_updates
        keep: list[JSON] = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            ok = kind in allowed if allowed else kind not in _NOT_DEFAULT_UPDATES
            if ok:
                keep.append(update)
        if len(keep) != len(self._updates):
            self._updates = keep  # Telegram never delivers filtered-out updates later
        return keep

    async def _api_deleteWebhook(self, params: JSON) -> bool:
        self._webhook_url = ""
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        # Telegram wants HTTPS; the double also takes plain HTTP to this machine, for tests.
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        if url and not url.startswith("https://") and not local:
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and (len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self._webhook_url = url
        self._webhook_secret = secret
        allowed = _as_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        self._ensure_pusher()
        return True

    async def _api_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}
