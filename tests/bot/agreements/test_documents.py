"""The draft documents: built as blocks (pure), rendered to .docx by the worker's writer, and read
back with python-docx the way a village secretary opens them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document

from bot.agreements.documents import (
    BLANK,
    PASAL_HEADINGS,
    Attendee,
    BeritaAcaraRecord,
    DraftParty,
    DraftRecord,
    ExecutingMember,
    berita_acara,
    draft,
    funding_total,
)
from bot.reports.docx import write_docx

SIDASARI = DraftParty(name="Sidasari", place="Kecamatan Cipari, Kabupaten Cilacap", signatory="Budi Santoso",
                      signatory_role="Kepala Desa Sidasari", rights="Menyediakan lahan sumber air",
                      apb_desa=50_000_000, other_funding=10_000_000, other_source="CSR")
CIPARI = DraftParty(name="Cipari", place="Kecamatan Cipari, Kabupaten Cilacap", signatory="Sri Wahyuni",
                    apb_desa=40_000_000)
RECORD = DraftRecord(
    kind="antar_desa", title="Pengelolaan Air Bersih", parties=(SIDASARI, CIPARI), year=2026,
    objective="menyediakan air bersih bagi warga", scope="Pembangunan dan pemeliharaan jaringan pipa",
    bidang=("Pembangunan dan pemberdayaan masyarakat", "Air bersih dan sanitasi"),
    procedure="Dilaksanakan bertahap oleh BKAD", start=date(2027, 1, 1), end=date(2028, 12, 31),
    changes="Atas kesepakatan tertulis para pihak", disputes="Musyawarah untuk mufakat, lalu oleh camat",
    executing_body="BKAD Cipari", executing_members=(ExecutingMember("Agus Salim", "Ketua", "Mulyadadi"),),
    agreed_on=date(2026, 12, 7), place="Sidasari",
)


def _open(content: bytes) -> tuple[list[str], list[list[str]]]:
    doc = Document(io.BytesIO(content))
    paragraphs = [p.text for p in doc.paragraphs]
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return paragraphs, cells


def test_peraturan_bersama_has_every_part_filled_from_the_record() -> None:
    spec = draft(RECORD)
    assert spec.file_name.endswith(".docx") and "peraturan-bersama" in spec.file_name
    paragraphs, cells = _open(write_docx(spec))
    text = "\n".join(paragraphs)
    assert "PERATURAN BERSAMA KEPALA DESA" in text
    assert "KEPALA DESA SIDASARI, KEPALA DESA CIPARI" in text
    assert "TENTANG" in paragraphs and "PENGELOLAAN AIR BERSIH" in paragraphs
    assert "Menimbang:" in paragraphs and "Mengingat:" in paragraphs
    for law in ("Undang-Undang Nomor 6 Tahun 2014", "Peraturan Pemerintah Nomor 43 Tahun 2014",
                "Nomor 11 Tahun 2019", "Peraturan Menteri Dalam Negeri Nomor 96 Tahun 2017"):
        assert law in text
    # The parties, each with who signs for them.
    assert "Budi Santoso, Kepala Desa Sidasari" in text and "selanjutnya disebut PIHAK KEDUA" in text
    # One Pasal per clause, numbered in order, each with its heading.
    headings = [p for p in paragraphs if p.startswith("Pasal ")]
    assert headings == [f"Pasal {n}" for n in range(1, len(PASAL_HEADINGS) + 1)]
    for title in PASAL_HEADINGS.values():
        assert title in paragraphs
    assert "Pembangunan dan pemeliharaan jaringan pipa" in text
    assert "1 Januari 2027" in text and "31 Desember 2028" in text
    assert "Menyediakan lahan sumber air" in text
    # Funding per party and the total in Rupiah (50 + 10 + 40 million).
    assert funding_total(RECORD) == 100_000_000
    assert ["2", "Cipari", "Rp40.000.000", BLANK, "Rp40.000.000"] in cells
    assert cells[[c[1] for c in cells].index("Jumlah seluruhnya")][-1] == "Rp100.000.000"
    assert "Jumlah seluruh dana kerja sama sebesar Rp100.000.000." in text
    assert ["1", "Agus Salim", "Ketua", "Mulyadadi"] in cells
    # Closing and a signature block per village head.
    assert "Ditetapkan di Sidasari" in text
    flat = [c for row in cells for c in row]
    assert "KEPALA DESA SIDASARI," in flat and "(BUDI SANTOSO)" in flat and "(SRI WAHYUNI)" in flat


def test_missing_answers_are_left_blank_for_the_villages_to_fill() -> None:
    bare = DraftRecord(kind="antar_desa", title="Jalan Desa", parties=(DraftParty(name="A"), DraftParty(name="B")))
    texts = draft(bare).texts()
    assert any(f"meliputi: {BLANK}." in t for t in texts)
    assert f"NOMOR {BLANK} TAHUN {BLANK}" in texts


def test_perjanjian_bersama_with_a_third_party() -> None:
    third = DraftParty(name="PT Tirta Jaya", kind="pihak_ketiga", place="Jl. Merdeka 1, Cilacap",
                       signatory="Rina", signatory_role="Direktur PT Tirta Jaya", other_funding=25_000_000,
                       other_source="dana perusahaan")
    record = DraftRecord(kind="pihak_ketiga", title="Air Bersih", parties=(SIDASARI, third), place="Sidasari")
    paragraphs, cells = _open(write_docx(draft(record)))
    text = "\n".join(paragraphs)
    assert "PERJANJIAN BERSAMA ANTARA PEMERINTAH DESA SIDASARI DENGAN PT TIRTA JAYA" in text
    assert "bertindak untuk dan atas nama PT Tirta Jaya" in text
    assert "Rp85.000.000" in text  # 50 + 10 + 25 million
    flat = [c for row in cells for c in row]
    assert "PIHAK KESATU," in flat and "DIREKTUR PT TIRTA JAYA," in flat and "(RINA)" in flat


def test_berita_acara_lists_who_came_and_what_was_agreed() -> None:
    record = BeritaAcaraRecord(
        kind="mad", agreement_title="Pengelolaan Air Bersih", starts_at=datetime(2026, 12, 7, 2, 0, tzinfo=UTC),
        zone="Asia/Jakarta", place="Balai Desa Sidasari", agenda=("Pembahasan draf", "Pendanaan"),
        attendees=(Attendee("Budi Santoso", "Kepala Desa", "Desa Sidasari", True),
                   Attendee("Pak Karto", "Ketua BPD", "Desa Sidasari", True),
                   Attendee("Sri Wahyuni", "Kepala Desa", "Desa Cipari", False)),
        decisions=(("Ruang Lingkup", "Pembangunan jaringan pipa"), ("", "MAD berikutnya Januari")),
        notes="Draf dibagikan ke BPD.",
    )
    paragraphs, cells = _open(write_docx(berita_acara(record)))
    text = "\n".join(paragraphs)
    assert "BERITA ACARA MUSYAWARAH ANTAR DESA" in text
    assert "Senin, 7 Desember 2026 pukul 09.00 WIB" in text and "Balai Desa Sidasari" in text
    assert "1. Pembahasan draf" in text
    assert ["2", "Pak Karto", "Ketua BPD", "Desa Sidasari", "Hadir"] in cells
    assert ["3", "Sri Wahyuni", "Kepala Desa", "Desa Cipari", "Tidak hadir"] in cells
    assert "Jumlah yang hadir: 2 dari 3 orang undangan." in text
    assert "1. Ruang Lingkup: Pembangunan jaringan pipa" in text and "2. MAD berikutnya Januari" in text
    assert "Draf dibagikan ke BPD." in text
    flat = [c for row in cells for c in row]
    assert "(PAK KARTO)" in flat and "(SRI WAHYUNI)" not in flat  # only those present sign
