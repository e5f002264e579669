"""The monthly forum health digest: on the 1st at 07.00 forum-local time, each koordinator gets
last month's numbers, who is unreachable and who waits to join, through the outbox.

`plan_digest(services, now)` is a delivery-engine planner: it runs at start and every minute,
and is idempotent (one outbox key per forum, month and koordinator). A bot that was down on
the 1st catches up during the next three days; after a week the digest expires unsent.

The outbox stores JSON, and the dispatcher sends sendPhoto with a file_id or URL only, so the
chart (freshly rendered bytes) cannot be queued. The digest carries a button instead that
renders the chart on demand as the direct answer to the press (handlers/reports.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import encode
from bot.periods import add_months
from bot.reports.monthly import MonthlyReport, monthly_report
from bot.reports.summary import digest_text
from bot.texts import t
from storage import outbox
from storage.planning import PlanningRepo
from storage.reports import ReportRepo

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

FEATURE = "r"
SEND_AT = time(7, 0)
CATCH_UP = timedelta(days=3)
EXPIRES_AFTER = timedelta(days=7)


def digest_key(forum_id: int, month: date, user_id: int) -> str:
    return f"report:digest:{forum_id}:{month:%Y-%m}:to:{user_id}"


def due_month(now: datetime, tz: ZoneInfo) -> tuple[date, datetime] | None:
    """The month to report on and the send time, when `now` is in the digest window."""
    local = now.astimezone(tz)
    first = local.date().replace(day=1)
    send_at = datetime.combine(first, SEND_AT, tz)
    if not send_at <= local < send_at + CATCH_UP:
        return None
    return add_months(first, -1), send_at.astimezone(UTC)


def chart_button(forum_id: int, month: date, lang: str) -> list[list[tuple[str, str]]]:
    return [[(str(t("rep.digest.chart_button", lang)), encode(FEATURE, "m", forum_id, f"{month:%Y%m}"))]]


PLANNER = "report_digest"
BATCH = 500


def next_send_at(now: datetime, tz: ZoneInfo) -> datetime:
    """The next 1st-of-the-month 07.00 in the forum's zone after the window `now` is in (or before)."""
    local = now.astimezone(tz)
    first = local.date().replace(day=1)
    send_at = datetime.combine(first, SEND_AT, tz)
    if local >= send_at:
        send_at = datetime.combine(add_months(first, 1), SEND_AT, tz)
    return send_at.astimezone(UTC)


async def plan_digest(services: Services, now: datetime) -> None:
    """Queue each koordinator's digest for last month once the 1st 07.00 has come.

    Only forums whose send time has come are looked at (`planner_due`), and a forum's month is
    recorded with its queued messages in one transaction (`report_digest_runs`).
    """
    repo = ReportRepo(services.db)
    planning = PlanningRepo(services.db)
    queued = 0
    while due := await planning.due(PLANNER, now, limit=BATCH):
        nexts: list[tuple[int, datetime | None]] = []
        for forum_id in due:
            try:
                queued += await _plan_forum(services, repo, forum_id, now)
            except Exception:  # one broken forum must not stop the others
                log.exception("event=digest_plan_failed forum=%s", forum_id)
                nexts.append((forum_id, now + timedelta(hours=1)))
                continue
            forum = await services.forums.get(forum_id)
            nexts.append((forum_id, next_send_at(now, ZoneInfo(forum.timezone)) if forum else None))
        await planning.set_next(PLANNER, nexts)
        if queued:
            services.delivery.wake()
    if queued:
        log.info("event=digest_planned rows=%d", queued)


async def _plan_forum(services: Services, repo: ReportRepo, forum_id: int, now: datetime) -> int:
    forum = await services.forums.get(forum_id)
    if forum is None:
        return 0
    tz = ZoneInfo(forum.timezone)
    due = due_month(now, tz)
    if due is None:
        return 0
    month, send_at = due
    if await repo.digest_done(forum_id, month):
        return 0
    coordinators = await services.members.coordinators(forum_id)
    report: MonthlyReport = await monthly_report(repo, forum_id=forum_id, forum_name=forum.name, tz=tz,
                                                 month=month, now=now)
    queued = 0
    async with services.db.transaction() as conn:
        if not await repo.mark_digest(conn, forum_id, month, len(coordinators), now):
            return 0
        for member in coordinators:
            lang = member.language
            added = await outbox.enqueue(
                conn, key=digest_key(forum_id, month, member.user_id), chat_id=member.user_id,
                text=digest_text(report, lang), due_at=send_at, now=now, priority=outbox.Priority.BULK,
                reply_markup=outbox.inline_keyboard(chart_button(forum_id, month, lang)),
                expires_at=send_at + EXPIRES_AFTER, forum_id=forum_id, member_user_id=member.user_id,
            )
            queued += int(added)
    return queued
