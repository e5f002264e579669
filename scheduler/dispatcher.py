"""The dispatcher: sends due outbox rows to Telegram under its limits, and records what happened.

One pass (`step`) claims due rows (interactive before reminders before bulk, oldest first)
for chats that are free to receive, and starts their sends, at most `in_flight` at once.
A row is 'sending' from the claim until Telegram answers; the answer is written at once:

    ok                                  -> sent (+ message_id); pinned on request
    429 retry_after                     -> pending; that chat (or all) pauses retry_after seconds
    5xx, timeout, network               -> pending again after exponential backoff with jitter
                                           (capped at backoff_max_seconds), until the push has
                                           expired (expires_at) or, without one, until
                                           retry_max_age_seconds after it was due: then failed
    timeout                             -> as above, and marked maybe_sent: Telegram may have
                                           delivered it, so the resend is a possible duplicate
    403 blocked / deactivated / can't   -> failed at once; the member is marked unreachable
        initiate; 400 chat not found
    400 other (bad HTML, too long)      -> failed at once (sending again cannot help)
    migrate_to_chat_id                  -> forum group and unsent rows move to the new id; resent

A kill -9 leaves claimed rows in 'sending'; `recover()` at start makes them pending again,
so they are sent again. Duplicates are therefore bounded by `in_flight`: a slot is freed
only after the sent mark is committed. A row whose answer could not be recorded (database
locked, disk full) stays 'sending' with no send in flight; after `lease_seconds` it is taken
back and sent again without a restart (a possible duplicate, counted as such).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from bot.config import DeliverySettings
from scheduler.limits import Limiter
from scheduler.quiet import quiet_until, zone
from storage.database import Database
from storage.outbox import OutboxRepo, OutboxRow, Priority, Sent

log = logging.getLogger(__name__)

# do_api_request("sendMessage", ...) makes PTB suggest its typed method; that advice is for
# hand-written calls, not for replaying stored Bot API calls.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|sendPhoto|sendDocument)",
                        category=PTBUserWarning)

# Seconds of sends booked ahead per claim; the rows wait in 'sending', so keep it short.
HORIZON = 0.5
# Seconds a confirmation may wait for others to share its database write.
SENT_LINGER = 0.1

# Telegram's descriptions for recipients that will never accept a message until they act.
_UNREACHABLE = (
    ("blocked by the user", "blocked"),
    ("user is deactivated", "deactivated"),
    ("can't initiate conversation", "not_started"),
    ("bot can't send messages to bots", "is_bot"),
    ("chat not found", "chat_not_found"),
    ("bot was kicked", "kicked"),
    ("not a member of", "kicked"),
    ("have no rights to send", "no_rights"),
    ("not enough rights", "no_rights"),
)


def classify_permanent(exc: TelegramError) -> str | None:
    """A short reason code when the recipient is unreachable, else None."""
    text = str(exc).lower()
    for needle, reason in _UNREACHABLE:
        if needle in text:
            return reason
    if isinstance(exc, Forbidden):
        return "forbidden"
    return None


@dataclass
class DispatchStats:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    retried_429: int = 0
    retried_transient: int = 0
    expired: int = 0
    deferred: int = 0
    migrated: int = 0
    possible_duplicates: int = 0  # timed out after Telegram may have delivered, or taken back by the lease
    started_at: float = field(default_factory=time.monotonic)


class _SentWriter:
    """Group commit for confirmations: answers arriving within SENT_LINGER share one write."""

    def __init__(self, repo: OutboxRepo) -> None:
        self._repo = repo
        self._queue: list[tuple[Sent, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def mark(self, sent: Sent) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((sent, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        # A short linger lets the answers of neighbouring sends share one transaction; the
        # rows stay 'sending' meanwhile and their slots stay taken, so the bound holds.
        await asyncio.sleep(SENT_LINGER)
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self._repo.mark_sent([s for s, _ in batch])
            except Exception as exc:  # the rows stay 'sending' and are resent after a restart
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


class Dispatcher:
    def __init__(
        self,
        *,
        bot: Bot,
        db: Database,
        clock: Clock,
        settings: DeliverySettings,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.bot = bot
        self.repo = OutboxRepo(db)
        self.clock = clock
        self.settings = settings
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.limiter = Limiter(settings)
        self.stats = DispatchStats()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._busy_chats: set[int] = set()
        self._writer = _SentWriter(self.repo)
        self._zones: dict[int, str] = {}
        self._zones_loaded_at = -1e9
        # Set whenever something changed that could let another row go (a send finished).
        self.changed = asyncio.Event()
        self._reclaimed_at: datetime | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def recover(self) -> int:
        """Rows in flight when the process died go back to pending; they are sent again."""
        n = await self.repo.recover_in_flight()
        if n:
            log.warning("event=outbox_recovered rows=%d note=may_duplicate_up_to_in_flight", n)
        return n

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def wait_idle(self) -> None:
        """Wait for the sends in flight to be answered and recorded."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def cancel_in_flight(self) -> None:
        """Shutdown: abandon unanswered sends; their rows stay 'sending' and recover() resends them."""
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    # -- one pass --------------------------------------------------------------------------
    async def step(self) -> float | None:
        """Claim the rows that may go within the next HORIZON seconds and start their sends.

        Send times are booked with the limiter and each send waits for its own time, so one
        database round trip serves a batch. Returns seconds until another pass could claim
        more, or None when only a finished send or new rows can change that.
        """
        free = self.settings.in_flight - len(self._tasks)
        if free <= 0:
            return None
        mono = self.monotonic()
        backlog = self.limiter.backlog(mono)
        if backlog > HORIZON / 2:
            return backlog - HORIZON / 2  # enough booked; look again when it runs low
        now = self.clock.now()
        await self._reclaim_stale(now)
        limited = self.limiter.limited_chats(mono)
        exclude = self._busy_chats | limited.keys()
        limit = free + 8
        rows = await self.repo.ready(now, limit=limit, exclude_chats=exclude)
        if not rows:
            return min(limited.values()) if limited else None

        await self._load_zones(rows, mono)
        expired: list[int] = []
        deferred: list[tuple[int, datetime]] = []
        chosen: list[tuple[OutboxRow, float]] = []
        chats: set[int] = set()
        full = False
        for row in rows:
            if row.expires_at is not None and row.expires_at <= now:
                expired.append(row.id)
                log.info("event=outbox_expired id=%d key=%s", row.id, row.idem_key)
                continue
            until = self._quiet_until(row, now)
            if until is not None:
                deferred.append((row.id, until))
                continue
            if row.chat_id in chats:
                continue  # one send per chat at a time keeps the chat's order
            if len(chosen) >= free or self.limiter.global_wait(mono) > HORIZON:
                full = True
                break
            chats.add(row.chat_id)
            chosen.append((row, self.limiter.reserve(row.chat_id, mono)))
        if expired:
            await self.repo.expire(expired)
            self.stats.expired += len(expired)
        if deferred:
            await self.repo.defer(deferred)
            self.stats.deferred += len(deferred)
            log.info("event=outbox_quiet_hours rows=%d until=%s", len(deferred), deferred[0][1].isoformat())
        claimed = await self.repo.claim([r.id for r, _ in chosen], now)
        for row, at in chosen:
            if row.id not in claimed:
                continue  # cancelled meanwhile
            self._busy_chats.add(row.chat_id)
            self._tasks[row.id] = asyncio.create_task(self._send(row, at), name=f"outbox-{row.id}")
        if expired or deferred or full or len(rows) >= limit:
            # More may be ready: come back when the booked sends run low.
            return max(0.0, self.limiter.backlog(self.monotonic()) - HORIZON / 2)
        return min(limited.values()) if limited else None

    async def _reclaim_stale(self, now: datetime) -> None:
        """Take back rows stuck in 'sending' past the lease (checked a few times per lease)."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        if self._reclaimed_at is not None and now - self._reclaimed_at < lease / 6:
            return
        self._reclaimed_at = now
        n = await self.repo.reclaim_stale(now - lease, self._tasks.keys())
        if n:
            self.stats.possible_duplicates += n
            log.warning("event=outbox_lease_expired rows=%d note=possible_duplicates", n)

    def _quiet_until(self, row: OutboxRow, now: datetime) -> datetime | None:
        if row.urgent or row.priority == Priority.INTERACTIVE:
            return None
        tz = zone(self._zones.get(row.forum_id) if row.forum_id is not None else None)
        return quiet_until(now, tz, self.settings.quiet_start, self.settings.quiet_end)

    async def _load_zones(self, rows: list[OutboxRow], mono: float) -> None:
        wanted = {r.forum_id for r in rows if r.forum_id is not None}
        # Forum zones change rarely; refresh every 5 minutes, or at once for unseen forums.
        if wanted - self._zones.keys() or mono - self._zones_loaded_at > 300:
            self._zones.update(await self.repo.forum_timezones(wanted | self._zones.keys()))
            self._zones_loaded_at = mono

    # -- one send --------------------------------------------------------------------------
    async def _send(self, row: OutboxRow, at: float) -> None:
        try:
            await self._wait_turn(row.chat_id, at)
            await self._send_and_record(row)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Recording failed (database trouble): the row stays 'sending' until the next start.
            log.exception("event=outbox_record_failed id=%d", row.id)
        finally:
            self._tasks.pop(row.id, None)
            self._busy_chats.discard(row.chat_id)
            self.changed.set()

    async def _wait_turn(self, chat_id: int, at: float) -> None:
        """Sleep until the booked time, and through any 429 pause that came in after booking."""
        for _ in range(100):  # pauses are finite; the bound only guards against a clock gone wrong
            delay = max(at - self.monotonic(), self.limiter.pause_left(chat_id, self.monotonic()))
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    async def _send_and_record(self, row: OutboxRow) -> None:
        try:
            message_id = await self._call(row)
        except RetryAfter as exc:
            seconds = _retry_after_seconds(exc)
            is_global = self.limiter.retry_after(row.chat_id, seconds, self.monotonic())
            self.stats.retried_429 += 1
            log.warning("event=outbox_429 id=%d chat=%d retry_after=%.1f scope=%s", row.id, row.chat_id,
                        seconds, "global" if is_global else "chat")
            # The wait is kept by the limiter in real time (the chat, or everyone, is paused);
            # the row stays due, so after a restart it simply goes again.
            await self.repo.retry_later(row.id, at=self.clock.now(), error=f"429 retry_after={seconds:g}",
                                        count_attempt=False)
            return
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            moved = await self.repo.migrate_chat(row.chat_id, new_id)
            self.stats.migrated += 1
            log.warning("event=chat_migrated old=%d new=%d rows=%d", row.chat_id, new_id, moved)
            await self.repo.retry_later(row.id, at=self.clock.now(), error="migrated", count_attempt=False)
            return
        except BadRequest as exc:
            if "thread not found" in str(exc).lower() and row.thread_id is not None:
                await self.repo.drop_thread(row.id)
                await self.repo.retry_later(row.id, at=self.clock.now(), error="thread not found",
                                            count_attempt=False)
                return
            await self._permanent(row, exc)
            return
        except Forbidden as exc:
            await self._permanent(row, exc)
            return
        except TimedOut as exc:  # the request may have reached Telegram and been delivered
            self.stats.possible_duplicates += 1
            log.warning("event=outbox_maybe_sent id=%d chat=%d note=possible_duplicate", row.id, row.chat_id)
            await self._transient(row, f"{type(exc).__name__}: {exc}", maybe_sent=True)
            return
        except (NetworkError, TelegramError) as exc:  # 5xx, connection errors
            await self._transient(row, f"{type(exc).__name__}: {exc}")
            return
        await self._writer.mark(Sent(row.id, message_id, self.clock.now()))
        self.stats.sent += 1

    async def _call(self, row: OutboxRow) -> int | None:
        params: dict[str, Any] = dict(row.payload)
        pin = bool(params.pop("pin", False))
        if row.thread_id is not None:
            params["message_thread_id"] = row.thread_id
        # The raw Bot API call: the outbox already holds its parameters, and the dispatcher
        # needs only the message_id, so no Message object is built (CPU per push matters).
        result = await self.bot.do_api_request(row.method, api_kwargs={"chat_id": row.chat_id, **params})
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if pin and message_id is not None:
            try:
                await self.bot.pin_chat_message(row.chat_id, message_id, disable_notification=False)
            except TelegramError as exc:  # the message is out; a missing admin right must not resend it
                log.warning("event=pin_failed id=%d chat=%d error=%s", row.id, row.chat_id, exc)
        return message_id

    async def _permanent(self, row: OutboxRow, exc: TelegramError) -> None:
        reason = classify_permanent(exc)
        self.stats.failed += 1
        if reason is not None:
            self.stats.unreachable += 1
            log.warning("event=outbox_unreachable id=%d chat=%d reason=%s", row.id, row.chat_id, reason)
            await self.repo.fail(row.id, error=reason, unreachable_user=row.member_user_id, now=self.clock.now())
        else:
            log.warning("event=outbox_rejected id=%d chat=%d error=%s", row.id, row.chat_id, exc)
            await self.repo.fail(row.id, error=f"rejected: {exc}"[:300])

    async def _transient(self, row: OutboxRow, error: str, *, maybe_sent: bool = False) -> None:
        attempts = row.attempts + 1
        now = self.clock.now()
        # Whole seconds: the database keeps times to the second.
        delay = float(math.ceil(self.backoff(attempts)))
        retry_at = now + timedelta(seconds=delay)
        # Retries end by meaning: an expiring push is expired by step() once expires_at passes;
        # one that never expires is given up retry_max_age_seconds after it was due.
        give_up_at = row.due_at + timedelta(seconds=self.settings.retry_max_age_seconds)
        if row.expires_at is None and retry_at >= give_up_at:
            self.stats.failed += 1
            log.error("event=outbox_dead id=%d chat=%d attempts=%d error=%s", row.id, row.chat_id, attempts, error)
            await self.repo.fail(row.id, error=f"gave up after {attempts} attempts: {error}"[:300])
            return
        self.stats.retried_transient += 1
        log.warning("event=outbox_retry id=%d chat=%d attempt=%d delay=%.1f error=%s", row.id, row.chat_id,
                    attempts, delay, error)
        await self.repo.retry_later(row.id, at=retry_at, error=error[:300], count_attempt=True, maybe_sent=maybe_sent)

    def backoff(self, attempts: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so retries spread out."""
        ceiling = min(self.settings.backoff_max_seconds, self.settings.backoff_base_seconds * 2 ** (attempts - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22.2+ warns that the type becomes timedelta later
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
