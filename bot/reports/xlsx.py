"""A generic .xlsx writer: one sheet per table, typed cells, Indonesian display formats.

Dates are real Excel dates (serial numbers) shown as "7 Desember 2026" through the Indonesian
locale tag [$-421]; Rupiah amounts stay numbers, shown as Rp1.500.000 by the reader's locale
from the format "Rp"#,##0. Every sheet has a bold, frozen header row and an autofilter.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.reports.tables import Column, Kind, Table, check_value

# [$-421] is the Indonesian locale: month names render as "Desember" in any Excel.
DATE_FORMAT = "[$-421]d mmmm yyyy"
DATETIME_FORMAT = "[$-421]dd/mm/yyyy hh:mm"
RUPIAH_FORMAT = '"Rp"#,##0'
FORMATS: dict[Kind, str] = {
    "text": "@",
    "int": "0",
    "number": "#,##0.##",
    "rupiah": RUPIAH_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
    "percent": "0%",
    "rating": "0.0",
}
_MIN_WIDTH = {"date": 18.0, "datetime": 17.0, "rupiah": 14.0}
_MAX_WIDTH = 60.0
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters Excel refuses in cells (control characters other than tab/newline).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_title(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("-", name).strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


def _cell_value(column: Column, value: Any) -> Any:
    check_value(column, value)
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    return value


def _width(column: Column, values: Sequence[Any]) -> float:
    if column.width is not None:
        return column.width
    longest = len(column.title) + 3  # room for the filter arrow
    for value in values[:2000]:
        if isinstance(value, str):
            line = max((len(part) for part in value.split("\n")), default=0)
            longest = max(longest, line + 2)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            longest = max(longest, len(f"{value:,.0f}") + 4)
    return min(max(longest, _MIN_WIDTH.get(column.kind, 6.0)), _MAX_WIDTH)


def write_xlsx(tables: Sequence[Table]) -> bytes:
    """Return the bytes of a workbook with one sheet per table, in order.

    Write-only mode: rows stream to a temporary file instead of living as cell objects, so a
    national forum's all-time export stays within the worker's memory budget.
    """
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.name, taken))
        # Widths, panes and the filter must be set before the first row is written.
        for index, column in enumerate(table.columns, start=1):
            values = [row[index - 1] for row in table.rows[:2000]]
            sheet.column_dimensions[get_column_letter(index)].width = _width(column, values)
        sheet.freeze_panes = "A2"
        last = get_column_letter(max(len(table.columns), 1))
        sheet.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 1)}"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = bold
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=False)
            header.append(cell)
        sheet.append(header)
        formats = [FORMATS[c.kind] for c in table.columns]
        for row in table.rows:
            out: list[Any] = []
            for col_index, (column, raw) in enumerate(zip(table.columns, row, strict=True)):
                value = _cell_value(column, raw)
                if value is None:
                    out.append(None)
                    continue
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text starting with "=" stays text, never a formula
                cell.number_format = formats[col_index]
                out.append(cell)
            sheet.append(out)
    if not workbook.worksheets:
        workbook.create_sheet("Kosong")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
