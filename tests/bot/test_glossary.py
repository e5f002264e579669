"""The Indonesian catalog speaks one language: Bapak/Ibu, karakter, formulir, antardesa..."""

from __future__ import annotations

import pytest

from bot.texts import CATALOG
from bot.texts.glossary import GLOSSARY, violations


def test_no_banned_variant_in_the_indonesian_catalog() -> None:
    broken = {key: [term.use for term in violations(text)] for key, text in CATALOG["id"].items()
              if violations(text)}
    assert broken == {}, "use the glossary's word: " + str(broken)


@pytest.mark.parametrize(("text", "use"), [
    ("Apakah Anda akan hadir?", "Bapak/Ibu"),
    ("Terlalu panjang (5.000 huruf)", "karakter"),
    ("Batalkan isian", "formulir"),
    ("Kerja sama antar desa", "kerja sama antardesa"),
    ("Daftarkan kerjasama", "kerja sama"),
    ("tekan Start", "Mulai"),
    ("Tenggat: 1 Mei", "batas waktu"),
    ("3 tulisan baru", "cerita pengalaman"),
])
def test_each_banned_variant_is_caught(text: str, use: str) -> None:
    assert use in [term.use for term in violations(text)]


def test_commands_and_placeholders_are_not_words() -> None:
    assert violations("Lihat /kerjasama atau /kerjasama_baru sebelum {deadline}") == []
    assert len(GLOSSARY) >= 7
