"""The agreements planner looks only at what is due: a next due time per agreement, reset by changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scheduler.agreements import PLANNER, RECHECK, plan_agreements
from storage.planning import PlanningRepo
from storage.timeutil import to_db
from tests.conftest import BotHarness
from tests.handlers.test_agreements import make_agreement, seed


async def test_agreement_next_due_is_the_first_prompt_and_an_answer_resets_it(bot: BotHarness) -> None:
    services = bot.services
    forum_id = await seed(bot)
    agreement_id = await make_agreement(services, forum_id)  # triwulan from 1 Dec 2026
    planning = PlanningRepo(services.db)
    assert await planning.next_at(PLANNER, agreement_id) == ""  # new: due now
    now = bot.clock.now()
    await plan_agreements(services, now)
    # Nothing for months: looked at again after a day (the safety net), not every minute.
    assert await planning.next_at(PLANNER, agreement_id) == to_db(now + RECHECK)
    assert await planning.due(PLANNER, now + timedelta(hours=23)) == []
    # Close to the first period's end (1 Mar 2027), the next due is its prompt, 08.00 WIB that day.
    await plan_agreements(services, datetime(2027, 2, 28, 12, 0, tzinfo=UTC))
    assert await planning.next_at(PLANNER, agreement_id) == "2027-03-01T01:00:00+00:00"
    # Any change to the agreement brings it back at once.
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE agreements SET title = 'Air Bersih Bersama' WHERE id = ?", (agreement_id,))
    assert await planning.due(PLANNER, now) == [agreement_id]


async def test_idle_pass_reads_no_agreement(bot: BotHarness) -> None:
    services = bot.services
    forum_id = await seed(bot)
    for _ in range(3):
        await make_agreement(services, forum_id, start=date(2026, 12, 1))
    now = bot.clock.now()
    await plan_agreements(services, now)
    seen: list[str] = []
    await services.db.reader.set_trace_callback(seen.append)
    try:
        await plan_agreements(services, now + timedelta(minutes=1))
    finally:
        await services.db.reader.set_trace_callback(None)
    assert len(seen) == 1 and "FROM planner_due" in seen[0]  # one index seek, no agreement loaded
