"""Upgrading a populated database from every earlier schema version keeps its data.

For each version k < latest: apply migrations 1..k to a fresh file, fill every table that
exists at k with representative rows, open it with Database (which migrates to the latest),
and check every row is still there with the values it had.

The rows are generated from the schema itself (column types, foreign keys, `CHECK (x IN ...)`
and `CHECK (x BETWEEN ...)`), so a new migration needs no change here. A column whose values
can't be guessed gets an entry in VALUES; a migration that deliberately rewrites existing data
lists the column in REWRITTEN (a dropped table: DROPPED) with the reason.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage.database import Database, _split_sql, load_migrations

ROWS_PER_TABLE = 2

# (table, column) -> value for row i, where the generic guess would break a constraint.
VALUES: dict[tuple[str, str], Callable[[int], Any]] = {}

# (table, column) -> why a later migration rewrites this column's existing values on purpose.
REWRITTEN: dict[tuple[str, str], str] = {}

# table -> why a later migration drops it on purpose.
DROPPED: dict[str, str] = {}

_IN_CHECK = re.compile(r"CHECK\s*\(\s*\"?(\w+)\"?\s+IN\s*\(([^)]*)\)\s*\)", re.IGNORECASE)
_BETWEEN_CHECK = re.compile(r"CHECK\s*\(\s*\"?(\w+)\"?\s+BETWEEN\s+(-?\d+)\s+AND\s+(-?\d+)\s*\)", re.IGNORECASE)
_JSON_NAMES = ("data", "payload", "markup", "buttons", "params", "answers")


@dataclass
class Column:
    name: str
    type: str
    notnull: bool
    default: str | None
    pk: bool


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _checks(create_sql: str) -> dict[str, list[Any]]:
    """Allowed values per column from `CHECK (col IN (...))` and `CHECK (col BETWEEN a AND b)`."""
    allowed: dict[str, list[Any]] = {}
    for column, options in _IN_CHECK.findall(create_sql):
        allowed[column] = [_literal(option) for option in options.split(",")]
    for column, low, high in _BETWEEN_CHECK.findall(create_sql):
        allowed[column] = list(range(int(low), int(high) + 1))
    return allowed


def _guess(table: str, column: Column, i: int) -> Any:
    name, kind = column.name.lower(), column.type.upper()
    if name.endswith("_at") or name in ("at", "created", "updated"):
        return f"2026-11-{24 + i:02d}T03:00:00+00:00"
    if name.endswith("_date") or name in ("date", "day"):
        return f"2026-12-{1 + i:02d}"
    if "INT" in kind:
        return 101 + i
    if any(part in kind for part in ("REAL", "FLOA", "DOUB")):
        return 1.5 + i
    if "BLOB" in kind:
        return bytes([i, 1, 2])
    if name in _JSON_NAMES or name.endswith("_json"):
        return f'{{"row": {i}}}'
    return f"{table}.{name} {i}"


def _tables(conn: sqlite3.Connection) -> dict[str, str]:
    """Ordinary tables by name with their CREATE statement; no FTS tables or their shadows."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    return {name: sql for name, sql in rows
            if name not in virtual and not any(name.startswith(f"{v}_") for v in virtual)}


def _foreign_keys(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, str | None]]:
    """column -> (parent table, parent column or None for the parent's primary key)."""
    return {row[3]: (row[2], row[4]) for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')}


def _in_dependency_order(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    ordered: list[str] = []
    pending = list(tables)
    while pending:
        ready = [t for t in pending
                 if all(parent in ordered or parent == t or parent not in tables
                        for parent, _ in _foreign_keys(conn, t).values())]
        if not ready:  # a cycle: take the rest as they come, nullable references stay NULL
            ready = pending[:1]
        ordered.extend(ready)
        pending = [t for t in pending if t not in ready]
    return ordered


def _columns(conn: sqlite3.Connection, table: str) -> list[Column]:
    return [Column(row[1], row[2] or "", bool(row[3]), row[4], bool(row[5]))
            for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _primary_key_column(conn: sqlite3.Connection, table: str) -> str:
    keys = [c.name for c in _columns(conn, table) if c.pk]
    return keys[0] if keys else "rowid"


def populate(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """Insert ROWS_PER_TABLE rows into every table; return what was written, per table.

    Row i of a child references row i of its parent, so unique keys over references hold.
    """
    tables = _tables(conn)
    written: dict[str, list[dict[str, Any]]] = {}
    for table in _in_dependency_order(conn, list(tables)):
        allowed = _checks(tables[table])
        references = _foreign_keys(conn, table)
        written[table] = []
        for i in range(ROWS_PER_TABLE):
            row: dict[str, Any] = {}
            for column in _columns(conn, table):
                key = (table, column.name)
                if key in VALUES:
                    row[column.name] = VALUES[key](i)
                elif column.name in references:
                    parent, parent_column = references[column.name]
                    parents = written.get(parent) if parent != table else None
                    if parents:
                        target = parent_column or _primary_key_column(conn, parent)
                        row[column.name] = parents[i % len(parents)][target]
                    elif column.notnull:
                        raise AssertionError(f"{table}.{column.name}: no {parent} row to reference; add VALUES")
                    else:
                        row[column.name] = None
                elif column.name in allowed:
                    options = allowed[column.name]
                    row[column.name] = options[i % len(options)]
                else:
                    row[column.name] = _guess(table, column, i)
            names = ", ".join(f'"{name}"' for name in row)
            marks = ", ".join("?" for _ in row)
            try:
                conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values()))
            except sqlite3.IntegrityError as exc:
                raise AssertionError(f"can't fill {table} generically ({exc}); add its columns to VALUES") from exc
            written[table].append(row)
    return written


def build_old_database(path: Path, version: int) -> dict[str, list[dict[str, Any]]]:
    """A database at schema `version`, filled; returns the rows written."""
    migrations = load_migrations()[:version]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        for migration in migrations:
            for statement in _split_sql(migration.sql):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
        written = populate(conn)
        assert not conn.execute("PRAGMA foreign_key_check").fetchall()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return written


LATEST = len(load_migrations())


@pytest.mark.parametrize("version", range(1, LATEST))
async def test_upgrade_keeps_the_data_of_every_table(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.sqlite3"
    written = build_old_database(path, version)
    assert sum(len(rows) for rows in written.values()) >= ROWS_PER_TABLE * 3

    db = Database(path)
    await db.open()  # migrates
    try:
        assert await db.schema_version() == LATEST
        assert await db.fetchval("PRAGMA integrity_check") == "ok"
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        for table, rows in written.items():
            if table in DROPPED:
                continue
            present = {row[1] for row in await db.fetchall(f'PRAGMA table_info("{table}")')}
            assert present, f"table {table} (schema {version}) is gone after upgrading"
            for row in rows:
                kept = {c: v for c, v in row.items() if c in present and (table, c) not in REWRITTEN}
                where = " AND ".join(f'"{c}" IS ?' for c in kept)
                found = await db.fetchval(f'SELECT count(*) FROM "{table}" WHERE {where}', list(kept.values()))
                assert found == 1, f"{table} row {kept} lost or changed when upgrading from schema {version}"
    finally:
        await db.close()


def test_generic_rows_fill_the_latest_schema(tmp_path: Path) -> None:
    """The generator itself copes with every table of the latest schema (so the next migration's
    tables are covered the day they land)."""
    written = build_old_database(tmp_path / "latest.sqlite3", LATEST)
    with sqlite3.connect(tmp_path / "latest.sqlite3") as conn:
        for table, rows in written.items():
            assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] >= len(rows) == ROWS_PER_TABLE
