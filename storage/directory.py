"""Village profiles and the directory: who is in the user's forums, search, partner suggestions.

Search is a list of sources (`SEARCH_SOURCES`), each `async fn(db, terms, village_codes) -> list[Hit]`.
Village profiles are the first source. Experience posts (the posts feature) join by adding one
function with `register_search_source(fn)`: it searches its own index for the terms, limited to
posts of those villages, and returns Hits; the repository merges them per village.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot import bidang as bidang_mod
from bot.directory import rules
from storage.database import Database, Handle, Tx, joined
from storage.models import Region
from storage.timeutil import from_db, to_db


@dataclass(frozen=True)
class VillageProfile:
    village_code: str
    potensi: tuple[str, ...] = ()
    kebutuhan: tuple[str, ...] = ()
    detail: str = ""
    programs: str = ""
    updated_by: int | None = None
    updated_at: datetime | None = None
    verified: bool = True  # False: last changed by an unverified claimant, not reviewed yet

    @property
    def is_empty(self) -> bool:
        return not (self.potensi or self.kebutuhan or self.detail or self.programs)


@dataclass(frozen=True)
class DirectoryVillage:
    """A village in the asker's forums, with the member who speaks for it (its kades if known)."""

    village: Region
    head_user_id: int
    head_name: str
    head_jabatan: str
    forum_ids: tuple[int, ...]


@dataclass(frozen=True)
class Hit:
    """One source's match for a village: bm25 score (lower is better), how many terms matched."""

    village_code: str
    score: float
    matched: int
    source: str  # "profile", "post", ...
    snippet: str = ""


@dataclass
class Result:
    entry: DirectoryVillage
    profile: VillageProfile | None
    matched: int
    score: float
    sources: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)


SearchSource = Callable[[Database, list[str], Sequence[str]], Awaitable[list[Hit]]]


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def _profile(row: Any) -> VillageProfile:
    return VillageProfile(
        village_code=row["village_code"], potensi=_codes(row["potensi"]), kebutuhan=_codes(row["kebutuhan"]),
        detail=row["detail"], programs=row["programs"], updated_by=row["updated_by"],
        updated_at=from_db(row["updated_at"]), verified=bool(row["verified"]),
    )


@dataclass(frozen=True)
class ProfileChange:
    """One kept change of a village profile: the whole profile after it, who, when, and its status."""

    id: int
    village_code: str
    profile: VillageProfile
    status: str  # applied, proposed, rejected
    verified: bool
    by_user: int
    at: datetime
    decided_by: int | None


def _change(row: Any) -> ProfileChange:
    at = from_db(row["at"])
    assert at is not None
    profile = VillageProfile(village_code=row["village_code"], potensi=_codes(row["potensi"]),
                             kebutuhan=_codes(row["kebutuhan"]), detail=row["detail"], programs=row["programs"],
                             updated_by=row["by_user"], updated_at=at, verified=bool(row["verified"]))
    return ProfileChange(id=row["id"], village_code=row["village_code"], profile=profile, status=row["status"],
                         verified=bool(row["verified"]), by_user=row["by_user"], at=at, decided_by=row["decided_by"])


def _tags(codes: Sequence[str]) -> str:
    """Index text for bidang tags: both labels and the code."""
    parts = []
    for code in codes:
        if bidang_mod.is_code(code):
            b = bidang_mod.by_code(code)
            parts.append(f"{b.label_id} {b.label_en} {b.code}")
    return " ".join(parts)


async def profile_hits(db: Database, terms: list[str], village_codes: Sequence[str]) -> list[Hit]:
    """Village profiles (potensi tags, programmes, detail) matching the terms."""
    if not terms or not village_codes:
        return []
    marks = ",".join("?" for _ in village_codes)
    rows = await db.fetchall(
        f"""SELECT p.village_code, p.potensi, p.detail, p.programs, f.score
            FROM (SELECT rowid, bm25(directory_fts, 4.0, 2.0, 1.0, 0.5) AS score FROM directory_fts
                  WHERE directory_fts MATCH ?) f
            JOIN village_profiles p ON p.rowid = f.rowid
            WHERE p.village_code IN ({marks})""",
        (rules.match_expression(terms), *village_codes),
    )
    hits = []
    for row in rows:
        text = " ".join((_tags(_codes(row["potensi"])), row["programs"], row["detail"]))
        snippet = row["programs"] or row["detail"]
        hits.append(Hit(row["village_code"], float(row["score"]), rules.matched_terms(terms, text), "profile",
                        snippet[:160]))
    return hits


SEARCH_SOURCES: list[SearchSource] = [profile_hits]


def register_search_source(source: SearchSource) -> None:
    """Add a source to `/cari_desa` (e.g. experience posts); idempotent."""
    if source not in SEARCH_SOURCES:
        SEARCH_SOURCES.append(source)


class DirectoryRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    # -- profiles ------------------------------------------------------------------------------
    async def profile(self, village_code: str) -> VillageProfile | None:
        row = await self.db.fetchone("SELECT * FROM village_profiles WHERE village_code = ?", (village_code,))
        return _profile(row) if row else None

    async def profiles(self, village_codes: Sequence[str]) -> dict[str, VillageProfile]:
        if not village_codes:
            return {}
        marks = ",".join("?" for _ in village_codes)
        rows = await self.db.fetchall(f"SELECT * FROM village_profiles WHERE village_code IN ({marks})",
                                      tuple(village_codes))
        return {r["village_code"]: _profile(r) for r in rows}

    async def profile_or_blank(self, village_code: str) -> VillageProfile:
        """The village's profile, or an empty one if nobody wrote it yet."""
        return await self.profile(village_code) or VillageProfile(village_code)

    @staticmethod
    def merged(old: VillageProfile, *, by: int, now: datetime, potensi: Sequence[str] | None = None,
               kebutuhan: Sequence[str] | None = None, detail: str | None = None, programs: str | None = None,
               verified: bool = True) -> VillageProfile:
        """The profile with some parts changed (None: keep)."""
        return VillageProfile(
            village_code=old.village_code,
            potensi=tuple(bidang_mod.normalise(potensi)) if potensi is not None else old.potensi,
            kebutuhan=tuple(bidang_mod.normalise(kebutuhan)) if kebutuhan is not None else old.kebutuhan,
            detail=detail.strip() if detail is not None else old.detail,
            programs=programs.strip() if programs is not None else old.programs,
            updated_by=by, updated_at=now, verified=verified,
        )

    async def save_profile(self, village_code: str, *, by: int, now: datetime,
                           potensi: Sequence[str] | None = None, kebutuhan: Sequence[str] | None = None,
                           detail: str | None = None, programs: str | None = None,
                           verified: bool = True) -> VillageProfile:
        """Change some parts of a village's profile (None: keep) and reindex it, in one unit."""
        async with joined(self.db) as tx:
            return await self._save(tx, village_code, by=by, now=now, potensi=potensi, kebutuhan=kebutuhan,
                                    detail=detail, programs=programs, verified=verified)

    async def _save(self, tx: Tx, village_code: str, *, by: int, now: datetime, potensi: Sequence[str] | None,
                    kebutuhan: Sequence[str] | None, detail: str | None, programs: str | None,
                    verified: bool) -> VillageProfile:
        conn = tx.conn
        old = await DirectoryRepo(tx).profile_or_blank(village_code)
        new = self.merged(old, by=by, now=now, potensi=potensi, kebutuhan=kebutuhan, detail=detail,
                          programs=programs, verified=verified)
        cur = await conn.execute(
            """INSERT INTO village_profiles(village_code, potensi, kebutuhan, detail, programs, updated_by, updated_at,
                                            verified)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(village_code) DO UPDATE SET potensi = excluded.potensi, kebutuhan = excluded.kebutuhan,
                   detail = excluded.detail, programs = excluded.programs, updated_by = excluded.updated_by,
                   updated_at = excluded.updated_at, verified = excluded.verified
               RETURNING rowid""",
            (village_code, " ".join(new.potensi), " ".join(new.kebutuhan), new.detail, new.programs, by,
             to_db(now), int(verified)),
        )
        rowid_row = await cur.fetchone()
        assert rowid_row is not None
        rowid = int(rowid_row[0])
        await cur.close()
        tags = _tags(new.potensi)
        await conn.execute("DELETE FROM directory_fts WHERE rowid = ?", (rowid,))
        await conn.execute(
            "INSERT INTO directory_fts(rowid, tags, programs, detail, stems) VALUES (?, ?, ?, ?, ?)",
            (rowid, tags, new.programs, new.detail, rules.stems_of(f"{tags} {new.programs} {new.detail}")),
        )
        return new

    # -- kept changes and proposals ------------------------------------------------------------
    @staticmethod
    async def add_change(conn: aiosqlite.Connection, profile: VillageProfile, *, status: str, verified: bool,
                         by: int, now: datetime) -> int:
        cur = await conn.execute(
            """INSERT INTO village_profile_changes(village_code, potensi, kebutuhan, detail, programs, status,
                                                   verified, by_user, at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (profile.village_code, " ".join(profile.potensi), " ".join(profile.kebutuhan), profile.detail,
             profile.programs, status, int(verified), by, to_db(now)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    @staticmethod
    async def decide_change(conn: aiosqlite.Connection, change_id: int, *, accept: bool, by: int,
                            now: datetime) -> bool:
        """Accept or reject a proposal; False when it was no longer proposed."""
        cur = await conn.execute(
            """UPDATE village_profile_changes SET status = ?, verified = ?, decided_by = ?, decided_at = ?
               WHERE id = ? AND status = 'proposed'""",
            ("applied" if accept else "rejected", int(accept), by, to_db(now), change_id),
        )
        return cur.rowcount == 1

    @staticmethod
    async def mark_verified(conn: aiosqlite.Connection, village_code: str) -> None:
        await conn.execute("UPDATE village_profiles SET verified = 1 WHERE village_code = ?", (village_code,))

    async def change(self, change_id: int) -> ProfileChange | None:
        row = await self.db.fetchone("SELECT * FROM village_profile_changes WHERE id = ?", (change_id,))
        return _change(row) if row else None

    async def history(self, village_code: str, limit: int = 10) -> list[ProfileChange]:
        """Applied changes, newest first."""
        rows = await self.db.fetchall(
            """SELECT * FROM village_profile_changes WHERE village_code = ? AND status = 'applied'
               ORDER BY id DESC LIMIT ?""",
            (village_code, limit),
        )
        return [_change(r) for r in rows]

    # -- the directory -------------------------------------------------------------------------
    async def villages_for(self, user_id: int, *, include_own: bool = False) -> list[DirectoryVillage]:
        """Villages of the active members of the user's active forums, one entry per village."""
        rows = await self.db.fetchall(
            """SELECT m.user_id, m.full_name, m.jabatan, other.village_code, other.forum_id,
                      v.level AS v_level, v.name AS v_name, v.parent AS v_parent,
                      kc.name AS kecamatan, kb.name AS kabupaten, pv.name AS provinsi
               FROM memberships mine
               JOIN memberships other ON other.forum_id = mine.forum_id AND other.status = 'active'
               JOIN members m ON m.user_id = other.user_id
               JOIN regions v ON v.code = other.village_code  -- the village approved in that forum
               LEFT JOIN regions kc ON kc.code = substr(v.code, 1, 8)
               LEFT JOIN regions kb ON kb.code = substr(v.code, 1, 5)
               LEFT JOIN regions pv ON pv.code = substr(v.code, 1, 2)
               WHERE mine.user_id = ? AND mine.status = 'active' AND m.erased_at IS NULL AND v.level = 4
               ORDER BY other.village_code,
                        CASE m.jabatan WHEN 'kades' THEN 0 WHEN 'pj_kades' THEN 1 ELSE 2 END, m.user_id""",
            (user_id,),
        )
        own = await self.db.fetchval("SELECT village_code FROM members WHERE user_id = ?", (user_id,))
        entries: dict[str, DirectoryVillage] = {}
        for r in rows:
            code = r["village_code"]
            if not include_own and (code == own or r["user_id"] == user_id):
                continue
            if code in entries:
                e = entries[code]
                if r["forum_id"] not in e.forum_ids:
                    entries[code] = DirectoryVillage(e.village, e.head_user_id, e.head_name, e.head_jabatan,
                                                     (*e.forum_ids, r["forum_id"]))
                continue
            region = Region(code=code, level=r["v_level"], name=r["v_name"], parent=r["v_parent"],
                            kecamatan=r["kecamatan"], kabupaten=r["kabupaten"], provinsi=r["provinsi"])
            entries[code] = DirectoryVillage(region, r["user_id"], r["full_name"], r["jabatan"], (r["forum_id"],))
        return list(entries.values())

    async def search(self, user_id: int, text: str, *, limit: int = 10) -> list[Result]:
        """Villages in the user's forums matching `text`, best first (more words matched, then bm25)."""
        if not isinstance(self.db, Database):  # sources read the last commit, never inside a unit
            raise TypeError("DirectoryRepo.search runs on the Database")
        db = self.db
        terms = rules.query_terms(text)
        if not terms:
            return []
        entries = {e.village.code: e for e in await self.villages_for(user_id)}
        merged: dict[str, Result] = {}
        codes = list(entries)
        for source in SEARCH_SOURCES:
            for hit in await source(db, terms, codes):
                entry = entries.get(hit.village_code)
                if entry is None:
                    continue
                res = merged.get(hit.village_code)
                if res is None:
                    res = merged[hit.village_code] = Result(entry, None, 0, 0.0)
                res.matched = max(res.matched, hit.matched)
                res.score += hit.score
                if hit.source not in res.sources:
                    res.sources.append(hit.source)
                if hit.snippet:
                    res.snippets.append(hit.snippet)
        ranked = sorted(merged.values(), key=lambda r: (-r.matched, r.score, r.entry.village.name))[:limit]
        profiles = await self.profiles([r.entry.village.code for r in ranked])
        for r in ranked:
            r.profile = profiles.get(r.entry.village.code)
        return ranked

    async def suggest(self, user_id: int, kebutuhan: Sequence[str], *, limit: int = 10) -> list[Result]:
        """Partners: villages in the user's forums whose potensi covers this village's kebutuhan."""
        wanted = set(kebutuhan)
        if not wanted:
            return []
        entries = {e.village.code: e for e in await self.villages_for(user_id)}
        profiles = await self.profiles(list(entries))
        out = []
        for code, profile in profiles.items():
            overlap = wanted & set(profile.potensi)
            if overlap:
                richness = len(profile.programs) + len(profile.detail)
                out.append(Result(entries[code], profile, len(overlap), -float(richness), ["profile"]))
        out.sort(key=lambda r: (-r.matched, r.score, r.entry.village.name))
        return out[:limit]
