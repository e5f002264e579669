"""Visit storage: compare-and-set against crossing presses, periods, summaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import FixedClock
from bot.visits import rules
from storage.database import Database
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.visits import Change, VisitRepo

A, B, C = 1, 2, 3
VILLAGES = {A: "33.01.18.2011", B: "33.01.18.2001", C: "33.01.18.2004"}
TODAY = date(2026, 11, 24)


async def setup(db: Database, clock: FixedClock) -> int:
    async with db.transaction() as conn:
        forum = await ForumRepo(db).create(conn, name="F", scope_code="33.01.18", timezone="Asia/Jakarta",
                                           created_by=A, now=clock.now())
        for uid, code in VILLAGES.items():
            await MemberRepo(db).upsert(conn, user_id=uid, full_name=f"K{uid}", jabatan="kades", village_code=code,
                                        language="id", now=clock.now())
            await MemberRepo(db).add_membership(conn, forum_id=forum, user_id=uid, role="anggota", status="active",
                                                now=clock.now())
    return forum


async def new_visit(db: Database, clock: FixedClock, forum: int, requester: int, host: int,
                    dates: list[date], bidang: list[str]) -> int:
    visit = rules.new_request(requester, host, dates, TODAY)
    async with db.write() as tx:
        return await VisitRepo(tx).create(forum_id=forum, requester_user_id=requester,
                                          requester_village=VILLAGES[requester], host_user_id=host,
                                          host_village=VILLAGES[host], purpose="Belajar", bidang=bidang, people=3,
                                          message="", state=visit.state, awaiting=visit.awaiting,
                                          proposed=visit.proposed, round=visit.round, now=clock.now())


def change(step: rules.Transition) -> Change:
    after = step.after
    return Change(event=step.event, state=after.state, awaiting=after.awaiting, proposed=after.proposed,
                  round=after.round, visit_date=after.visit_date, closes=after.state in rules.FINAL)


async def test_crossing_presses_only_one_wins(db: Database, clock: FixedClock) -> None:
    forum = await setup(db, clock)
    repo = VisitRepo(db)
    d1, d2 = TODAY + timedelta(days=10), TODAY + timedelta(days=12)
    visit_id = await new_visit(db, clock, forum, A, B, [d1, d2], ["tani"])
    row = await repo.get(visit_id)
    assert row is not None
    # both read the same version; the host accepts while the requester withdraws
    accept = rules.accept(rules.of(row), B, d1, TODAY)
    withdraw = rules.cancel(rules.of(row), A, "tidak jadi")
    async with db.write() as tx:
        assert await VisitRepo(tx).apply(row, change(accept), actor=B, now=clock.now())
    async with db.write() as tx:
        assert not await VisitRepo(tx).apply(row, change(withdraw), actor=A, now=clock.now(), reason="tidak jadi")
    after = await repo.get(visit_id)
    assert after is not None and (after.state, after.version, after.visit_date) == ("diterima", 2, d1)
    assert [e["event"] for e in await repo.events(visit_id)] == ["request", "accept"]


async def test_writes_outside_a_unit_of_work_are_refused(db: Database, clock: FixedClock) -> None:
    forum = await setup(db, clock)
    visit_id = await new_visit(db, clock, forum, A, B, [TODAY + timedelta(days=3), TODAY + timedelta(days=4)],
                               ["tani"])
    with pytest.raises(TypeError):
        await VisitRepo(db).set_host_note(visit_id, "catatan", clock.now())


async def test_in_period_and_summary(db: Database, clock: FixedClock) -> None:
    forum = await setup(db, clock)
    repo = VisitRepo(db)
    december = [TODAY + timedelta(days=10), TODAY + timedelta(days=12)]
    one = await new_visit(db, clock, forum, A, B, december, ["tani", "lingk"])
    two = await new_visit(db, clock, forum, C, B, december, ["tani"])
    await new_visit(db, clock, forum, B, C, december, ["wisata"])
    for visit_id, host in ((one, B), (two, B)):
        row = await repo.get(visit_id)
        assert row is not None
        async with db.write() as tx:
            await VisitRepo(tx).apply(row, change(rules.accept(rules.of(row), host, december[0], TODAY)), actor=host,
                                      now=clock.now())
    dec = await repo.in_period(forum, date(2026, 12, 1), date(2027, 1, 1))
    assert {v.id for v in dec} == {one, two}  # accepted visits count by their day
    nov = await repo.in_period(forum, date(2026, 11, 1), date(2026, 12, 1))
    assert len(nov) == 1 and nov[0].state == "diajukan"  # the open one by its request day
    summary = VisitRepo.summarise(await repo.between_forum_members(forum))
    assert summary.total == 3
    assert summary.by_state == {"diterima": 2, "diajukan": 1}
    assert summary.by_bidang[0] == ("tani", 2)
    assert summary.top_hosts == [(VILLAGES[B], 2)]
