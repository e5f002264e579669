"""No push stuck, none given up while it still matters, possible duplicates counted.

The dispatcher against the double with real SQLite; time is the injected FixedClock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot

from bot.broadcasts.rules import render_report
from bot.clock import FixedClock
from bot.config import DeliverySettings
from scheduler.engine import DeliveryEngine
from storage.broadcasts import Progress
from storage.database import Database
from storage.outbox import OutboxRepo, Priority
from tests.double import Fault, TelegramDouble
from tests.scheduler.test_crash import wait_until
from tests.scheduler.test_dispatcher import push, row


async def test_row_stuck_in_sending_is_taken_back_after_the_lease_without_restart(
        double: TelegramDouble, tmp_path: Path, clock: FixedClock, bot: Bot) -> None:
    db = Database(tmp_path / "lease.sqlite3", busy_timeout_ms=100)
    await db.open()
    double.user(11, "Budi")
    # The send takes a moment, so the database can be locked while it is in flight.
    double.inject(Fault(method="sendMessage", chat_id=11, error="slow", delay=0.5, times=1))
    settings = DeliverySettings(lease_seconds=60)
    try:
        async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=settings) as engine:
            await push(db, clock, "k", 11)
            run = asyncio.create_task(engine.run_due())
            await wait_until(lambda: engine.dispatcher.in_flight == 1, 10)  # claimed: 'sending'
            locker = sqlite3.connect(tmp_path / "lease.sqlite3", isolation_level=None)
            locker.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
            await run  # the send was answered, but its result could not be recorded
            locker.execute("ROLLBACK")
            locker.close()
            assert (await row(db, "k"))["status"] == "sending"
            assert len(double.sent(11)) == 1

            clock.advance(timedelta(seconds=30))
            await engine.run_due()
            assert (await row(db, "k"))["status"] == "sending"  # within the lease: left alone

            clock.advance(timedelta(seconds=31))
            await engine.run_due()
            taken_back = await row(db, "k")
            assert taken_back["status"] == "sent" and taken_back["maybe_sent"] == 1
            assert len(double.sent(11)) == 2  # the possible duplicate, counted
            assert engine.dispatcher.stats.possible_duplicates == 1
            assert await OutboxRepo(db).possible_duplicates() == 1
    finally:
        await db.close()


async def test_timeout_after_delivery_is_counted_as_possible_duplicate(
        double: TelegramDouble, db: Database, clock: FixedClock, bot: Bot) -> None:
    double.user(11, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=11, error="slow", delay=0.6, times=1))
    settings = DeliverySettings(send_timeout_seconds=0.3, backoff_base_seconds=1.0)
    async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=settings) as engine:
        await push(db, clock, "k", 11)
        await engine.run_due()
        clock.advance(timedelta(seconds=1))
        await engine.run_due()
        r = await row(db, "k")
        # The double drops a request whose client gave up; Telegram may not: counted either way.
        assert r["status"] == "sent" and r["maybe_sent"] == 1
        assert [m.text for m in double.sent(11)] == ["Halo"]
        assert engine.dispatcher.stats.possible_duplicates == 1
        assert await OutboxRepo(db).possible_duplicates() == 1


async def test_five_minute_outage_with_a_reminder_due_inside_it(
        double: TelegramDouble, db: Database, clock: FixedClock, bot: Bot) -> None:
    double.user(11, "Budi")
    double.user(12, "Sri")
    outage = double.inject(Fault(method="sendMessage", error="502", times=None))
    start = clock.now()
    async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings()) as engine:
        # Due one minute into the outage; the meeting starts in an hour.
        await push(db, clock, "reminder", 11, "Rapat pukul 11.00", due=start + timedelta(minutes=1),
                   priority=Priority.REMINDER, urgent=True, expires_at=start + timedelta(hours=1))
        # Pointless after 3 minutes: it must expire, never go out late.
        await push(db, clock, "prompt", 12, "RSVP", due=start + timedelta(minutes=1),
                   priority=Priority.REMINDER, urgent=True, expires_at=start + timedelta(minutes=3))
        while clock.now() < start + timedelta(minutes=6):
            if clock.now() >= start + timedelta(minutes=5):
                double.clear_faults()
            await engine.run_due()
            clock.advance(timedelta(seconds=10))
        for _ in range(40):  # backoff is capped at a few minutes: it goes soon after
            await engine.run_due()
            if (await row(db, "reminder"))["status"] == "sent":
                break
            clock.advance(timedelta(seconds=10))
    assert outage.hits >= 5
    assert (await row(db, "reminder"))["status"] == "sent"
    assert [m.text for m in double.sent(11)] == ["Rapat pukul 11.00"]
    assert (await row(db, "prompt"))["status"] == "expired"
    assert double.sent(12) == []
    assert clock.now() - start <= timedelta(minutes=6) + timedelta(seconds=DeliverySettings().backoff_max_seconds)


def test_broadcast_report_counts_possible_duplicates_separately() -> None:
    started = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    progress = Progress(sent=10, failed=1, possible_duplicates=2)
    text = render_report(7, progress, [], started=started, tz=ZoneInfo("Asia/Jakarta"), lang="id")
    assert "Terkirim: 10 dari 11" in text and "Mungkin terkirim dua kali: 2" in text
    clean = render_report(7, Progress(sent=10), [], started=started, tz=ZoneInfo("Asia/Jakarta"), lang="id")
    assert "dua kali" not in clean
