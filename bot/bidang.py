"""The fixed list of fields of work (bidang) a village's potensi, kebutuhan, visits and posts are tagged with.

Sixteen fields, each with a short stable code (used in callback data and stored in the database)
and a label in Bahasa Indonesia and English. The order is the display order. Codes never change
once stored; add new fields at the end.

    >>> bidang_label("tani", "id")
    'Pertanian'
    >>> by_code("air").label_en
    'Clean water and sanitation'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bidang:
    code: str
    label_id: str
    label_en: str
    emoji: str = ""

    def label(self, lang: str | None = "id") -> str:
        return self.label_en if (lang or "id")[:2].lower() == "en" else self.label_id


BIDANG: tuple[Bidang, ...] = (
    Bidang("tani", "Pertanian", "Agriculture", "🌾"),
    Bidang("ikan", "Perikanan", "Fisheries", "🐟"),
    Bidang("ternak", "Peternakan", "Livestock", "🐄"),
    Bidang("wisata", "Pariwisata", "Tourism", "🏞"),
    Bidang("umkm", "UMKM dan BUMDes", "Small business and BUMDes", "🏪"),
    Bidang("didik", "Pendidikan", "Education", "📚"),
    Bidang("sehat", "Kesehatan", "Health", "🏥"),
    Bidang("air", "Air bersih dan sanitasi", "Clean water and sanitation", "💧"),
    Bidang("jalan", "Infrastruktur jalan dan jembatan", "Roads and bridges", "🛣"),
    Bidang("energi", "Energi dan listrik", "Energy and electricity", "⚡"),
    Bidang("lingk", "Lingkungan dan sampah", "Environment and waste", "♻"),
    Bidang("aman", "Keamanan", "Security", "🛡"),
    Bidang("layan", "Pelayanan publik dan administrasi", "Public services and administration", "🏛"),
    Bidang("puan", "Pemberdayaan perempuan", "Women's empowerment", "👩"),
    Bidang("budaya", "Budaya", "Culture", "🎭"),
    Bidang("digital", "Teknologi dan digitalisasi", "Technology and digitalisation", "💻"),
)

_BY_CODE: dict[str, Bidang] = {b.code: b for b in BIDANG}
CODES: tuple[str, ...] = tuple(_BY_CODE)


def by_code(code: str) -> Bidang:
    """The bidang with this code; KeyError for an unknown code."""
    return _BY_CODE[code]


def is_code(code: str) -> bool:
    return code in _BY_CODE


def bidang_label(code: str, lang: str | None = "id") -> str:
    """The label of `code` in `lang` ('id' default, 'en'); the code itself if unknown (old data)."""
    found = _BY_CODE.get(code)
    return found.label(lang) if found else code


def labels(codes: Iterable[str], lang: str | None = "id") -> str:
    """'Pertanian, Pariwisata' in catalog order; empty string for none."""
    wanted = set(codes)
    return ", ".join(b.label(lang) for b in BIDANG if b.code in wanted)


def normalise(codes: Iterable[str]) -> list[str]:
    """Known codes only, deduplicated, in catalog order (for storing)."""
    wanted = set(codes)
    return [b.code for b in BIDANG if b.code in wanted]
