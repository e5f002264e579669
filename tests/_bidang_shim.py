"""TEMPORARY (posts branch): a minimal stand-in for bot.bidang until branch `visits` lands it on main.

Only used when `bot.bidang` cannot be imported; same API subset posts uses (BIDANG, by_code,
bidang_label). Delete this file and its import in tests/conftest.py once bot.bidang is on main.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

try:
    import bot.bidang  # noqa: F401
except ImportError:

    @dataclass(frozen=True, slots=True)
    class Bidang:
        code: str
        label_id: str
        label_en: str
        emoji: str = ""

        def label(self, lang: str | None = "id") -> str:
            return self.label_en if (lang or "id")[:2].lower() == "en" else self.label_id

    _ALL = (
        Bidang("tani", "Pertanian", "Agriculture", "🌾"), Bidang("ikan", "Perikanan", "Fisheries", "🐟"),
        Bidang("ternak", "Peternakan", "Livestock", "🐄"), Bidang("wisata", "Pariwisata", "Tourism", "🏞"),
        Bidang("umkm", "UMKM dan BUMDes", "Small business and BUMDes", "🏪"),
        Bidang("didik", "Pendidikan", "Education", "📚"), Bidang("sehat", "Kesehatan", "Health", "🏥"),
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
    _BY = {b.code: b for b in _ALL}
    module = types.ModuleType("bot.bidang")
    module.Bidang = Bidang  # type: ignore[attr-defined]
    module.BIDANG = _ALL  # type: ignore[attr-defined]
    module.by_code = lambda code: _BY[code]  # type: ignore[attr-defined]
    module.bidang_label = lambda code, lang="id": _BY[code].label(lang) if code in _BY else code  # type: ignore[attr-defined]
    sys.modules["bot.bidang"] = module
