"""The intake: updates in from Telegram, through the durable inbox, to the handlers.

Why our own getUpdates loop and not PTB's Updater: the Updater confirms a batch (the next
offset) as soon as it has put it on an in-memory queue, so a kill -9 loses what was queued
or in the middle of being handled. Here a batch is committed to the inbox table first and
confirmed only by the next getUpdates call after that commit (webhook mode: the HTTP 200 is
written after the commit). The handlers are PTB's, called through `Application.process_update`.

Handling: one queue per sender (`chat_key`), workers take senders round-robin and never two
updates of one sender at once, so a sender's updates run in order and a sender who floods
holds at most one of the `workers` slots while everybody else's updates keep flowing. A
sender with `per_user_queue` updates waiting gets the excess dropped (stored as 'dropped',
so a re-delivery stays dropped) and one polite message per burst through the outbox.

Replay after a crash: a handler's write transaction marks its update 'applied' in the same
commit (storage.database.HANDLING_UPDATE); the worker marks it 'done' after the handler
returned (its reply is out). At start, 'new' rows are handled again (nothing of theirs was
committed) and 'applied' rows are not: their reply is derived again by `rederive` (the form
engine asks the current step again), so nothing is changed twice and everybody gets an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from bot.config import InboxSettings
from bot.texts import t
from storage.database import HANDLING_UPDATE, Database
from storage.inbox import InboxRepo, IncomingUpdate, chat_key_of
from storage.outbox import Priority, enqueue
from storage.trouble import ALARM

if TYPE_CHECKING:  # the planner's argument; bot.services imports nothing from here
    from bot.services import Services

log = logging.getLogger(__name__)

# PTB suggests Bot.get_updates; it parses the updates, and the inbox needs the raw JSON.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

Rederive = Callable[[Update, Any], Awaitable[None]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Done marks wait this long to share one write (a crash before it only repeats a reply).
DONE_LINGER = 0.05


class Intake:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], *, db: Database, clock: Clock,
                 settings: InboxSettings, rederive: Rederive, wake_outbox: Callable[[], None],
                 poll_timeout: int = 10) -> None:
        self.app = app
        self.db = db
        self.repo = InboxRepo(db)
        self.clock = clock
        self.settings = settings
        self.rederive = rederive
        self.wake_outbox = wake_outbox
        self.poll_timeout = poll_timeout
        self.alarm = ALARM
        self._queues: dict[int, deque[IncomingUpdate]] = {}
        self._ready: deque[int] = deque()  # senders with waiting updates and no worker
        self._busy: set[int] = set()
        self._flooding: set[int] = set()  # senders told "too many messages" in this burst
        self._work = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._poller: asyncio.Task[None] | None = None
        self._stopping = False
        self._done: list[int] = []
        self._done_task: asyncio.Task[None] | None = None
        self._store_lock = asyncio.Lock()
        self._apologised: dict[int, float] = {}
        self.handled = 0
        self.dropped = 0
        self.on_handled: Callable[[int], None] | None = None  # benchmarks: update_id handled

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, *, polling: bool = True) -> None:
        """Queue what the last run left open, start the workers, and (polling) the getUpdates loop."""
        self._stopping = False
        open_rows = await self.repo.open_rows()
        for item in open_rows:
            self._queue(item)
        if open_rows:
            log.warning("event=inbox_replay rows=%d applied=%d", len(open_rows),
                        sum(1 for r in open_rows if r.status == "applied"))
        self._tasks = [asyncio.create_task(self._worker(), name=f"inbox-worker-{i}")
                       for i in range(self.settings.workers)]
        if polling:
            self._poller = asyncio.create_task(self._poll(), name="inbox-poll")

    async def stop(self, *, drain_seconds: float = 5.0) -> None:
        """Stop taking updates; let the updates being handled finish; flush the done marks."""
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        async with self._work:
            self._work.notify_all()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), drain_seconds)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._done_task is not None:
            with contextlib.suppress(Exception):
                await self._done_task
        await self._flush_done()

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    # -- intake ----------------------------------------------------------------------------
    async def accept(self, raws: list[dict[str, Any]]) -> None:
        """Commit a batch to the inbox, then queue it. Raises when the commit failed: the
        caller must not confirm the batch to Telegram (it will be delivered again)."""
        async with self._store_lock:  # webhook requests may arrive concurrently
            items, floods = self._triage(raws)
            try:
                async with self.db.transaction() as conn:
                    fresh = await InboxRepo.store_in(conn, items, self.clock.now())
                    for item in floods:
                        if item.update_id in fresh:
                            await self._tell_flooding(conn, item)
            except Exception as exc:
                self.alarm.failed("inbox", exc)
                for item in floods:
                    self._flooding.discard(item.chat_key)
                raise
        self.alarm.ok()
        if floods:
            self.wake_outbox()
        added = False
        for item in items:
            if item.update_id in fresh and item.status == "new":
                self._queue(item)
                added = True
        if added:
            async with self._work:
                self._work.notify_all()

    def _triage(self, raws: list[dict[str, Any]]) -> tuple[list[IncomingUpdate], list[IncomingUpdate]]:
        """Decide per update: handled, or dropped because its sender's queue is full."""
        items: list[IncomingUpdate] = []
        floods: list[IncomingUpdate] = []
        pending: dict[int, int] = {}
        for raw in raws:
            key, user_id = chat_key_of(raw)
            waiting = len(self._queues.get(key, ())) + pending.get(key, 0)
            if waiting >= self.settings.per_user_queue:
                item = IncomingUpdate(int(raw["update_id"]), key, user_id, raw, "dropped")
                self.dropped += 1
                if key not in self._flooding:
                    self._flooding.add(key)
                    floods.append(item)
                    log.warning("event=flood_dropping chat_key=%d queue=%d", key, waiting)
            else:
                item = IncomingUpdate(int(raw["update_id"]), key, user_id, raw, "new")
                pending[key] = pending.get(key, 0) + 1
            items.append(item)
        return items, floods

    async def _tell_flooding(self, conn: Any, item: IncomingUpdate) -> None:
        chat_id = _reply_chat(item.raw)
        if chat_id is None:
            return
        now = self.clock.now()
        await enqueue(conn, key=f"flood:{chat_id}:{item.update_id}", chat_id=chat_id, text=t("rel.flood"),
                      due_at=now, now=now, priority=Priority.INTERACTIVE, expires_at=now + timedelta(minutes=5))

    async def _apologise(self, raws: list[dict[str, Any]]) -> None:
        """Storage is failing: tell each sender once a minute. Their updates are not confirmed,
        so Telegram delivers them again and they are handled when storage is back."""
        now = time.monotonic()
        for raw in raws:
            chat_id = _reply_chat(raw)
            if chat_id is None or now - self._apologised.get(chat_id, -1e9) < 60:
                continue
            self._apologised[chat_id] = now
            with contextlib.suppress(TelegramError):
                await self.app.bot.send_message(chat_id, t("rel.storage_trouble"))

    def _queue(self, item: IncomingUpdate) -> None:
        queue = self._queues.get(item.chat_key)
        if queue is None:
            queue = self._queues[item.chat_key] = deque()
            if item.chat_key not in self._busy:
                self._ready.append(item.chat_key)
        queue.append(item)

    # -- polling ---------------------------------------------------------------------------
    async def _poll(self) -> None:
        bot = self.app.bot
        offset: int | None = None
        backoff = 1.0
        batch: list[dict[str, Any]] = []
        while not self._stopping:
            if batch:
                try:
                    await self.accept(batch)
                except Exception:
                    # Not committed, so not confirmed: the same offset asks for the batch again
                    # (with whatever came since), and each sender hears why nothing happens yet.
                    await self._apologise(batch)
                    batch = []
                    await asyncio.sleep(1.0)
                    continue
                offset = int(batch[-1]["update_id"]) + 1
                batch = []
            try:
                api_kwargs: dict[str, Any] = {"timeout": self.poll_timeout,
                                              "allowed_updates": json.dumps(Update.ALL_TYPES)}
                if offset is not None:
                    api_kwargs["offset"] = offset
                result = await bot.do_api_request("getUpdates", api_kwargs=api_kwargs,
                                                  read_timeout=self.poll_timeout + 10)
            except InvalidToken:
                log.error("event=poll_stopped reason=token_rejected")
                return
            except RetryAfter as exc:
                log.warning("event=poll_retry_after seconds=%s", exc.retry_after)
                await asyncio.sleep(float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1))
                continue
            except TelegramError as exc:  # timeouts, 5xx, network: one line, back off
                log.warning("event=polling_error error=%s detail=%s retry_in=%.0f", type(exc).__name__,
                            str(exc)[:120], backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if isinstance(result, list) and result:
                batch = [u for u in result if isinstance(u, dict) and "update_id" in u]

    # -- webhook ---------------------------------------------------------------------------
    def webhook_app(self, path: str, secret: str) -> web.Application:
        """An aiohttp app answering Telegram's POSTs: 403 without the exact secret, 200 after the commit."""

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("event=webhook_forbidden remote=%s", request.remote)
                return web.Response(status=403)
            try:
                raw = await request.json()
            except ValueError:
                return web.Response(status=400)
            if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
                return web.Response(status=400)
            try:
                await self.accept([raw])
            except Exception:
                await self._apologise([raw])
                return web.Response(status=503)  # Telegram delivers it again later
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post("/" + path.lstrip("/"), receive)
        return app

    # -- handling --------------------------------------------------------------------------
    async def _next(self) -> IncomingUpdate | None:
        async with self._work:
            while not self._ready:
                if self._stopping:
                    return None
                await self._work.wait()
            key = self._ready.popleft()
            self._busy.add(key)
            queue = self._queues[key]
            return queue.popleft()

    async def _release(self, key: int) -> None:
        async with self._work:
            self._busy.discard(key)
            queue = self._queues.get(key)
            if queue:
                self._ready.append(key)  # to the back: round-robin across senders
                self._work.notify()
            else:
                self._queues.pop(key, None)
                self._flooding.discard(key)  # the burst is over

    async def _worker(self) -> None:
        while True:
            item = await self._next()
            if item is None:
                return
            try:
                await self._handle(item)
            finally:
                await self._release(item.chat_key)

    async def _handle(self, item: IncomingUpdate) -> None:
        token = HANDLING_UPDATE.set(item.update_id)
        try:
            update = Update.de_json(item.raw, self.app.bot)
            if item.status == "applied":
                await self.rederive(update, self.app)
            else:
                await self.app.process_update(update)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event=inbox_handle_failed update_id=%d", item.update_id)
        finally:
            HANDLING_UPDATE.reset(token)
        self.handled += 1
        if self.on_handled is not None:
            self.on_handled(item.update_id)
        self._done.append(item.update_id)
        if self._done_task is None or self._done_task.done():
            self._done_task = asyncio.create_task(self._linger_done())

    async def _linger_done(self) -> None:
        await asyncio.sleep(DONE_LINGER)
        await self._flush_done()

    async def _flush_done(self) -> None:
        while self._done:
            batch, self._done = self._done, []
            try:
                await self.repo.mark_done(batch, self.clock.now())
                self.alarm.ok()
            except Exception as exc:  # stays open: replayed after a restart (a reply may repeat)
                self.alarm.failed("inbox_done", exc)
                self._done = batch + self._done
                if self._stopping:
                    return
                await asyncio.sleep(1.0)

    async def prune(self) -> int:
        """Forget handled rows older than keep_days (a planner runs this)."""
        removed = await self.repo.prune(self.clock.now(), timedelta(days=self.settings.keep_days))
        if removed:
            log.info("event=inbox_pruned rows=%d", removed)
        return removed


async def prune_inbox(services: Services, now: datetime) -> None:
    """The planner (scheduler/planners.py): forget handled updates older than inbox.keep_days."""
    removed = await InboxRepo(services.db).prune(now, timedelta(days=services.settings.inbox.keep_days))
    if removed:
        log.info("event=inbox_pruned rows=%d", removed)


def _reply_chat(raw: dict[str, Any]) -> int | None:
    """Where to answer an update: its chat, else (a button on an old message) its sender."""
    for kind, body in raw.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = body.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None
