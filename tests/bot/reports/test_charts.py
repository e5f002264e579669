from __future__ import annotations

import struct
from datetime import date

from bot.reports.charts import PNG_SIGNATURE, panels_for, render_png, render_png_async, render_pngs
from bot.reports.monthly import (
    AgreementRatings,
    AttendanceMonth,
    MonthCount,
    MonthlyReport,
    Named,
    RatingPoint,
    VillageVisits,
    months_back,
)

MONTH = date(2026, 11, 1)


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _full(n: int) -> MonthlyReport:
    months = months_back(MONTH, 6)
    report = MonthlyReport(1, "Forum Kades <b>Cipari</b> $x$", MONTH)
    report.joins = [MonthCount(m, i * n) for i, m in enumerate(months)]
    report.attendance = [AttendanceMonth(m, 1, 10 * n, (5 + i) * n if i != 2 else 0) for i, m in enumerate(months)]
    report.attendance[3] = AttendanceMonth(months[3], 0, 0, 0)  # a month without meetings
    report.visits = [VillageVisits(f"Desa {i} dengan nama yang panjang sekali", i % 3, i % 4) for i in range(n)]
    report.posts_by_bidang = [Named(f"Bidang {i}", i) for i in range(n)]
    report.agreements_by_state = [Named("aktif", n), Named("berakhir", 1), Named("unknown_state", 1)]
    report.ratings = [AgreementRatings(f"Kerja sama {k}", tuple(RatingPoint(date(2026, m, 1), 1 + (m + k) % 5)
                                                                 for m in range(1, 12))) for k in range(n)]
    return report


def test_empty_report_renders_one_panel_with_a_no_data_note() -> None:
    report = MonthlyReport(1, "Forum Kades Cipari", MONTH)
    assert len(panels_for(report)) == 1
    width, height = _size(render_png(report))
    assert 600 <= width <= 1000 and 300 <= height <= 700


def test_sections_without_data_are_left_out() -> None:
    report = MonthlyReport(1, "Forum", MONTH, attendance=[], visits=[], posts_by_bidang=[],
                           agreements_by_state=[], ratings=[], missed_last_three=[])
    assert len(panels_for(report)) == 1  # only the "belum ada data" note
    assert len(render_pngs(report, "en")) == 1
    report.posts_by_bidang = [Named("tani", 3)]
    assert len(panels_for(report)) == 1  # posts only: the empty joins panel is gone


def test_a_full_report_is_an_album_of_phone_sized_pages() -> None:
    pages = render_pngs(_full(3))
    assert len(pages) == 3  # six panels, two per page
    for png in pages:
        assert max(_size(png)) <= 1280


def test_small_and_large_data_render_valid_phone_sized_pngs() -> None:
    for n in (1, 3, 400):
        png = render_png(_full(n))
        width, height = _size(png)
        assert 600 <= width <= 1000, n
        assert max(width, height) <= 1280  # larger photos are scaled down by Telegram
        assert len(png) < 10 * 1024 * 1024


async def test_renders_off_the_event_loop() -> None:
    png = await render_png_async(_full(2), "id")
    assert png[:8] == PNG_SIGNATURE
