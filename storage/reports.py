"""Read-only queries for coordinator reports: exports, the monthly report and the digest.

Every query is scoped to one forum and parameterised. Results are small frozen dataclasses
with UTC datetimes; converting to the forum's zone is the caller's job (bot/reports).
Each feature's section lives below its own heading; sections are added as features land.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.agreements import Agreement, AgreementRepo, Evaluation, EvaluationPeriod, FollowUp
from storage.database import Database
from storage.kerjasama import AgreementReport, FundingLine, KerjasamaRepo
from storage.timeutil import from_db, to_db


def _dt(value: str | None) -> datetime | None:
    return from_db(value)


def _req(value: str) -> datetime:
    parsed = from_db(value)
    assert parsed is not None
    return parsed


# -- members -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberRow:
    user_id: int
    full_name: str
    jabatan: str
    role: str
    status: str  # active | pending
    village_code: str | None
    village: str | None
    kecamatan: str | None
    kabupaten: str | None
    phone: str | None
    requested_at: datetime
    decided_at: datetime | None
    unreachable_reason: str | None
    unreachable_at: datetime | None
    title: str | None = None  # officer title (ketua, sekretaris...); officers are listed first


_MEMBER_SQL = """
    SELECT m.user_id, m.full_name, m.jabatan, ms.role, ms.status, m.village_code, v.name AS village,
           kc.name AS kecamatan, kb.name AS kabupaten, m.phone, ms.requested_at, ms.decided_at,
           m.unreachable_reason, m.unreachable_at, ms.title
    FROM memberships ms
    JOIN members m ON m.user_id = ms.user_id
    LEFT JOIN regions v ON v.code = m.village_code
    LEFT JOIN regions kc ON kc.code = substr(v.code, 1, 8)
    LEFT JOIN regions kb ON kb.code = substr(v.code, 1, 5)
    WHERE ms.forum_id = ? AND ms.status IN ({statuses}) AND m.erased_at IS NULL
    ORDER BY ms.status,
             CASE ms.title WHEN 'ketua' THEN 0 WHEN 'wakil_ketua' THEN 1 WHEN 'sekretaris' THEN 2
                           WHEN 'bendahara' THEN 3 ELSE 9 END,
             coalesce(kc.name, '~'), coalesce(v.name, '~'), m.full_name, m.user_id
