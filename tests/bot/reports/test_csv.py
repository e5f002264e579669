from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from bot.reports.csv import write_csv, write_zip
from bot.reports.tables import Column, Table

TABLE = Table("Pertemuan", (Column("Judul"), Column("Tanggal", "date"), Column("Mulai", "datetime"),
                            Column("Biaya", "rupiah"), Column("Nilai", "rating")),
              [["Rapat, rutin \"Desember\"", date(2026, 12, 7), datetime(2026, 12, 7, 9, 0), 1_500_000, 4.25],
               ["=cmd|' /C calc'!A0", None, None, None, None]])


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_one_table_as_csv_keeps_values_machine_readable() -> None:
    rows = _rows(write_csv(TABLE))
    assert rows[0] == ["Judul", "Tanggal", "Mulai", "Biaya", "Nilai"]
    assert rows[1] == ["Rapat, rutin \"Desember\"", "2026-12-07", "2026-12-07 09:00", "1500000", "4,2"]
    assert rows[2][0].startswith("'=")  # no formula injection


def test_semicolons_and_decimal_commas_for_indonesian_excel() -> None:
    first, second = write_csv(TABLE).decode("utf-8-sig").splitlines()[:2]
    assert first == "Judul;Tanggal;Mulai;Biaya;Nilai"
    assert second.endswith(";1500000;4,2")


def test_several_tables_as_a_zip_of_csv_files() -> None:
    other = Table("Kehadiran", (Column("Nama"),), [["Budi"]])
    archive = zipfile.ZipFile(io.BytesIO(write_zip([TABLE, other], "kades-forum-cipari-2026-12")))
    assert sorted(archive.namelist()) == ["kades-forum-cipari-2026-12-kehadiran.csv",
                                          "kades-forum-cipari-2026-12-pertemuan.csv"]
    assert _rows(archive.read("kades-forum-cipari-2026-12-kehadiran.csv")) == [["Nama"], ["Budi"]]
