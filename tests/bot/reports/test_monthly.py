from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.reports.monthly import MonthlyReport, Named, Person, months_back, per_month, top_with_rest
from bot.reports.summary import digest_text, report_text

WIB = ZoneInfo("Asia/Jakarta")


def test_months_back_and_per_month_use_the_forum_zone() -> None:
    months = months_back(date(2026, 2, 14), 3)
    assert months == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    # 31 Jan 18:00 UTC is already 1 Feb in WIB.
    moments = [datetime(2026, 1, 31, 18, 0, tzinfo=UTC), datetime(2026, 1, 5, tzinfo=UTC)]
    counts = per_month(moments, months, WIB)
    assert [c.count for c in counts] == [0, 1, 1]


def test_top_with_rest_sums_the_tail() -> None:
    items = [Named(f"b{i}", i) for i in range(1, 11)]
    top = top_with_rest(items, 4, "Lainnya")
    assert [(n.label, n.count) for n in top] == [("b10", 10), ("b9", 9), ("b8", 8), ("Lainnya", 28)]
    assert top_with_rest(items[:2], 4, "x") == [items[1], items[0]]


def test_texts_leave_out_missing_sections_and_escape_names() -> None:
    report = MonthlyReport(1, "Forum <Cipari>", date(2026, 11, 1), members_active=12, members_new=2,
                           pending=[Person("Ani <b>", "Caruy")],
                           unreachable=[Person("Joko", "Sidasari", "blocked")])
    text = report_text(report, "id")
    assert "Forum &lt;Cipari&gt;" in text and "November 2026" in text
    assert "Anggota aktif: <b>12</b> (baru bulan ini: 2)" in text
    assert "Pertemuan" not in text and "Kunjungan" not in text  # no data source: no section
    digest = digest_text(report, "id")
    assert "Ani &lt;b&gt; (Caruy)" in digest
    assert "Joko (Sidasari) — memblokir bot" in digest
    assert "/laporan" in digest
    many = MonthlyReport(1, "F", date(2026, 11, 1), pending=[Person(f"P{i}") for i in range(25)])
    assert "… dan 15 lainnya" in digest_text(many, "id")
    assert len(digest_text(many, "id")) < 4096
