"""Report use cases: the monthly report (/laporan) and what an export (/ekspor) asks the worker.

Charts and files are built in the render worker (bot/reports/worker.py); here is what the bot
process does around them, with plain values in and out.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.reports.monthly import MonthlyReport, monthly_report
from bot.reports.worker import WORKER, ExportRequest
from bot.services import Services
from storage.models import Forum
from storage.reports import ReportRepo


def repo(services: Services) -> ReportRepo:
    return ReportRepo(services.db)


async def monthly(services: Services, forum: Forum, month: date) -> MonthlyReport:
    """The numbers of one month of the forum (its first day, forum-local)."""
    return await monthly_report(repo(services), forum_id=forum.id, forum_name=forum.name,
                                tz=ZoneInfo(forum.timezone), month=month, now=services.clock.now())


async def charts(report: MonthlyReport, lang: str) -> list[bytes]:
    """The report's chart pages as PNG, drawn in the worker."""
    pngs: list[bytes] = await WORKER.run("chart", report, lang)
    return pngs


def export_request(services: Services, forum: Forum, *, code: str, period_code: str, today: date, fmt: str,
                   stem: str) -> ExportRequest:
    """What the worker needs to build an export: it reads the database file itself."""
    return ExportRequest(db_path=str(services.db.path), forum_id=forum.id, code=code, period_code=period_code,
                         today=today, zone=forum.timezone, fmt=fmt, stem=stem)