"""


# -- meetings (0003) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    timezone: str
    place_kind: str
    host_village: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    status: str
    cancel_reason: str | None
    said_yes: int
    people_yes: int
    recorded: int
    present: int
    decisions: list[str]
    notes: str | None


@dataclass(frozen=True)
class AttendanceRow:
    meeting_id: int
    title: str
    starts_at: datetime
    name: str
    village: str | None
    present: bool
    answer: str | None  # the RSVP: yes | no | maybe | None
    reason: str | None


@dataclass(frozen=True)
class ActionRow:
    id: int
    meeting_title: str
    meeting_starts_at: datetime
    text: str
    owner: str
    village: str | None
    due_date: date
    status: str
    done_at: datetime | None


@dataclass(frozen=True)
class MeetingCount:
    starts_at: datetime
    recorded: int
    present: int


_MEETING_COUNTS = """
    (SELECT count(*) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS said_yes,
    (SELECT coalesce(sum(r.party_size), 0) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes')
        AS people_yes,
    (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS recorded,
    (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.present = 1) AS present
"""


# -- visits (0004) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitExportRow:
    id: int
    requester: str
    requester_village: str | None
    requester_kecamatan: str | None
    host: str
    host_village: str | None
    host_kecamatan: str | None
    purpose: str
    bidang: list[str]
    people: int
    state: str
    visit_date: date | None
    created_at: datetime
    closed_at: datetime | None
    reason: str | None
    host_note: str | None
    learned: str | None
    will_apply: str | None
    published: bool


@dataclass(frozen=True)
class VillageVisitCount:
    village: str
    made: int
    hosted: int


# -- experience posts (0005) ---------------------------------------------------------------------
@dataclass(frozen=True)
class PostRow:
    id: int
    title: str
    kind: str
    bidang: str
    author: str
    village: str | None
    kecamatan: str | None
    created_at: datetime
    edited_at: datetime | None
    status: str
    thanks: int
    comments: int
    attachments: int
    link_type: str | None
    link_id: int | None
    story: str


# -- agreements (0006) ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementFull:
    """One agreement with its parties, opened periods, evaluations (all) and follow-ups (of submitted ones)."""

    agreement: Agreement
    periods: list[EvaluationPeriod]
    evaluations: list[Evaluation]
    followups: list[FollowUp]
    reports: list[AgreementReport] = field(default_factory=list)  # pelaporan (0012)
    funding: list[FundingLine] = field(default_factory=list)  # pendanaan per party (0012)


def _member_row(r: Any) -> MemberRow:
    return MemberRow(
        user_id=r["user_id"], full_name=r["full_name"], jabatan=r["jabatan"], role=r["role"], status=r["status"],
        village_code=r["village_code"], village=r["village"], kecamatan=r["kecamatan"], kabupaten=r["kabupaten"],
        phone=r["phone"], requested_at=_req(r["requested_at"]), decided_at=_dt(r["decided_at"]),
        unreachable_reason=r["unreachable_reason"], unreachable_at=_dt(r["unreachable_at"]), title=r["title"],
    )


class ReportRepo:
    """Read-only report queries over the feature tables of one forum at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def has_table(self, name: str) -> bool:
        value = await self.db.fetchval("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return value is not None

    # -- members ---------------------------------------------------------------------------
    async def members(self, forum_id: int, statuses: tuple[str, ...] = ("active",)) -> list[MemberRow]:
        """Members of the forum (active by default) with their village, kecamatan and kabupaten."""
        marks = ",".join("?" for _ in statuses)
        rows = await self.db.fetchall(_MEMBER_SQL.format(statuses=marks), (forum_id, *statuses))
        return [_member_row(r) for r in rows]

    async def join_times(self, forum_id: int, since: datetime) -> list[datetime]:
        """When each active member's membership began (approval, else request), from `since`."""
        rows = await self.db.fetchall(
            """SELECT coalesce(decided_at, requested_at) AS joined FROM memberships
               WHERE forum_id = ? AND status = 'active' AND coalesce(decided_at, requested_at) >= ?""",
            (forum_id, to_db(since)),
        )
        return [_req(r["joined"]) for r in rows]

    # -- the digest ------------------------------------------------------------------------
    async def forum_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT id FROM forums ORDER BY id")
        return [r["id"] for r in rows]

    async def digest_done(self, forum_id: int, month: date) -> bool:
        """Whether the monthly digest of `month` was planned for this forum."""
        return bool(await self.db.fetchval(
            "SELECT 1 FROM report_digest_runs WHERE forum_id = ? AND month = ?", (forum_id, f"{month:%Y-%m}")))

    @staticmethod
    async def mark_digest(conn: aiosqlite.Connection, forum_id: int, month: date, recipients: int,
                          now: datetime) -> bool:
        """Record the forum's digest of `month` (inside the transaction that queues it); False if done."""
        cur = await conn.execute(
            """INSERT INTO report_digest_runs(forum_id, month, recipients, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""", (forum_id, f"{month:%Y-%m}", recipients, to_db(now)))
        return cur.rowcount == 1

    # -- meetings --------------------------------------------------------------------------
    async def meetings(self, forum_id: int, start: datetime, end: datetime) -> list[MeetingRow]:
        """Meetings (held and cancelled) starting in [start, end), with RSVP and attendance counts."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, m.title, m.starts_at, m.duration_minutes, m.timezone, m.place_kind,
                       v.name AS host_village, m.address, m.latitude, m.longitude, m.online_url, m.status,
                       m.cancel_reason, mm.decisions, mm.notes, {_MEETING_COUNTS}
                FROM meetings m
                LEFT JOIN regions v ON v.code = m.host_village_code
                LEFT JOIN meeting_minutes mm ON mm.meeting_id = m.id
                WHERE m.forum_id = ? AND m.starts_at >= ? AND m.starts_at < ?
                ORDER BY m.starts_at, m.id""",
            (forum_id, to_db(start), to_db(end)),
        )
        return [MeetingRow(
            id=r["id"], title=r["title"], starts_at=_req(r["starts_at"]), duration_minutes=r["duration_minutes"],
            timezone=r["timezone"], place_kind=r["place_kind"], host_village=r["host_village"],
            address=r["address"], latitude=r["latitude"], longitude=r["longitude"], online_url=r["online_url"],
            status=r["status"], cancel_reason=r["cancel_reason"], said_yes=r["said_yes"],
            people_yes=r["people_yes"], recorded=r["recorded"], present=r["present"],
            decisions=[str(d) for d in json.loads(r["decisions"] or "[]")], notes=r["notes"],
        ) for r in rows]

    async def attendance(self, forum_id: int, start: datetime, end: datetime) -> list[AttendanceRow]:
        """The daftar hadir of the forum's meetings starting in [start, end), with each RSVP."""
        rows = await self.db.fetchall(
            """SELECT a.meeting_id, m.title, m.starts_at, mb.full_name, v.name AS village, a.present,
                      r.answer, r.reason
               FROM meeting_attendance a
               JOIN meetings m ON m.id = a.meeting_id
               JOIN members mb ON mb.user_id = a.user_id
               LEFT JOIN regions v ON v.code = coalesce(a.village_code, mb.village_code)
               LEFT JOIN meeting_rsvps r ON r.meeting_id = a.meeting_id AND r.user_id = a.user_id
               WHERE m.forum_id = ? AND m.starts_at >= ? AND m.starts_at < ?
               ORDER BY m.starts_at, m.id, coalesce(v.name, '~'), mb.full_name""",
            (forum_id, to_db(start), to_db(end)),
        )
        return [AttendanceRow(meeting_id=r["meeting_id"], title=r["title"], starts_at=_req(r["starts_at"]),
                              name=r["full_name"], village=r["village"], present=bool(r["present"]),
                              answer=r["answer"], reason=r["reason"]) for r in rows]

    async def meeting_actions(self, forum_id: int, start: datetime, end: datetime) -> list[ActionRow]:
        """Tindak lanjut from the forum's meetings starting in [start, end)."""
        rows = await self.db.fetchall(
            """SELECT x.id, m.title, m.starts_at, x.text, mb.full_name, v.name AS village, x.due_date, x.status,
                      x.done_at
               FROM meeting_actions x
               JOIN meetings m ON m.id = x.meeting_id
               JOIN members mb ON mb.user_id = x.owner_user_id
               LEFT JOIN regions v ON v.code = mb.village_code
               WHERE x.forum_id = ? AND m.forum_id = ? AND m.starts_at >= ? AND m.starts_at < ?
               ORDER BY m.starts_at, x.due_date, x.id""",
            (forum_id, forum_id, to_db(start), to_db(end)),
        )
        return [ActionRow(id=r["id"], meeting_title=r["title"], meeting_starts_at=_req(r["starts_at"]),
                          text=r["text"], owner=r["full_name"], village=r["village"],
                          due_date=date.fromisoformat(r["due_date"]), status=r["status"],
                          done_at=_dt(r["done_at"])) for r in rows]

    async def held_meetings(self, forum_id: int, start: datetime, end: datetime) -> list[MeetingCount]:
        """Not-cancelled meetings starting in [start, end) with their daftar hadir counts."""
        rows = await self.db.fetchall(
            f"""SELECT m.starts_at, {_MEETING_COUNTS} FROM meetings m
                WHERE m.forum_id = ? AND m.status = 'scheduled' AND m.starts_at >= ? AND m.starts_at < ?
                ORDER BY m.starts_at""",
            (forum_id, to_db(start), to_db(end)),
        )
        return [MeetingCount(_req(r["starts_at"]), r["recorded"], r["present"]) for r in rows]

    async def missed_last_meetings(self, forum_id: int, before: datetime, count: int = 3) -> list[MemberRow] | None:
        """Active members absent from each of the last `count` meetings with a daftar hadir before
        `before`; None when there have not been that many such meetings yet."""
        ids = [r["id"] for r in await self.db.fetchall(
            """SELECT m.id FROM meetings m
               WHERE m.forum_id = ? AND m.status = 'scheduled' AND m.starts_at < ?
                 AND EXISTS (SELECT 1 FROM meeting_attendance a WHERE a.meeting_id = m.id)
               ORDER BY m.starts_at DESC, m.id DESC LIMIT ?""",
            (forum_id, to_db(before), count),
        )]
        if len(ids) < count:
            return None
        marks = ",".join("?" for _ in ids)
        absent = {r["user_id"] for r in await self.db.fetchall(
            f"""SELECT a.user_id FROM meeting_attendance a WHERE a.meeting_id IN ({marks})
                GROUP BY a.user_id HAVING count(*) = ? AND sum(a.present) = 0""",
            (*ids, len(ids)),
        )}
        return [m for m in await self.members(forum_id, ("active",)) if m.user_id in absent]

    # -- visits ----------------------------------------------------------------------------
    async def visits(self, forum_id: int, first_day: date | None, last_day: date, start: datetime,
                     end: datetime) -> list[VisitExportRow]:
        """The forum's kunjungan kerja in a period: by visit day once fixed (local days
        [first_day, last_day]), else by when it was asked (UTC [start, end))."""
        rows = await self.db.fetchall(
            """SELECT v.id, rq.full_name AS requester, rv.name AS requester_village, rk.name AS requester_kecamatan,
                      hm.full_name AS host, hv.name AS host_village, hk.name AS host_kecamatan, v.purpose,
                      v.bidang, v.people, v.state, v.visit_date, v.created_at, v.closed_at, v.reason, v.host_note,
                      vr.learned, vr.will_apply, vr.published_at
               FROM visits v
               JOIN members rq ON rq.user_id = v.requester_user_id
               JOIN members hm ON hm.user_id = v.host_user_id
               LEFT JOIN regions rv ON rv.code = v.requester_village
               LEFT JOIN regions rk ON rk.code = substr(v.requester_village, 1, 8)
               LEFT JOIN regions hv ON hv.code = v.host_village
               LEFT JOIN regions hk ON hk.code = substr(v.host_village, 1, 8)
               LEFT JOIN visit_reports vr ON vr.visit_id = v.id
               WHERE v.forum_id = ?
                 AND ((v.visit_date IS NOT NULL AND v.visit_date >= ? AND v.visit_date <= ?)
                      OR (v.visit_date IS NULL AND v.created_at >= ? AND v.created_at < ?))
               ORDER BY coalesce(v.visit_date, substr(v.created_at, 1, 10)), v.id""",
            (forum_id, (first_day or date(1, 1, 1)).isoformat(), last_day.isoformat(), to_db(start), to_db(end)),
        )
        return [VisitExportRow(
            id=r["id"], requester=r["requester"], requester_village=r["requester_village"],
            requester_kecamatan=r["requester_kecamatan"], host=r["host"], host_village=r["host_village"],
            host_kecamatan=r["host_kecamatan"], purpose=r["purpose"], bidang=(r["bidang"] or "").split(),
            people=r["people"], state=r["state"],
            visit_date=date.fromisoformat(r["visit_date"]) if r["visit_date"] else None,
            created_at=_req(r["created_at"]), closed_at=_dt(r["closed_at"]), reason=r["reason"],
            host_note=r["host_note"], learned=r["learned"], will_apply=r["will_apply"],
            published=r["published_at"] is not None,
        ) for r in rows]

    async def visits_per_village(self, forum_id: int, first_day: date, last_day: date) -> list[VillageVisitCount]:
        """Accepted or done visits dated within [first_day, last_day]: made and hosted per village."""
        rows = await self.db.fetchall(
            """SELECT coalesce(r.name, x.village) AS village, sum(x.made) AS made, sum(x.hosted) AS hosted
               FROM (SELECT requester_village AS village, 1 AS made, 0 AS hosted FROM visits
                     WHERE forum_id = ? AND state IN ('diterima', 'selesai') AND visit_date >= ? AND visit_date <= ?
                     UNION ALL
                     SELECT host_village, 0, 1 FROM visits
                     WHERE forum_id = ? AND state IN ('diterima', 'selesai') AND visit_date >= ? AND visit_date <= ?
                    ) x
               LEFT JOIN regions r ON r.code = x.village
               GROUP BY x.village ORDER BY made + hosted DESC, village""",
            (forum_id, first_day.isoformat(), last_day.isoformat(),
             forum_id, first_day.isoformat(), last_day.isoformat()),
        )
        return [VillageVisitCount(r["village"], r["made"], r["hosted"]) for r in rows]

    # -- experience posts ------------------------------------------------------------------
    async def posts(self, forum_id: int, start: datetime, end: datetime) -> list[PostRow]:
        """The forum's experience posts written in [start, end), any status."""
        rows = await self.db.fetchall(
            """SELECT p.id, p.title, p.kind, p.bidang, m.full_name AS author, v.name AS village,
                      kc.name AS kecamatan, p.created_at, p.edited_at, p.status, p.thanks_count,
                      p.comments_count, p.link_type, p.link_id, p.story,
                      (SELECT count(*) FROM post_attachments a WHERE a.post_id = p.id) AS attachments
               FROM posts p
               JOIN members m ON m.user_id = p.author_user_id
               LEFT JOIN regions v ON v.code = p.village_code
               LEFT JOIN regions kc ON kc.code = substr(p.village_code, 1, 8)
               WHERE p.forum_id = ? AND p.created_at >= ? AND p.created_at < ?
               ORDER BY p.created_at, p.id""",
            (forum_id, to_db(start), to_db(end)),
        )
        return [PostRow(
            id=r["id"], title=r["title"], kind=r["kind"], bidang=r["bidang"], author=r["author"], village=r["village"],
            kecamatan=r["kecamatan"], created_at=_req(r["created_at"]), edited_at=_dt(r["edited_at"]),
            status=r["status"], thanks=r["thanks_count"], comments=r["comments_count"],
            attachments=r["attachments"], link_type=r["link_type"], link_id=r["link_id"], story=r["story"],
        ) for r in rows]

    async def posts_per_bidang(self, forum_id: int, start: datetime, end: datetime) -> dict[str, int]:
        """Published posts written in [start, end) per bidang code."""
        rows = await self.db.fetchall(
            """SELECT bidang, count(*) AS n FROM posts
               WHERE forum_id = ? AND status = 'published' AND created_at >= ? AND created_at < ?
               GROUP BY bidang""",
            (forum_id, to_db(start), to_db(end)),
        )
        return {r["bidang"]: r["n"] for r in rows}

    # -- agreements ------------------------------------------------------------------------
    async def agreements(self, forum_id: int) -> list[AgreementFull]:
        """Every agreement of the forum with what reports need, through the agreements repository
        (so states are computed by the same rules as /kerjasama)."""
        repo = AgreementRepo(self.db)
        record = KerjasamaRepo(self.db)
        out = []
        for agreement in sorted(await repo.in_forum(forum_id), key=lambda a: (a.start_date, a.id)):
            out.append(AgreementFull(agreement, await repo.periods(agreement.id), await repo.evaluations(agreement.id),
                                     await repo.followups(agreement.id), await record.reports(agreement.id),
                                     await record.funding(agreement.id)))
        return out
