"""Typed tables: what an export is made of, independent of the file format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

# text: plain string; int/number: numeric; rupiah: whole Rupiah as a number;
# date: a calendar day; datetime: a local wall-clock time (naive, already in the forum's zone);
# percent: a fraction 0..1; rating: a score with one decimal.
Kind = Literal["text", "int", "number", "rupiah", "date", "datetime", "percent", "rating"]


@dataclass(frozen=True)
class Column:
    title: str  # Indonesian column name as shown in the header
    kind: Kind = "text"
    width: float | None = None  # characters; None: fitted to the content


@dataclass
class Table:
    """One sheet (xlsx) or one file (csv)."""

    name: str  # sheet name (<= 31 chars, no []:*?/\) and csv file stem
    columns: Sequence[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"{self.name}: row {index} has {len(row)} values for {len(self.columns)} columns")


def check_value(column: Column, value: Any) -> None:
    """Raise TypeError when a value does not fit its column kind (None is always allowed)."""
    if value is None:
        return
    kind = column.kind
    ok: bool
    if kind == "text":
        ok = isinstance(value, str)
    elif kind in ("int", "rupiah"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("number", "percent", "rating"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "date":
        ok = isinstance(value, date) and not isinstance(value, datetime)
    else:  # datetime
        ok = isinstance(value, datetime) and value.tzinfo is None
    if not ok:
        raise TypeError(f"column {column.title!r} ({kind}) got {type(value).__name__}: {value!r}")
