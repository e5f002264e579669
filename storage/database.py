"""One Database object owns the SQLite file: connections, migrations, transactions.

Writes go through one writer connection guarded by an asyncio lock and run as
`BEGIN IMMEDIATE` transactions, so a read that decides a write cannot race another
writer. Reads use a second connection; with WAL they see the last committed state.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# The inbox update this task is handling (set by scheduler.intake's workers). Every write
# transaction made while handling it marks the update 'applied' in the same commit, so a
# replay after a crash knows its state change already happened and must not run it again.
HANDLING_UPDATE: ContextVar[int | None] = ContextVar("handling_update", default=None)


class Handle(Protocol):
    """What a repository reads and writes through: the Database (reads see the last commit,
    each write is its own transaction) or a Tx (everything on the writer, inside one transaction)."""

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]: ...
    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Tx:
    """One write transaction (see `Database.write`): reads through it see its own writes."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement inside the transaction; returns lastrowid (rowcount: `execute_count`)."""
        cur = await self.conn.execute(sql, params)
        return cur.lastrowid or 0

    async def execute_count(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = await self.conn.execute(sql, params)
        return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)


class DatabaseError(Exception):
    """The database file cannot be used (too new, unreadable)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Numbered SQL files in storage/migrations, in order; numbers must be contiguous."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration numbers must be contiguous: expected {expected:04d}, got {migration.name}")
    return found


async def _configure(conn: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    await conn.execute("PRAGMA synchronous=NORMAL")


class Database:
    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    async def open(self, *, migrate: bool = True) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        async with self._writer.execute("SELECT count(*) FROM sqlite_master") as cur:
            row = await cur.fetchone()
        if row is not None and row[0] == 0:
            # A new file (before WAL writes its header): let retention give pages back.
            # An existing file keeps its mode; it needs a VACUUM to change it.
            await self._writer.execute("PRAGMA auto_vacuum=INCREMENTAL")
        await _configure(self._writer, self.busy_timeout_ms)
        if migrate:
            await self.migrate()
        else:
            await self._check_version()
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await _configure(self._reader, self.busy_timeout_ms)
        await self.optimize(first=True)

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- migrations ------------------------------------------------------------------------
    async def schema_version(self) -> int:
        async with self.writer.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _check_version(self) -> list[Migration]:
        migrations = load_migrations()
        current = await self.schema_version()
        if current > len(migrations):
            raise DatabaseError(
                f"database {self.path} has schema version {current}, newer than this kades-bot "
                f"knows ({len(migrations)}); upgrade kades-bot or restore a matching backup"
            )
        return [m for m in migrations if m.version > current]

    async def migrate(self) -> list[str]:
        """Apply pending migrations in one transaction; return their names."""
        pending = await self._check_version()
        if not pending:
            return []
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for migration in pending:
                    log.info("event=migrate name=%s", migration.name)
                    for statement in _split_sql(migration.sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version={migration.version}")
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        return [m.name for m in pending]

    async def optimize(self, *, first: bool = False) -> None:
        """Keep the planner's statistics fresh: ANALYZE once if never done, else `PRAGMA optimize`.

        `analysis_limit` makes ANALYZE sample each index (milliseconds even on a national file),
        so this is safe at start and every hour.
        """
        conn = self.writer
        await conn.execute("PRAGMA analysis_limit=400")
        async with conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'") as cur:
            analysed = await cur.fetchone() is not None
        async with self._write_lock:
            await conn.execute("ANALYZE" if first and not analysed else "PRAGMA optimize")

    async def incremental_vacuum(self, pages: int) -> None:
        """Return up to `pages` free pages to the file system (auto_vacuum=INCREMENTAL files only).

        Through executescript: it steps the pragma to the end (a plain execute frees one page).
        """
        async with self._write_lock:
            await self.writer.executescript(f"PRAGMA incremental_vacuum({int(pages)});")

    # -- access ----------------------------------------------------------------------------
    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise DatabaseError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise DatabaseError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A short write transaction (BEGIN IMMEDIATE); commits on success, rolls back on error."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                update_id = HANDLING_UPDATE.get()
                if update_id is not None:
                    await conn.execute("UPDATE inbox SET status = 'applied' WHERE update_id = ? AND status = 'new'",
                                       (update_id,))
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """The unit of work: one BEGIN IMMEDIATE transaction on the writer, as a `Tx` handle.

        Repositories built on the Tx (see `storage.unit.Unit`) read their own writes, so no
        repository needs a second "inside a transaction" twin of its read methods.
        """
        async with self.transaction() as conn:
            yield Tx(conn)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.reader.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    # -- backup ----------------------------------------------------------------------------
    async def backup(self, target: Path | str) -> None:
        """A consistent copy through SQLite's online backup API, safe while the bot runs."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        dest = await aiosqlite.connect(tmp)
        try:
            await self.reader.backup(dest)
        finally:
            await dest.close()
        tmp.replace(target)


@asynccontextmanager
async def joined(handle: Handle) -> AsyncIterator[Tx]:
    """Where a repository write of several statements (or one whose row count decides) runs: the
    caller's unit when the repository is bound to a Tx, else one unit of its own on the Database.
    One method serves both, so no repository needs an "inside a transaction" twin."""
    if isinstance(handle, Tx):
        yield handle
    elif isinstance(handle, Database):
        async with handle.write() as tx:
            yield tx
    else:
        raise TypeError(f"not a Database or Tx: {type(handle).__name__}")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
