"""CSV output: one table per file (UTF-8 with BOM so Excel reads it), several as a zip.

Written for Excel with Indonesian settings, which is what forums open it with: fields are
separated by semicolons (Indonesian Windows uses ";" as the list separator, so a
comma-separated file lands in one column) and decimals use a comma ("4,2"). Values otherwise
stay machine-readable: dates as YYYY-MM-DD, times as YYYY-MM-DD HH:MM, Rupiah as plain
integers. Text that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.reports.tables import Column, Table, check_value

DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^a-z0-9_-]+")


def _text(column: Column, value: Any) -> str:
    check_value(column, value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".") if column.kind != "rating" else f"{value:.1f}"
        return text.replace(".", ",")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def write_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(c, v) for c, v in zip(table.columns, row, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def file_stem(name: str) -> str:
    return _UNSAFE_NAME.sub("-", name.lower()).strip("-") or "tabel"


def write_zip(tables: Sequence[Table], prefix: str) -> bytes:
    """A zip holding `<prefix>-<table>.csv` for each table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        seen: set[str] = set()
        for table in tables:
            name = f"{prefix}-{file_stem(table.name)}"
            candidate, n = name, 2
            while candidate in seen:
                candidate = f"{name}-{n}"
                n += 1
            seen.add(candidate)
            archive.writestr(f"{candidate}.csv", write_csv(table))
    return buffer.getvalue()
