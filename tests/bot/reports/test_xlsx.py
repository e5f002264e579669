from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from bot.reports.tables import Column, Table
from bot.reports.xlsx import DATE_FORMAT, DATETIME_FORMAT, RUPIAH_FORMAT, sheet_title, write_xlsx

COLUMNS = (Column("Nama"), Column("Tanggal", "date"), Column("Waktu", "datetime"), Column("Biaya", "rupiah"),
           Column("Jumlah", "int"), Column("Nilai", "rating"))


def _open(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_sheets_headers_types_formats_frozen_header_and_filter() -> None:
    rows = [
        ["Budi Santoso", date(2026, 12, 7), datetime(2026, 12, 7, 9, 0), 1_500_000, 3, 4.5],
        ["Sri Wahyuni", None, None, None, None, None],
    ]
    content = write_xlsx([Table("Kegiatan", COLUMNS, rows), Table("Kosong", (Column("A"), Column("B")), [])])
    wb = _open(content)
    assert wb.sheetnames == ["Kegiatan", "Kosong"]
    ws = wb["Kegiatan"]
    assert [c.value for c in ws[1]] == ["Nama", "Tanggal", "Waktu", "Biaya", "Jumlah", "Nilai"]
    assert all(c.font.bold for c in ws[1])
    name, day, when, cost, count, score = ws[2]
    assert name.value == "Budi Santoso" and name.data_type == "s"
    assert day.is_date and day.value == datetime(2026, 12, 7) and day.number_format == DATE_FORMAT
    assert when.is_date and when.value == datetime(2026, 12, 7, 9, 0) and when.number_format == DATETIME_FORMAT
    assert cost.value == 1_500_000 and cost.data_type == "n" and cost.number_format == RUPIAH_FORMAT
    assert count.value == 3 and count.data_type == "n"
    assert score.value == 4.5
    assert [c.value for c in ws[3]] == ["Sri Wahyuni", None, None, None, None, None]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F3"
    # widths fit the content within bounds
    assert ws.column_dimensions["A"].width >= len("Budi Santoso")
    assert ws.column_dimensions["B"].width >= 18  # "7 Desember 2026"
    empty = wb["Kosong"]
    assert [c.value for c in empty[1]] == ["A", "B"] and empty.max_row == 1
    assert empty.freeze_panes == "A2" and empty.auto_filter.ref == "A1:B1"


def test_indonesian_locale_in_the_date_format() -> None:
    assert DATE_FORMAT.startswith("[$-421]") and "mmmm" in DATE_FORMAT
    assert RUPIAH_FORMAT == '"Rp"#,##0'


def test_typed_text_never_becomes_a_formula_and_control_characters_are_dropped() -> None:
    content = write_xlsx([Table("T", (Column("Nama"),), [["=HYPERLINK(\"http://x\")"], ["a\x07b<i>"]])])
    ws = _open(content)["T"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"http://x\")"
    assert ws["A3"].value == "ab<i>"


def test_wrong_value_types_are_refused() -> None:
    with pytest.raises(TypeError):
        write_xlsx([Table("T", (Column("Biaya", "rupiah"),), [["Rp1.500.000"]])])
    with pytest.raises(TypeError):
        write_xlsx([Table("T", (Column("Tanggal", "date"),), [[datetime(2026, 1, 1)]])])
    with pytest.raises(ValueError):
        Table("T", (Column("A"), Column("B")), [["only one"]])


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("Kerja sama: evaluasi / tindak lanjut [2026]", taken) == "Kerja sama- evaluasi - tindak l"
    assert sheet_title("Anggota", taken) == "Anggota"
    assert sheet_title("anggota", taken) == "anggota (2)"


def test_a_large_table_writes() -> None:
    rows = [[f"Desa {i}", date(2026, 1, 1 + i % 28), None, i * 1000, i, None] for i in range(20_000)]
    ws = _open(write_xlsx([Table("Besar", COLUMNS, rows)]))["Besar"]
    assert ws.max_row == 20_001 and ws["D20001"].value == 19_999_000
