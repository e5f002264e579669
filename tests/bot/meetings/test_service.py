"""The meeting use cases called without Telegram: plain values in, state (rows, pushes) out.

Real SQLite file, real repositories and outbox; no bot, no double.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.errors import Conflict, InvalidInput, NotAMember, NotPermitted, StaleAction
from bot.meetings import service
from bot.meetings.pushes import announce, push_context, reminders_prefix
from bot.meetings.service import PlannedAction
from bot.recurrence import Recurrence, describe
from bot.services import Services
from storage.database import Database
from tests.conftest import SIDASARI_CIPARI, START, seed_forum

KOORD, ANGGOTA, CARUY_KADES, STRANGER = 1001, 2001, 2002, 9999
CARUY = "33.01.18.2001"
MONDAY_9 = START + timedelta(days=13)  # two weeks ahead


@pytest.fixture
async def services(db: Database) -> AsyncIterator[Services]:
    yield Services.build(load_settings(environ={}), db, FixedClock(START))


async def _forum(services: Services) -> int:
    return await seed_forum(services, koordinator=KOORD, members={
        KOORD: ("Budi Santoso", SIDASARI_CIPARI), ANGGOTA: ("Siti Aminah", SIDASARI_CIPARI),
        CARUY_KADES: ("Joko Caruy", CARUY)}, group_chat_id=-100777)


async def _meeting(services: Services, forum_id: int, *, max_attendees: int | None = None,
                   series_rule: dict[str, Any] | None = None, count: int = 1) -> list[int]:
    """Scheduled (and announced) meetings, as the meeting form saves them."""
    ctx = await push_context(services, forum_id)
    now = services.clock.now()
    async with services.write() as tx:
        series_id = None
        if series_rule is not None:
            series_id = await tx.meetings.create_series(forum_id=forum_id, rule=series_rule, first_start_at=MONDAY_9,
                                                        timezone="Asia/Jakarta", host_rotation=[SIDASARI_CIPARI, CARUY],
                                                        created_by=KOORD, now=now)
        ids = [await tx.meetings.create(forum_id=forum_id, title="Rapat rutin", starts_at=MONDAY_9 + timedelta(weeks=i),
                                        duration_minutes=120, timezone="Asia/Jakarta", place_kind="village",
                                        host_village_code=(SIDASARI_CIPARI, CARUY)[i % 2], created_by=KOORD, now=now,
                                        series_id=series_id, seq=i + 1 if series_id else None,
                                        max_attendees=max_attendees)
               for i in range(count)]
        first = await tx.meetings.get(ids[0])
        assert first is not None
        await announce(tx, ctx, first)
    return ids


async def _pushes(services: Services, prefix: str, status: str = "pending") -> list[dict[str, Any]]:
    rows = await services.db.fetchall(
        "SELECT idem_key, chat_id, payload FROM outbox WHERE idem_key LIKE ? AND status = ? ORDER BY id",
        (prefix + "%", status))
    return [{"key": r["idem_key"], "chat_id": r["chat_id"], **json.loads(r["payload"])} for r in rows]


async def test_rsvp_records_once_and_replans_that_members_reminders(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)
    pending = await _pushes(services, reminders_prefix(mid, 1, ANGGOTA))
    assert pending and all(":r0:" in p["key"] for p in pending)  # not answered yet: "please answer" reminders

    meeting, changed = await service.rsvp(services, mid, ANGGOTA, "yes", party_size=3)
    assert changed and meeting.id == mid
    rows = await services.db.fetchall("SELECT answer, party_size, revision FROM meeting_rsvps WHERE meeting_id = ?",
                                      (mid,))
    assert [(r["answer"], r["party_size"], r["revision"]) for r in rows] == [("yes", 3, 1)]
    # The unanswered reminders went; the "you are coming" ones follow the new revision.
    assert not await _pushes(services, f"{reminders_prefix(mid, 1, ANGGOTA)}r0:")
    assert await _pushes(services, f"{reminders_prefix(mid, 1, ANGGOTA)}r1:")
    # Other members' reminders are untouched.
    assert await _pushes(services, f"{reminders_prefix(mid, 1, CARUY_KADES)}r0:")

    _, again = await service.rsvp(services, mid, ANGGOTA, "yes", party_size=3)
    assert not again


async def test_rsvp_refusals(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id, max_attendees=4)
    with pytest.raises(NotAMember):
        await service.rsvp(services, mid, STRANGER, "yes")
    await service.rsvp(services, mid, KOORD, "yes", party_size=3)
    with pytest.raises(InvalidInput) as full:
        await service.rsvp(services, mid, ANGGOTA, "yes", party_size=2)
    assert full.value.message_key == "meet.rsvp.full"
    await service.rsvp(services, mid, ANGGOTA, "yes", party_size=1)  # exactly the limit


async def test_reason_only_after_saying_no(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)
    with pytest.raises(StaleAction):
        await service.give_reason(services, mid, ANGGOTA, "Musrenbang")
    await service.rsvp(services, mid, ANGGOTA, "no")
    await service.give_reason(services, mid, ANGGOTA, "Musrenbang")
    assert await services.db.fetchval("SELECT reason FROM meeting_rsvps WHERE user_id = ?", (ANGGOTA,)) == "Musrenbang"


async def test_cancel_by_koordinator_only_drops_reminders_and_tells_everyone(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)
    with pytest.raises(NotPermitted):
        await service.cancel(services, mid, ANGGOTA, "one")
    assert await service.cancel(services, mid, KOORD, "one") == 1
    assert await services.db.fetchval("SELECT status FROM meetings WHERE id = ?", (mid,)) == "cancelled"
    assert not await _pushes(services, reminders_prefix(mid))
    notices = await _pushes(services, f"meeting:{mid}:cancel:")
    assert {n["chat_id"] for n in notices} == {KOORD, ANGGOTA, CARUY_KADES, -100777}
    with pytest.raises(Conflict):
        await service.cancel(services, mid, KOORD, "one")
    with pytest.raises(InvalidInput):
        await service.rsvp(services, mid, ANGGOTA, "yes")


async def test_cancel_rest_of_series(services: Services) -> None:
    forum_id = await _forum(services)
    ids = await _meeting(services, forum_id, series_rule={"kind": "weekly", "interval": 1, "weekday": 0}, count=3)
    assert await service.cancel(services, ids[1], KOORD, "all") == 2
    states = [await services.db.fetchval("SELECT status FROM meetings WHERE id = ?", (i,)) for i in ids]
    assert states == ["scheduled", "cancelled", "cancelled"]


async def test_meeting_reminders_toggle_and_replan(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)
    _, before = await service.meeting_reminders(services, mid, KOORD)
    code = before[0]
    with pytest.raises(NotPermitted):
        await service.toggle_reminder(services, mid, ANGGOTA, code)
    _, after = await service.toggle_reminder(services, mid, KOORD, code)
    assert code not in after and set(after) == set(before) - {code}
    planned = {p["key"].rsplit(":", 1)[1] for p in await _pushes(services, reminders_prefix(mid))}
    assert code not in planned
    with pytest.raises(StaleAction):
        await service.toggle_reminder(services, mid, KOORD, "zz")


async def test_host_swap_asks_the_other_village_and_moves_the_host_when_it_agrees(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)  # hosted by Sidasari
    with pytest.raises(NotPermitted):
        await service.request_swap(services, mid, CARUY_KADES, SIDASARI_CIPARI)  # not the host
    _, villages = await service.swap_candidates(services, mid, ANGGOTA)
    assert set(villages) == {CARUY}
    label = await service.request_swap(services, mid, ANGGOTA, CARUY)
    assert "Caruy" in label
    swap_id = await services.db.fetchval("SELECT id FROM meeting_host_swaps WHERE meeting_id = ?", (mid,))
    [request] = await _pushes(services, f"mswap:{swap_id}:req:")
    assert request["chat_id"] == CARUY_KADES
    with pytest.raises(NotPermitted):
        await service.answer_swap(services, swap_id, KOORD, True)  # only Caruy may answer
    await service.answer_swap(services, swap_id, CARUY_KADES, True)
    assert await services.db.fetchval("SELECT host_village_code FROM meetings WHERE id = ?", (mid,)) == CARUY
    [result] = await _pushes(services, f"mswap:{swap_id}:result")
    assert result["chat_id"] == ANGGOTA
    assert await _pushes(services, f"meeting:{mid}:change:")  # everyone hears of the new host
    with pytest.raises(Conflict):
        await service.answer_swap(services, swap_id, CARUY_KADES, False)


async def test_attendance_minutes_and_action_items(services: Services) -> None:
    forum_id = await _forum(services)
    [mid] = await _meeting(services, forum_id)
    await service.rsvp(services, mid, ANGGOTA, "yes")
    with pytest.raises(InvalidInput):
        await service.attendance_sheet(services, mid, KOORD)  # not started yet
    assert isinstance(services.clock, FixedClock)
    services.clock.set(MONDAY_9 + timedelta(hours=3))

    sheet = await service.attendance_sheet(services, mid, KOORD)
    assert {p[0] for p in sheet.people} == {KOORD, ANGGOTA, CARUY_KADES} and sheet.present == [ANGGOTA]
    with pytest.raises(NotPermitted):
        await service.record_attendance(services, mid, ANGGOTA, [KOORD], {KOORD})
    _, total = await service.record_attendance(services, mid, KOORD, [p[0] for p in sheet.people], {KOORD, ANGGOTA})
    assert total == 3
    rows = await services.db.fetchall("SELECT user_id, present FROM meeting_attendance WHERE meeting_id = ?", (mid,))
    assert {r["user_id"]: r["present"] for r in rows} == {KOORD: 1, ANGGOTA: 1, CARUY_KADES: 0}
    assert not await _pushes(services, f"meeting:{mid}:att:")  # the prompt to record it is gone

    due = (MONDAY_9 + timedelta(days=7)).date()
    await service.save_minutes(services, mid, KOORD, ["Gotong royong Sabtu"], [PlannedAction("Data BUMDes", ANGGOTA, due)])
    minutes = await _pushes(services, f"meeting:{mid}:minutes:")
    assert {m["chat_id"] for m in minutes} == {KOORD, ANGGOTA, CARUY_KADES, -100777}
    assert all("Gotong royong Sabtu" in m["text"] and "Siti Aminah" in m["text"] for m in minutes)
    action_id = await services.db.fetchval("SELECT id FROM meeting_actions WHERE meeting_id = ?", (mid,))
    reminders = await _pushes(services, f"maction:{action_id}:due:")
    assert {r["key"].rsplit(":", 1)[1] for r in reminders} == {"h3", "h1", "h0"}

    with pytest.raises(NotPermitted):
        await service.mark_action_done(services, action_id, CARUY_KADES)  # neither owner nor koordinator
    item = await service.mark_action_done(services, action_id, ANGGOTA)
    assert item.text == "Data BUMDes"
    assert not await _pushes(services, f"maction:{action_id}:due:")
    with pytest.raises(Conflict):
        await service.mark_action_done(services, action_id, KOORD)


async def test_first_announcement_of_a_new_series_names_its_rule(services: Services) -> None:
    """The series is created in the same unit of work as the announcement; the card must see it."""
    forum_id = await _forum(services)
    rule = {"kind": "weekly", "interval": 2, "weekday": 0}
    [mid] = await _meeting(services, forum_id, series_rule=rule)
    [group] = await _pushes(services, f"meeting:{mid}:announce:group")
    assert describe(Recurrence(kind="weekly", interval=2, weekday=0), "id") in group["text"]

