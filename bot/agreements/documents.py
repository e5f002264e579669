"""The draft documents of a kerja sama, as plain blocks: pure, no docx here.

`peraturan_bersama(record)` (antar-desa: Peraturan Bersama Kepala Desa) and `perjanjian_bersama(record)`
(pihak ketiga: Perjanjian Bersama) follow the usual structure of Permendagri 96/2017 instruments:
heading, menimbang, mengingat, the parties, one Pasal per clause, closing, signature blocks.
`berita_acara(record)` is the record of the MAD / Musdes. The render worker turns the blocks into
a .docx (bot/reports/docx.py), so python-docx never loads in the bot process.

The wording is the fixed Indonesian of the legal instruments (they are drafted in Bahasa Indonesia
whatever the reader's chat language); whatever the record lacks is left as a dotted blank for the
villages to fill in before signing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.timefmt import format_datetime, format_day_month_year, format_rupiah

BLANK = "…………………"

BlockKind = Literal["title", "center", "heading", "pasal", "para", "item", "table", "signatures"]


@dataclass(frozen=True)
class Block:
    """One piece of the document; `rows` holds a table's rows or the signature columns
    (each column: the lines above the space for the signature, then the name)."""

    kind: BlockKind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class DocSpec:
    file_name: str
    title: str
    blocks: tuple[Block, ...]

    def texts(self) -> list[str]:
        """Every text of the document in order (tests and previews)."""
        out: list[str] = []
        for block in self.blocks:
            if block.text:
                out.append(block.text)
            out.extend(cell for row in block.rows for cell in row)
        return out


# -- the record the builders read ------------------------------------------------------------------
@dataclass(frozen=True)
class DraftParty:
    name: str  # the village's name, or the third party's
    kind: Literal["desa", "pihak_ketiga"] = "desa"
    place: str = ""  # "Kecamatan Cipari, Kabupaten Cilacap", or the third party's address
    signatory: str = ""  # the kades, or the third party's contact person
    signatory_role: str = ""  # "Kepala Desa Sidasari", "Direktur PT Tirta Jaya"
    rights: str = ""  # hak dan kewajiban
    apb_desa: int | None = None  # share from the village's APB Desa, rupiah
    other_funding: int | None = None  # other sources, rupiah
    other_source: str = ""


@dataclass(frozen=True)
class ExecutingMember:
    name: str
    role: str
    village: str


@dataclass(frozen=True)
class DraftRecord:
    kind: Literal["antar_desa", "pihak_ketiga"]
    title: str
    parties: tuple[DraftParty, ...]
    number: str = ""
    year: int | None = None
    objective: str = ""
    scope: str = ""  # ruang lingkup
    bidang: tuple[str, ...] = ()  # labels
    procedure: str = ""  # tata cara dan ketentuan pelaksanaan
    start: date | None = None
    end: date | None = None
    changes: str = ""  # tata cara perubahan, penundaan dan pembatalan
    disputes: str = ""  # penyelesaian perselisihan
    executing_body: str = ""  # BKAD or the team's name
    executing_members: tuple[ExecutingMember, ...] = ()
    agreed_on: date | None = None  # the day of the MAD / Musdes
    place: str = ""  # where it is signed (the first party's village)

    @property
    def villages(self) -> tuple[DraftParty, ...]:
        return tuple(p for p in self.parties if p.kind == "desa")

    @property
    def third_parties(self) -> tuple[DraftParty, ...]:
        return tuple(p for p in self.parties if p.kind == "pihak_ketiga")


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str
    party: str
    present: bool | None  # None: not recorded


@dataclass(frozen=True)
class BeritaAcaraRecord:
    kind: Literal["mad", "musdes"]
    agreement_title: str
    starts_at: datetime
    zone: str
    place: str
    agenda: tuple[str, ...]
    attendees: tuple[Attendee, ...]
    decisions: tuple[tuple[str, str], ...]  # (clause label or "", text)
    notes: str = ""
    parties: tuple[str, ...] = field(default=())


ORDINALS = ("KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH", "KEDELAPAN", "KESEMBILAN",
            "KESEPULUH")

# The clauses Pasal 6 of Permendagri 96/2017 asks for, in the order they appear (with the parties
# and the executing body); the headings double as the labels of decisions in the berita acara.
PASAL_HEADINGS = {
    "parties": "Para Pihak",
    "scope": "Ruang Lingkup",
    "bidang": "Bidang Kerja Sama",
    "procedure": "Tata Cara dan Ketentuan Pelaksanaan",
    "term": "Jangka Waktu",
    "rights": "Hak dan Kewajiban",
    "funding": "Pendanaan",
    "executing": "Pelaksana Kerja Sama",
    "changes": "Perubahan, Penundaan dan Pembatalan",
    "disputes": "Penyelesaian Perselisihan",
    "closing": "Ketentuan Penutup",
}

MENGINGAT = (
    "Undang-Undang Nomor 6 Tahun 2014 tentang Desa (Lembaran Negara Republik Indonesia Tahun 2014 Nomor 7, "
    "Tambahan Lembaran Negara Republik Indonesia Nomor 5495) sebagaimana telah beberapa kali diubah, terakhir "
    "dengan Undang-Undang Nomor 3 Tahun 2024;",
    "Peraturan Pemerintah Nomor 43 Tahun 2014 tentang Peraturan Pelaksanaan Undang-Undang Nomor 6 Tahun 2014 "
    "tentang Desa sebagaimana telah beberapa kali diubah, terakhir dengan Peraturan Pemerintah Nomor 11 Tahun "
    "2019;",
    "Peraturan Menteri Dalam Negeri Nomor 96 Tahun 2017 tentang Tata Cara Kerja Sama Desa di Bidang "
    "Pemerintahan Desa;",
)


# The kinds of kerja sama in UU Desa (Pasal 92), by the record's `bidang_uu` code.
BIDANG_UU = {
    "usaha_bersama": "Pengembangan usaha bersama",
    "kemasyarakatan": "Kegiatan kemasyarakatan",
    "pelayanan": "Pelayanan",
    "pembangunan": "Pembangunan dan pemberdayaan masyarakat",
    "keamanan": "Keamanan dan ketertiban",
}


def bidang_labels(bidang_uu: str | None, sector: str | None) -> list[str]:
    """The UU Desa kind first, then the sector tag (already labelled)."""
    return [x for x in (BIDANG_UU.get(bidang_uu or ""), sector) if x]


def _or_blank(value: str | None) -> str:
    value = (value or "").strip()
    return value if value else BLANK


def _ordinal(index: int) -> str:
    return f"PIHAK {ORDINALS[index]}" if index < len(ORDINALS) else f"PIHAK KE-{index + 1}"


def _day(value: date | None) -> str:
    return format_day_month_year(value, "id") if value else BLANK


def _money(value: int | None) -> str:
    return format_rupiah(value) if value is not None else BLANK


def funding_total(record: DraftRecord) -> int:
    return sum((p.apb_desa or 0) + (p.other_funding or 0) for p in record.parties)


def _stem(kind: str, title: str) -> str:
    words = "".join(c if c.isalnum() else "-" for c in title.lower()).split("-")
    slug = "-".join(w for w in words if w)[:40].strip("-") or "kerja-sama"
    return f"{kind}-{slug}"


def _heading(record: DraftRecord, instrument: str) -> list[Block]:
    year = str(record.year) if record.year else BLANK
    return [
        Block("title", instrument),
        Block("center", f"NOMOR {_or_blank(record.number)} TAHUN {year}"),
        Block("center", "TENTANG"),
        Block("title", record.title.upper()),
    ]


def _considerations(record: DraftRecord, instrument: str, forum_word: str) -> list[Block]:
    agreed = f" pada tanggal {_day(record.agreed_on)}" if record.agreed_on else ""
    menimbang = [
        f"bahwa untuk {_or_blank(record.objective)} perlu dilaksanakan kerja sama "
        + ("antar-desa;" if record.kind == "antar_desa" else "desa dengan pihak ketiga;"),
        f"bahwa kerja sama tersebut telah disepakati dalam {forum_word}{agreed};",
        f"bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu menetapkan "
        f"{instrument.title()} tentang {record.title};",
    ]
    blocks = [Block("heading", "Menimbang:")]
    blocks += [Block("item", f"{letter}. {text}") for letter, text in zip("abc", menimbang, strict=True)]
    blocks.append(Block("heading", "Mengingat:"))
    blocks += [Block("item", f"{n}. {text}") for n, text in enumerate(MENGINGAT, start=1)]
    return blocks


def _party_lines(record: DraftRecord) -> list[Block]:
    blocks = []
    for index, party in enumerate(record.parties):
        who = _or_blank(party.signatory)
        role = _or_blank(party.signatory_role)
        where = _or_blank(party.place)
        act = ("bertindak untuk dan atas nama Pemerintah Desa " + party.name if party.kind == "desa"
               else "bertindak untuk dan atas nama " + party.name)
        blocks.append(Block("item", f"{index + 1}. {who}, {role}, {where}, {act}, selanjutnya disebut "
                                    f"{_ordinal(index)};"))
    return blocks


def _articles(record: DraftRecord, instrument: str) -> list[Block]:
    blocks: list[Block] = []
    number = 0

    def pasal(key: str) -> None:
        nonlocal number
        number += 1
        blocks.append(Block("pasal", f"Pasal {number}"))
        blocks.append(Block("center", PASAL_HEADINGS[key]))

    pasal("parties")
    blocks.append(Block("para", f"Para pihak dalam {instrument.title()} ini adalah:"))
    blocks += _party_lines(record)

    pasal("scope")
    blocks.append(Block("para", f"Ruang lingkup kerja sama ini meliputi: {_or_blank(record.scope)}."))

    pasal("bidang")
    bidang = ", ".join(record.bidang) if record.bidang else BLANK
    blocks.append(Block("para", f"Kerja sama ini dilaksanakan di bidang: {bidang}."))

    pasal("procedure")
    blocks.append(Block("para", f"Tata cara dan ketentuan pelaksanaan: {_or_blank(record.procedure)}."))

    pasal("term")
    blocks.append(Block("para", f"Kerja sama ini berlaku sejak tanggal {_day(record.start)} sampai dengan tanggal "
                                f"{_day(record.end)}, dan dapat diperpanjang atas kesepakatan para pihak."))

    pasal("rights")
    for index, party in enumerate(record.parties):
        blocks.append(Block("item", f"({index + 1}) Hak dan kewajiban {_ordinal(index)} ({party.name}): "
                                    f"{_or_blank(party.rights)}."))

    pasal("funding")
    blocks.append(Block("para", "Pendanaan kerja sama ini bersumber dari:"))
    rows: list[tuple[str, ...]] = [("No", "Pihak", "APB Desa", "Sumber lain", "Jumlah")]
    for index, party in enumerate(record.parties, start=1):
        subtotal = (party.apb_desa or 0) + (party.other_funding or 0)
        other = _money(party.other_funding) + (f" ({party.other_source})" if party.other_source else "")
        rows.append((str(index), party.name, _money(party.apb_desa) if party.kind == "desa" else "-", other,
                     format_rupiah(subtotal)))
    total = funding_total(record)
    rows.append(("", "Jumlah seluruhnya", "", "", format_rupiah(total)))
    blocks.append(Block("table", rows=tuple(rows)))
    blocks.append(Block("para", f"Jumlah seluruh dana kerja sama sebesar {format_rupiah(total)}."))

    pasal("executing")
    body = _or_blank(record.executing_body)
    blocks.append(Block("para", f"Kerja sama ini dilaksanakan oleh {body}, dengan susunan sebagai berikut:"))
    members: list[tuple[str, ...]] = [("No", "Nama", "Jabatan", "Asal desa")]
    members += [(str(i), m.name, m.role, m.village) for i, m in enumerate(record.executing_members, start=1)]
    if not record.executing_members:
        members.append(("1", BLANK, BLANK, BLANK))
    blocks.append(Block("table", rows=tuple(members)))

    pasal("changes")
    blocks.append(Block("para", f"Perubahan, penundaan dan pembatalan kerja sama: {_or_blank(record.changes)}."))

    pasal("disputes")
    blocks.append(Block("para", "Perselisihan yang timbul dalam pelaksanaan kerja sama ini diselesaikan: "
                                f"{_or_blank(record.disputes)}."))

    pasal("closing")
    blocks.append(Block("para", f"{instrument.title()} ini mulai berlaku pada tanggal ditetapkan, dibuat dalam "
                                f"rangkap {len(record.parties)} yang masing-masing mempunyai kekuatan hukum yang "
                                "sama."))
    return blocks


def _signatures(record: DraftRecord, *, ordinals: bool) -> list[Block]:
    columns = []
    for index, party in enumerate(record.parties):
        role = party.signatory_role or (f"Kepala Desa {party.name}" if party.kind == "desa" else party.name)
        head = f"{_ordinal(index)}," if ordinals else ""
        columns.append((head, f"{role.upper()},", "", "", f"({_or_blank(party.signatory).upper()})"))
    return [
        Block("para", f"Ditetapkan di {_or_blank(record.place)}"),
        Block("para", f"pada tanggal {BLANK}"),
        Block("signatures", rows=tuple(columns)),
    ]


def peraturan_bersama(record: DraftRecord) -> DocSpec:
    """The Peraturan Bersama Kepala Desa of a kerja sama antar-desa."""
    heads = ", ".join(f"KEPALA DESA {p.name.upper()}" for p in record.villages)
    instrument = "PERATURAN BERSAMA KEPALA DESA"
    blocks = [Block("title", heads), *_heading(record, instrument),
              Block("center", "DENGAN RAHMAT TUHAN YANG MAHA ESA"), Block("center", heads + ","),
              *_considerations(record, instrument, "Musyawarah Antar Desa"),
              Block("center", "MEMUTUSKAN:"),
              Block("para", f"Menetapkan: {instrument} TENTANG {record.title.upper()}."),
              *_articles(record, instrument), *_signatures(record, ordinals=False)]
    return DocSpec(file_name=_stem("peraturan-bersama", record.title) + ".docx",
                   title=f"{instrument} TENTANG {record.title.upper()}", blocks=tuple(blocks))


def perjanjian_bersama(record: DraftRecord) -> DocSpec:
    """The Perjanjian Bersama of a kerja sama desa dengan pihak ketiga."""
    villages = ", ".join(f"PEMERINTAH DESA {p.name.upper()}" for p in record.villages)
    thirds = ", ".join(p.name.upper() for p in record.third_parties) or BLANK
    instrument = "PERJANJIAN BERSAMA"
    blocks = [Block("title", f"{instrument} ANTARA {villages} DENGAN {thirds}"), *_heading(record, instrument)[1:],
              Block("para", f"Pada hari ini, tanggal {BLANK}, bertempat di {_or_blank(record.place)}, "
                            "yang bertanda tangan di bawah ini:"),
              *_party_lines(record),
              Block("para", "PARA PIHAK terlebih dahulu menerangkan hal-hal sebagai berikut:"),
              *_considerations(record, instrument, "Musyawarah Desa"),
              Block("para", "Dengan ini PARA PIHAK sepakat untuk mengadakan Perjanjian Bersama dengan ketentuan "
                            "sebagai berikut:"),
              *_articles(record, instrument), *_signatures(record, ordinals=True)]
    return DocSpec(file_name=_stem("perjanjian-bersama", record.title) + ".docx",
                   title=f"{instrument} TENTANG {record.title.upper()}", blocks=tuple(blocks))


def draft(record: DraftRecord) -> DocSpec:
    return peraturan_bersama(record) if record.kind == "antar_desa" else perjanjian_bersama(record)


def berita_acara(record: BeritaAcaraRecord) -> DocSpec:
    """The berita acara of the MAD (or Musdes): when and where, agenda, daftar hadir, what was agreed."""
    tz = ZoneInfo(record.zone)
    meeting = "MUSYAWARAH ANTAR DESA" if record.kind == "mad" else "MUSYAWARAH DESA"
    blocks = [
        Block("title", f"BERITA ACARA {meeting}"),
        Block("center", f"Nomor: {BLANK}"),
        Block("center", "TENTANG"),
        Block("title", f"KESEPAKATAN KERJA SAMA {record.agreement_title.upper()}"),
        Block("para", f"Pada hari {format_datetime(record.starts_at, tz, 'id')}, bertempat di "
                      f"{_or_blank(record.place)}, telah dilaksanakan {meeting.title()} dengan agenda:"),
    ]
    blocks += [Block("item", f"{n}. {item}") for n, item in enumerate(record.agenda, start=1)]
    if not record.agenda:
        blocks.append(Block("item", f"1. {BLANK}"))
    blocks.append(Block("heading", "Daftar hadir"))
    rows: list[tuple[str, ...]] = [("No", "Nama", "Jabatan", "Desa/Pihak", "Kehadiran")]
    for n, person in enumerate(record.attendees, start=1):
        state = {True: "Hadir", False: "Tidak hadir", None: BLANK}[person.present]
        rows.append((str(n), person.name, person.role or "-", person.party, state))
    blocks.append(Block("table", rows=tuple(rows)))
    present = sum(1 for a in record.attendees if a.present)
    blocks.append(Block("para", f"Jumlah yang hadir: {present} dari {len(record.attendees)} orang undangan."))
    blocks.append(Block("heading", "Hasil musyawarah"))
    blocks.append(Block("para", "Musyawarah menyepakati hal-hal sebagai berikut:"))
    for n, (clause, text) in enumerate(record.decisions, start=1):
        blocks.append(Block("item", f"{n}. {clause}: {text}" if clause else f"{n}. {text}"))
    if not record.decisions:
        blocks.append(Block("item", f"1. {BLANK}"))
    if record.notes:
        blocks.append(Block("heading", "Catatan"))
        blocks.append(Block("para", record.notes))
    blocks.append(Block("para", "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan "
                                "sebagaimana mestinya."))
    signers = [a for a in record.attendees if a.present] or list(record.attendees)
    columns = tuple((f"Wakil {a.party},", "", "", f"({a.name.upper()})") for a in signers)
    blocks.append(Block("signatures", rows=columns))
    return DocSpec(file_name=_stem("berita-acara", record.agreement_title) + ".docx",
                   title=f"BERITA ACARA {meeting}", blocks=tuple(blocks))
