"""What can be exported: one `Source` per feature whose data exists, each fetching its rows
(async, through storage/reports.py) and turning them into typed tables (pure, run in a thread).

Column names are Indonesian regardless of the reader's language: these files go upward to the
camat, the kabupaten's PMD office or the association. Times are shown in the forum's zone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.render import jabatan_label, role_label
from bot.reports.period import Period
from bot.reports.tables import Column, Table
from storage.reports import MemberRow, ReportRepo

Fetch = Callable[[ReportRepo, int, Period, ZoneInfo], Awaitable[Any]]
Build = Callable[[Any, ZoneInfo], list[Table]]


@dataclass(frozen=True)
class Source:
    code: str  # in callback data: m, p, k, b, s
    text_key: str  # rep.src.* label on the button
    slug: str  # in file names: anggota, pertemuan, ...
    periodic: bool  # False: the current state, no period asked (members directory)
    fetch: Fetch
    build: Build


def local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A stored UTC time as the forum's naive wall-clock time (Excel has no zones)."""
    if moment is None:
        return None
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def yes_no(value: bool) -> str:
    return "Ya" if value else "Tidak"


UNREACHABLE_REASONS = {
    "blocked": "Memblokir bot",
    "not_started": "Belum memulai chat dengan bot",
    "chat_not_found": "Belum memulai chat dengan bot",
    "deactivated": "Akun Telegram nonaktif",
    "forbidden": "Ditolak Telegram",
}


def unreachable_text(reason: str | None) -> str | None:
    if reason is None:
        return None
    return UNREACHABLE_REASONS.get(reason, "Pesan tidak terkirim")


# -- members directory ---------------------------------------------------------------------------
MEMBER_COLUMNS = (
    Column("Nama"),
    Column("Jabatan"),
    Column("Peran"),
    Column("Status"),
    Column("Desa/Kelurahan"),
    Column("Kecamatan"),
    Column("Kabupaten/Kota"),
    Column("Kode wilayah", width=15),
    Column("No. HP"),
    Column("Tanggal bergabung", "date"),
    Column("Dapat dihubungi bot"),
    Column("Keterangan"),
)


async def _fetch_members(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo) -> list[MemberRow]:
    return await repo.members(forum_id, ("active", "pending"))


def member_tables(rows: Sequence[MemberRow], tz: ZoneInfo) -> list[Table]:
    out: list[Sequence[Any]] = []
    for r in rows:
        joined = r.decided_at if r.status == "active" and r.decided_at else r.requested_at
        out.append([
            r.full_name, jabatan_label(r.jabatan, "id"), role_label(r.role, "id"),
            "Aktif" if r.status == "active" else "Menunggu persetujuan",
            r.village, r.kecamatan, r.kabupaten, r.village_code,
            r.phone, joined.astimezone(tz).date(), yes_no(r.unreachable_reason is None),
            unreachable_text(r.unreachable_reason),
        ])
    return [Table("Anggota", MEMBER_COLUMNS, out)]


MEMBERS = Source("m", "rep.src.members", "anggota", False, _fetch_members, member_tables)

# The sources that exist in this installation, in menu order. Features add theirs as they land.
SOURCES: tuple[Source, ...] = (MEMBERS,)
BY_CODE = {s.code: s for s in SOURCES}
ALL = "all"


def chosen(code: str) -> list[Source]:
    """The sources named by a menu choice; KeyError for unknown codes (stale buttons)."""
    if code == ALL:
        return list(SOURCES)
    return [BY_CODE[code]]


def build_tables(sources: Sequence[Source], data: Sequence[Any], tz: ZoneInfo) -> list[Table]:
    tables: list[Table] = []
    for source, rows in zip(sources, data, strict=True):
        tables.extend(source.build(rows, tz))
    return tables
