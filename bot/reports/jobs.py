"""What the render worker runs: charts, export files and draft documents, in a process of their own.

This is the only module that imports matplotlib, openpyxl and python-docx (through charts, xlsx, docx); the bot
process reaches it by name through `bot.reports.worker`, never by import.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.agreements.documents import DocSpec
from bot.reports import csv as csv_out
from bot.reports import exports
from bot.reports.charts import render_pngs
from bot.reports.docx import write_docx
from bot.reports.monthly import MonthlyReport
from bot.reports.period import resolve
from bot.reports.worker import ExportRequest, ExportResult
from bot.reports.xlsx import write_xlsx
from storage.database import Database
from storage.reports import ReportRepo


def chart(report: MonthlyReport, lang: str) -> list[bytes]:
    return render_pngs(report, lang)


def document(spec: DocSpec) -> bytes:
    """A draft (Peraturan Bersama, Perjanjian Bersama, berita acara) as .docx bytes."""
    return write_docx(spec)


def export(request: ExportRequest) -> ExportResult:
    """Read the forum's data from the database file and build the file(s)."""
    sources = exports.chosen(request.code)
    tz = ZoneInfo(request.zone)
    period = resolve(request.period_code, request.today)

    async def fetch() -> list[object]:
        db = Database(Path(request.db_path))
        await db.open(migrate=False)
        try:
            repo = ReportRepo(db)
            return [await s.fetch(repo, request.forum_id, period, tz, request.today) for s in sources]
        finally:
            await db.close()

    fetched = asyncio.run(fetch())
    tables = exports.build_tables(sources, fetched, tz)
    del fetched
    names = {tb.name for tb in tables}
    stem = request.stem
    if request.fmt == "x":
        files = [(f"{stem}.xlsx", write_xlsx(tables), names)]
    elif request.fmt == "z" and len(tables) > 1:
        files = [(f"{stem}-csv.zip", csv_out.write_zip(tables, stem), names)]
    elif len(tables) == 1:
        files = [(f"{stem}.csv", csv_out.write_csv(tables[0]), names)]
    else:
        files = [(f"{stem}-{csv_out.file_stem(tb.name)}.csv", csv_out.write_csv(tb), {tb.name}) for tb in tables]
    return ExportResult(tables=[(tb.name, len(tb.rows)) for tb in tables], files=files)
