"""The dispatcher against the Telegram test double: what is sent, when, and what each error does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.clock import FixedClock
from bot.config import DeliverySettings
from scheduler.engine import DeliveryEngine
from storage.database import Database
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.outbox import OutboxRepo, Priority, cancel_prefix, enqueue
from tests.double import Fault, TelegramDouble
from tests.world import make_world


async def push(db: Database, clock: FixedClock, key: str, chat_id: int, text: str = "Halo", *,
               due: datetime | None = None, **kwargs: Any) -> bool:
    async with db.transaction() as conn:
        return await enqueue(conn, key=key, chat_id=chat_id, text=text, due_at=due or clock.now(),
                             now=clock.now(), **kwargs)


async def row(db: Database, key: str) -> dict[str, Any]:
    found = await OutboxRepo(db).by_key(key)
    assert found is not None
    return found


def statuses(double: TelegramDouble, chat_id: int) -> list[int]:
    return [r.status for r in double.request_log if r.chat_id == chat_id and r.method.lower().startswith("send")]


async def test_due_rows_are_sent_and_marked_with_message_id(double: TelegramDouble, db: Database,
                                                            clock: FixedClock, engine: DeliveryEngine) -> None:
    for uid in (11, 12, 13):
        double.user(uid, f"Kades {uid}")
        await push(db, clock, f"t:{uid}", uid, f"Rapat <b>besok</b> {uid}")
    await engine.run_due()
    for uid in (11, 12, 13):
        sent = double.sent(uid)
        assert [m.text for m in sent] == [f"Rapat besok {uid}"]
        r = await row(db, f"t:{uid}")
        assert r["status"] == "sent" and r["message_id"] == sent[0].message_id and r["sent_at"]


async def test_future_rows_wait_for_their_time(double: TelegramDouble, db: Database, clock: FixedClock,
                                               engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    await push(db, clock, "later", 11, due=clock.now() + timedelta(hours=1))
    await engine.run_due()
    assert double.sent(11) == []
    clock.advance(timedelta(minutes=59, seconds=59))
    await engine.run_due()
    assert double.sent(11) == []
    clock.advance(timedelta(seconds=1))
    await engine.run_due()
    assert len(double.sent(11)) == 1


async def test_scheduling_twice_sends_once(double: TelegramDouble, db: Database, clock: FixedClock,
                                           engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    assert await push(db, clock, "meeting:1:reminder:h-1:user:11", 11, "satu") is True
    assert await push(db, clock, "meeting:1:reminder:h-1:user:11", 11, "dua") is False
    await engine.run_due()
    assert await push(db, clock, "meeting:1:reminder:h-1:user:11", 11, "tiga") is False
    await engine.run_due()
    assert [m.text for m in double.sent(11)] == ["satu"]


async def test_cancelled_key_can_be_scheduled_again(double: TelegramDouble, db: Database, clock: FixedClock,
                                                    engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    await push(db, clock, "meeting:1:reminder:h-1", 11, "lama", due=clock.now() + timedelta(hours=2))
    async with db.transaction() as conn:
        assert await cancel_prefix(conn, "meeting:1:") == 1
    await engine.run_due()
    assert (await row(db, "meeting:1:reminder:h-1"))["status"] == "cancelled"
    assert await push(db, clock, "meeting:1:reminder:h-1", 11, "baru") is True
    await engine.run_due()
    assert [m.text for m in double.sent(11)] == ["baru"]


async def test_429_waits_retry_after_then_sends(double: TelegramDouble, db: Database, clock: FixedClock,
                                                engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    double.user(12, "Sari")
    double.inject(Fault(method="sendMessage", chat_id=11, error="429", retry_after=1, times=1))
    await push(db, clock, "k", 11)
    await push(db, clock, "other", 12, due=clock.now() + timedelta(seconds=0))
    await engine.run_due()  # waits the real second for chat 11 only
    assert statuses(double, 11) == [429, 200]
    times = [r.time for r in double.request_log if r.chat_id == 11]
    assert times[1] - times[0] >= 0.95
    r = await row(db, "k")
    assert r["status"] == "sent" and r["attempts"] == 0  # a 429 is not a failed attempt
    other = [r.time for r in double.request_log if r.chat_id == 12]
    assert other[0] - times[0] < 0.5  # another chat was not held up by chat 11's pause


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_server_errors_back_off_then_succeed(kind: str, double: TelegramDouble, db: Database,
                                                   clock: FixedClock, engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=11, error=kind, times=2))
    await push(db, clock, "k", 11)
    await engine.run_due()
    first = await row(db, "k")
    assert first["status"] == "pending" and first["attempts"] == 1
    delay = datetime.fromisoformat(first["next_try_at"]) - clock.now()
    assert timedelta(seconds=0) <= delay <= timedelta(seconds=1)  # base 1 s, half of it jitter
    clock.advance(timedelta(seconds=1))
    await engine.run_due()
    second = await row(db, "k")
    assert second["attempts"] == 2
    assert datetime.fromisoformat(second["next_try_at"]) - clock.now() >= timedelta(seconds=1)  # doubled
    clock.advance(timedelta(seconds=2))
    await engine.run_due()
    assert (await row(db, "k"))["status"] == "sent"
    assert statuses(double, 11) == [int(kind), int(kind), 200]


async def test_server_errors_give_up_after_max_age(double: TelegramDouble, db: Database,
                                                        clock: FixedClock, engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=11, error="502", times=None))
    await push(db, clock, "k", 11)
    for _ in range(6):
        await engine.run_due()
        clock.advance(timedelta(seconds=15))
    r = await row(db, "k")
    assert r["status"] == "failed" and "gave up after 3 attempts" in r["last_error"]
    assert statuses(double, 11) == [502, 502, 502]


async def test_timeouts_are_retried(double: TelegramDouble, db: Database, clock: FixedClock, bot: Bot) -> None:
    double.user(11, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=11, error="slow", delay=1.0, times=1))
    settings = DeliverySettings(send_timeout_seconds=0.3, backoff_base_seconds=1.0)
    async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=settings) as engine:
        await push(db, clock, "k", 11)
        await engine.run_due()
        r = await row(db, "k")
        assert r["status"] == "pending" and r["attempts"] == 1 and "TimedOut" in r["last_error"]
        clock.advance(timedelta(seconds=1))
        await engine.run_due()
        assert (await row(db, "k"))["status"] == "sent"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [("block", "blocked"), ("deactivate", "deactivated"), ("never_started", "not_started"), ("unknown", "chat_not_found")],
)
async def test_unreachable_members_fail_once_and_are_marked(setup: str, reason: str, double: TelegramDouble,
                                                           db: Database, clock: FixedClock,
                                                           engine: DeliveryEngine) -> None:
    world = await make_world(db, clock.now(), members=1)
    uid = world.members[0]
    if setup != "unknown":
        double.user(uid, "Budi")
        getattr(double, setup)(uid)
    await push(db, clock, "k", uid, forum_id=world.forum_id, member_user_id=uid)
    await engine.run_due()
    clock.advance(timedelta(hours=1))
    await engine.run_due()
    r = await row(db, "k")
    assert r["status"] == "failed" and r["last_error"] == reason
    assert len(statuses(double, uid)) == 1  # never retried
    member = await MemberRepo(db).get(uid)
    assert member is not None and member.unreachable_reason == reason and member.unreachable_at == clock.now() - timedelta(hours=1)


async def test_bad_html_fails_without_retry_and_keeps_member_reachable(double: TelegramDouble, db: Database,
                                                                      clock: FixedClock,
                                                                      engine: DeliveryEngine) -> None:
    world = await make_world(db, clock.now(), members=1)
    uid = world.members[0]
    double.user(uid, "Budi")
    await push(db, clock, "k", uid, "<b>tidak ditutup", member_user_id=uid)
    await engine.run_due()
    r = await row(db, "k")
    assert r["status"] == "failed" and r["last_error"].startswith("rejected:")
    member = await MemberRepo(db).get(uid)
    assert member is not None and member.unreachable_reason is None


async def test_group_migration_moves_forum_and_resends(double: TelegramDouble, db: Database, clock: FixedClock,
                                                       engine: DeliveryEngine) -> None:
    old, new = -100, -1001234567890
    double.group(old, "Forum Kades", chat_type="group", bot_status="member")
    world = await make_world(db, clock.now(), members=0, group_chat_id=old)
    double.migrate_group(old, new)
    await push(db, clock, "g1", old, "satu", forum_id=world.forum_id)
    await push(db, clock, "g2", old, "dua", forum_id=world.forum_id)
    await engine.run_due()
    assert [m.text for m in double.sent(new)] == ["satu", "dua"]
    forum = await ForumRepo(db).get(world.forum_id)
    assert forum is not None and forum.group_chat_id == new
    for key in ("g1", "g2"):
        r = await row(db, key)
        assert r["status"] == "sent" and r["chat_id"] == new


async def test_expired_rows_are_skipped(double: TelegramDouble, db: Database, clock: FixedClock,
                                        engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    start = clock.now()
    await push(db, clock, "gone", 11, "rapat sudah lewat", due=start, expires_at=start + timedelta(minutes=30))
    await push(db, clock, "fine", 11, "masih berlaku", due=start, expires_at=start + timedelta(hours=3))
    clock.advance(timedelta(hours=1))  # the bot was down for an hour
    await engine.run_due()
    assert [m.text for m in double.sent(11)] == ["masih berlaku"]
    assert (await row(db, "gone"))["status"] == "expired"


async def test_quiet_hours_hold_bulk_until_morning_but_not_urgent(double: TelegramDouble, db: Database,
                                                                 clock: FixedClock,
                                                                 engine: DeliveryEngine) -> None:
    world = await make_world(db, clock.now(), members=0, timezone="Asia/Makassar")  # WITA, UTC+8
    double.user(11, "Budi")
    double.user(12, "Sari")
    double.user(13, "Joko")
    clock.set(datetime(2026, 12, 7, 14, 30, tzinfo=UTC))  # 22.30 WITA
    await push(db, clock, "bulk", 11, "siaran", priority=Priority.BULK, forum_id=world.forum_id)
    await push(db, clock, "urgent", 12, "rapat dibatalkan", priority=Priority.REMINDER, urgent=True,
               forum_id=world.forum_id)
    await push(db, clock, "reply", 13, "permintaan kunjungan", priority=Priority.INTERACTIVE,
               forum_id=world.forum_id)
    await engine.run_due()
    assert len(double.sent(12)) == 1 and len(double.sent(13)) == 1 and double.sent(11) == []
    bulk = await row(db, "bulk")
    assert bulk["status"] == "pending"
    assert bulk["next_try_at"] == datetime(2026, 12, 7, 22, 0, tzinfo=UTC).isoformat()  # 06.00 WITA
    clock.set(datetime(2026, 12, 7, 21, 59, tzinfo=UTC))
    await engine.run_due()
    assert double.sent(11) == []
    clock.set(datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    await engine.run_due()
    assert [m.text for m in double.sent(11)] == ["siaran"]


async def test_interactive_goes_ahead_of_bulk(double: TelegramDouble, db: Database, clock: FixedClock,
                                              bot: Bot) -> None:
    for uid in range(20, 26):
        double.user(uid, f"U{uid}")
        await push(db, clock, f"bulk:{uid}", uid, "siaran", priority=Priority.BULK)
    double.user(30, "Penting")
    await push(db, clock, "approve", 30, "disetujui", priority=Priority.INTERACTIVE,
               due=clock.now() + timedelta(seconds=0))
    async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings(in_flight=1)) as engine:
        await engine.run_due()
    order = [m.chat_id for m in double.sent()]
    assert order[0] == 30 and sorted(order[1:]) == list(range(20, 26))
    assert order[1:] == list(range(20, 26))  # oldest first among equals


async def test_pin_on_request(double: TelegramDouble, db: Database, clock: FixedClock,
                              engine: DeliveryEngine) -> None:
    group = double.group(-200, "Forum Kades", bot_status="administrator")
    await push(db, clock, "pin", group.id, "Agenda", params={"pin": True})
    await engine.run_due()
    sent = double.sent(group.id)
    assert len(sent) == 1 and double.pinned(group.id) == [sent[0].message_id]


async def test_deleted_topic_falls_back_to_main_thread(double: TelegramDouble, db: Database, clock: FixedClock,
                                                       engine: DeliveryEngine) -> None:
    group = double.group(-300, "Forum Kades", is_forum=True, bot_status="administrator")
    await push(db, clock, "topic", group.id, "Notulen", thread_id=999)
    await engine.run_due()
    sent = double.sent(group.id)
    assert len(sent) == 1 and sent[0].thread_id is None
