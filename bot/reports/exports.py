"""What can be exported: one `Source` per feature whose data exists, each fetching its rows
(async, through storage/reports.py) and turning them into typed tables (pure, run in a thread).

Column names are Indonesian regardless of the reader's language: these files go upward to the
camat, the kabupaten's PMD office or the association. Times are shown in the forum's zone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.agreements.rules import state_of
from bot.bidang import bidang_label
from bot.bidang import labels as bidang_labels
from bot.render import jabatan_label, role_label
from bot.reports.period import Period
from bot.reports.tables import Column, Table
from bot.texts import t
from bot.timefmt import format_rupiah
from storage.reports import (
    ActionRow,
    AgreementFull,
    AttendanceRow,
    MeetingRow,
    MemberRow,
    PostRow,
    ReportRepo,
    VisitExportRow,
)

Fetch = Callable[[ReportRepo, int, Period, ZoneInfo, date], Awaitable[Any]]
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


async def _fetch_members(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo, today: date) -> list[MemberRow]:
    return await repo.members(forum_id, ("active", "pending"))


def member_tables(rows: Sequence[MemberRow], tz: ZoneInfo) -> list[Table]:
    out: list[Sequence[Any]] = []
    for r in rows:
        joined = r.decided_at if r.status == "active" and r.decided_at else r.requested_at
        out.append([
            r.full_name, jabatan_label(r.jabatan, "id"),
            role_label(r.role, "id") + (f" — {t(f'title.{r.title}', 'id')}" if r.title else ""),
            "Aktif" if r.status == "active" else "Menunggu persetujuan",
            r.village, r.kecamatan, r.kabupaten, r.village_code,
            r.phone, joined.astimezone(tz).date(), yes_no(r.unreachable_reason is None),
            unreachable_text(r.unreachable_reason),
        ])
    return [Table("Anggota", MEMBER_COLUMNS, out)]


MEMBERS = Source("m", "rep.src.members", "anggota", False, _fetch_members, member_tables)


# -- meetings with attendance and tindak lanjut ----------------------------------------------------
MEETING_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Judul"),
    Column("Tanggal", "date"),
    Column("Mulai", "datetime"),
    Column("Durasi (menit)", "int"),
    Column("Tempat"),
    Column("Status"),
    Column("Konfirmasi hadir", "int"),
    Column("Jumlah orang (konfirmasi)", "int"),
    Column("Tercatat di daftar hadir", "int"),
    Column("Hadir", "int"),
    Column("Tingkat kehadiran", "percent"),
    Column("Keputusan"),
    Column("Catatan notulen"),
)
ATTENDANCE_COLUMNS = (
    Column("No. pertemuan", "int", width=8),
    Column("Pertemuan"),
    Column("Tanggal", "date"),
    Column("Nama"),
    Column("Desa/Kelurahan"),
    Column("Hadir"),
    Column("Konfirmasi sebelumnya"),
    Column("Alasan"),
)
ACTION_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Pertemuan"),
    Column("Tanggal pertemuan", "date"),
    Column("Tindak lanjut"),
    Column("Penanggung jawab"),
    Column("Desa/Kelurahan"),
    Column("Tenggat", "date"),
    Column("Status"),
    Column("Selesai pada", "datetime"),
)
RSVP_ANSWERS = {"yes": "Hadir", "no": "Tidak hadir", "maybe": "Mungkin"}


def meeting_place(row: MeetingRow) -> str | None:
    if row.place_kind == "village":
        return f"Desa {row.host_village}" if row.host_village else None
    if row.place_kind == "address":
        return row.address
    if row.place_kind == "location" and row.latitude is not None and row.longitude is not None:
        return f"Titik peta {row.latitude:.5f}, {row.longitude:.5f}"
    if row.place_kind == "online":
        return f"Daring: {row.online_url}" if row.online_url else "Daring"
    return None


@dataclass(frozen=True)
class MeetingData:
    meetings: list[MeetingRow]
    attendance: list[AttendanceRow]
    actions: list[ActionRow]


async def _fetch_meetings(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo, today: date) -> MeetingData:
    lo, hi = period.utc_bounds(tz)
    return MeetingData(await repo.meetings(forum_id, lo, hi), await repo.attendance(forum_id, lo, hi),
                       await repo.meeting_actions(forum_id, lo, hi))


def meeting_tables(data: MeetingData, tz: ZoneInfo) -> list[Table]:
    meetings: list[Sequence[Any]] = []
    for m in data.meetings:
        start = local(m.starts_at, tz)
        assert start is not None
        status = "Terjadwal" if m.status == "scheduled" else "Dibatalkan"
        if m.status == "cancelled" and m.cancel_reason:
            status += f" ({m.cancel_reason})"
        meetings.append([
            m.id, m.title, start.date(), start, m.duration_minutes, meeting_place(m), status, m.said_yes,
            m.people_yes, m.recorded, m.present, (m.present / m.recorded) if m.recorded else None,
            "\n".join(f"{i}. {d}" for i, d in enumerate(m.decisions, start=1)) or None, m.notes,
        ])
    attendance: list[Sequence[Any]] = []
    for a in data.attendance:
        start = local(a.starts_at, tz)
        assert start is not None
        attendance.append([a.meeting_id, a.title, start.date(), a.name, a.village, yes_no(a.present),
                           RSVP_ANSWERS.get(a.answer or "", None), a.reason])
    actions: list[Sequence[Any]] = []
    for x in data.actions:
        start = local(x.meeting_starts_at, tz)
        assert start is not None
        actions.append([x.id, x.meeting_title, start.date(), x.text, x.owner, x.village, x.due_date,
                        "Selesai" if x.status == "done" else "Terbuka", local(x.done_at, tz)])
    return [Table("Pertemuan", MEETING_COLUMNS, meetings), Table("Daftar hadir", ATTENDANCE_COLUMNS, attendance),
            Table("Tindak lanjut pertemuan", ACTION_COLUMNS, actions)]


MEETINGS = Source("p", "rep.src.meetings", "pertemuan", True, _fetch_meetings, meeting_tables)


# -- kunjungan kerja -------------------------------------------------------------------------------
VISIT_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Desa pengunjung"),
    Column("Kecamatan pengunjung"),
    Column("Pengaju"),
    Column("Desa tuan rumah"),
    Column("Kecamatan tuan rumah"),
    Column("Tuan rumah"),
    Column("Tujuan"),
    Column("Bidang"),
    Column("Jumlah orang", "int"),
    Column("Status"),
    Column("Tanggal kunjungan", "date"),
    Column("Diajukan pada", "datetime"),
    Column("Ditutup pada", "datetime"),
    Column("Alasan ditolak/dibatalkan"),
    Column("Catatan tuan rumah"),
    Column("Yang dipelajari"),
    Column("Yang akan diterapkan"),
    Column("Laporan dibagikan"),
)
VISIT_STATES = {
    "diajukan": "Diajukan", "tanggal_diusulkan": "Tanggal diusulkan", "diterima": "Diterima",
    "ditolak": "Ditolak", "selesai": "Selesai", "dibatalkan": "Dibatalkan",
}


async def _fetch_visits(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo, today: date) -> list[VisitExportRow]:
    lo, hi = period.utc_bounds(tz)
    return await repo.visits(forum_id, period.start, period.end, lo, hi)


def visit_tables(rows: Sequence[VisitExportRow], tz: ZoneInfo) -> list[Table]:
    out: list[Sequence[Any]] = []
    for v in rows:
        out.append([
            v.id, v.requester_village, v.requester_kecamatan, v.requester, v.host_village, v.host_kecamatan, v.host,
            v.purpose, bidang_labels(v.bidang, "id") or None, v.people, VISIT_STATES.get(v.state, v.state),
            v.visit_date, local(v.created_at, tz), local(v.closed_at, tz), v.reason, v.host_note, v.learned,
            v.will_apply, yes_no(v.published) if v.learned is not None else None,
        ])
    return [Table("Kunjungan kerja", VISIT_COLUMNS, out)]


VISITS = Source("k", "rep.src.visits", "kunjungan", True, _fetch_visits, visit_tables)


# -- berbagi pengalaman ----------------------------------------------------------------------------
POST_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Judul"),
    Column("Jenis"),
    Column("Bidang"),
    Column("Penulis"),
    Column("Desa/Kelurahan"),
    Column("Kecamatan"),
    Column("Tanggal", "date"),
    Column("Dibuat", "datetime"),
    Column("Diubah", "datetime"),
    Column("Status"),
    Column("Terima kasih", "int"),
    Column("Komentar", "int"),
    Column("Lampiran", "int"),
    Column("Terkait"),
    Column("Cerita", width=60),
)
POST_KINDS = {"berhasil": "Berhasil", "gagal": "Gagal", "pelajaran": "Pelajaran", "pertanyaan": "Pertanyaan"}
POST_STATUS = {"published": "Terbit", "withdrawn": "Ditarik penulis", "hidden": "Disembunyikan koordinator"}
LINKS = {"visit": "Kunjungan kerja no. {id}", "agreement": "Kerja sama no. {id}"}


async def _fetch_posts(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo, today: date) -> list[PostRow]:
    lo, hi = period.utc_bounds(tz)
    return await repo.posts(forum_id, lo, hi)


def post_tables(rows: Sequence[PostRow], tz: ZoneInfo) -> list[Table]:
    out: list[Sequence[Any]] = []
    for p in rows:
        created = local(p.created_at, tz)
        assert created is not None
        link = LINKS[p.link_type].format(id=p.link_id) if p.link_type in LINKS and p.link_id else None
        out.append([p.id, p.title, POST_KINDS.get(p.kind, p.kind), bidang_label(p.bidang, "id"), p.author, p.village,
                    p.kecamatan, created.date(), created, local(p.edited_at, tz), POST_STATUS.get(p.status, p.status),
                    p.thanks, p.comments, p.attachments, link, p.story])
    return [Table("Berbagi pengalaman", POST_COLUMNS, out)]


POSTS = Source("b", "rep.src.posts", "berbagi", True, _fetch_posts, post_tables)


# -- kerja sama antar desa, evaluasi, tindak lanjut -------------------------------------------------
AGREEMENT_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Judul"),
    Column("Bidang"),
    Column("Para pihak"),
    Column("Tujuan"),
    Column("Ruang lingkup"),
    Column("Sumber dana"),
    Column("Nilai", "rupiah"),
    Column("Dasar hukum"),
    Column("Pelaksana"),
    Column("Mulai", "date"),
    Column("Berakhir", "date"),
    Column("Ritme evaluasi"),
    Column("Status"),
    Column("Diakhiri lebih awal", "date"),
    Column("Alasan berakhir"),
    Column("Jumlah evaluasi", "int"),
    Column("Rata-rata nilai", "rating"),
    Column("Tindak lanjut terbuka", "int"),
    Column("Jenis kerja sama"),
    Column("Tahap"),
    Column("Bidang (UU Desa)"),
    Column("Tata cara pelaksanaan"),
    Column("Hak dan kewajiban"),
    Column("Pendanaan per pihak"),
    Column("Jumlah pendanaan", "rupiah"),
    Column("Perubahan, penundaan, pembatalan"),
    Column("Penyelesaian perselisihan"),
)
BIDANG_UU = {"usaha_bersama": "Pengembangan usaha bersama", "kemasyarakatan": "Kegiatan kemasyarakatan",
             "pelayanan": "Pelayanan", "pembangunan": "Pembangunan dan pemberdayaan masyarakat",
             "keamanan": "Keamanan dan ketertiban"}


def _party_texts(full: AgreementFull) -> tuple[str | None, str | None, int | None]:
    """Rights per party, funding per party ("Sidasari: APB Desa Rp50.000.000"), and the total."""
    parties = sorted(full.agreement.parties, key=lambda p: p.position)
    rights = "; ".join(f"{p.name}: {p.rights_obligations}" for p in parties if p.rights_obligations) or None
    names = {p.position: p.name for p in parties}
    lines = [f"{names.get(f.party_position, '?')}: {'APB Desa' if f.source == 'apb_desa' else f.source_name} "
             f"{format_rupiah(f.amount)}" for f in full.funding]
    total = sum(f.amount for f in full.funding) if full.funding else full.agreement.funding_amount
    return rights, "; ".join(lines) or None, total
AGREEMENT_KINDS = {"antar_desa": "Antardesa", "pihak_ketiga": "Dengan pihak ketiga"}
STAGES = {"persiapan": "Persiapan", "penawaran": "Penawaran", "perumusan": "Perumusan",
          "penandatanganan": "Penandatanganan", "pelaksanaan": "Pelaksanaan", "pelaporan": "Pelaporan",
          "ditunda": "Ditunda", "dibatalkan": "Dibatalkan"}
REPORT_COLUMNS = (
    Column("No. kerja sama", "int", width=8),
    Column("Kerja sama"),
    Column("Periode mulai", "date"),
    Column("Periode akhir", "date"),
    Column("Yang dilaksanakan"),
    Column("Rencana berikutnya"),
    Column("Rata-rata nilai periode", "rating"),
    Column("Tindak lanjut terbuka", "int"),
    Column("Dibuat pada", "datetime"),
)
EVALUATION_COLUMNS = (
    Column("No. kerja sama", "int", width=8),
    Column("Kerja sama"),
    Column("Periode ke-", "int"),
    Column("Periode mulai", "date"),
    Column("Periode akhir", "date"),
    Column("Pihak"),
    Column("Nilai (1-5)", "int"),
    Column("Yang berjalan baik"),
    Column("Kendala"),
    Column("Dikirim pada", "datetime"),
)
FOLLOWUP_COLUMNS = (
    Column("No.", "int", width=6),
    Column("Kerja sama"),
    Column("Periode ke-", "int"),
    Column("Tindak lanjut"),
    Column("Penanggung jawab"),
    Column("Tenggat", "date"),
    Column("Status"),
    Column("Selesai pada", "datetime"),
)
RHYTHMS = {"bulanan": "Bulanan", "triwulan": "Triwulan", "semester": "Semester", "tahunan": "Tahunan"}
AGREEMENT_STATES = {
    "belum_mulai": "Belum mulai", "aktif": "Aktif", "perlu_evaluasi": "Perlu evaluasi",
    "terlambat_evaluasi": "Terlambat evaluasi", "akan_berakhir": "Akan berakhir", "berakhir": "Berakhir",
}


@dataclass(frozen=True)
class AgreementData:
    agreements: list[AgreementFull]
    period: Period
    today: date


async def _fetch_agreements(repo: ReportRepo, forum_id: int, period: Period, tz: ZoneInfo,
                            today: date) -> AgreementData:
    return AgreementData(await repo.agreements(forum_id), period, today)


def agreement_status(full: AgreementFull, today: date) -> str:
    """The state code /kerjasama shows; an agreement ended early is simply "berakhir"."""
    a = full.agreement
    if a.status == "ended":
        return "berakhir"
    return state_of(a, full.periods, full.evaluations, today)


def _overlaps(full: AgreementFull, period: Period) -> bool:
    a = full.agreement
    end = a.ended_early_on or a.end_date
    return a.start_date <= period.end and (period.start is None or end >= period.start)


def agreement_tables(data: AgreementData, tz: ZoneInfo) -> list[Table]:
    period = data.period
    agreements: list[Sequence[Any]] = []
    evaluations: list[Sequence[Any]] = []
    followups: list[Sequence[Any]] = []
    reports: list[Sequence[Any]] = []
    for full in data.agreements:
        a = full.agreement
        submitted = [e for e in full.evaluations if e.status == "submitted" and period.contains(e.period_end)]
        ratings = [e.rating for e in submitted if e.rating is not None]
        if _overlaps(full, period) or submitted:
            parties = "; ".join(p.name for p in sorted(a.parties, key=lambda p: p.position))
            agreements.append([
                a.id, a.title, bidang_label(a.bidang, "id") if a.bidang else None, parties or None, a.objective,
                a.scope, a.funding_source, a.funding_amount, a.legal_basis, a.executing_body, a.start_date,
                a.end_date, RHYTHMS.get(a.rhythm, a.rhythm), AGREEMENT_STATES[agreement_status(full, data.today)],
                a.ended_early_on, a.end_reason, len(submitted), sum(ratings) / len(ratings) if ratings else None,
                sum(1 for f in full.followups if f.done_at is None),
                AGREEMENT_KINDS.get(a.kind, a.kind), STAGES.get(a.stage, a.stage),
                BIDANG_UU.get(a.bidang_uu or "", None), a.implementation_terms, *_party_texts(full),
                a.change_terms, a.dispute_terms,
            ])
        for r in full.reports:
            if not period.contains(r.period_end):
                continue
            # The period's ratings and open follow-ups, as the report's readers saw them.
            rated = [e.rating for e in full.evaluations if e.status == "submitted" and e.rating is not None
                     and r.period_start <= e.period_end <= r.period_end]
            reports.append([a.id, a.title, r.period_start, r.period_end, r.done, r.next_steps,
                            sum(rated) / len(rated) if rated else None,
                            sum(1 for f in full.followups if f.done_at is None and f.due_date <= r.period_end),
                            local(r.created_at, tz)])
        shown = {e.id for e in submitted}
        for e in sorted(submitted, key=lambda e: (e.period_index, e.party_position)):
            party = a.party(e.party_position)
            evaluations.append([a.id, a.title, e.period_index, e.period_start, e.period_end,
                                party.name if party else None, e.rating, e.went_well, e.kendala,
                                local(e.submitted_at, tz)])
        for f in full.followups:
            if f.evaluation_id not in shown:
                continue
            status = "Selesai" if f.done_at else ("Terlambat" if f.due_date < data.today else "Terbuka")
            followups.append([f.id, a.title, f.period_index, f.description, f.owner_name, f.due_date, status,
                              local(f.done_at, tz)])
    return [Table("Kerja sama", AGREEMENT_COLUMNS, agreements), Table("Evaluasi", EVALUATION_COLUMNS, evaluations),
            Table("Tindak lanjut kerja sama", FOLLOWUP_COLUMNS, followups),
            Table("Laporan kerja sama", REPORT_COLUMNS, reports)]


AGREEMENTS = Source("s", "rep.src.agreements", "kerjasama", True, _fetch_agreements, agreement_tables)

# The sources that exist in this installation, in menu order. Features add theirs as they land.
SOURCES: tuple[Source, ...] = (MEMBERS, MEETINGS, VISITS, POSTS, AGREEMENTS)
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
