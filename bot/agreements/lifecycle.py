"""Rules of the road of a kerja sama (Permendagri 96/2017): stages, what each needs, who is a partner.

Pure: plain values in, plain values out; no Telegram, no SQL, no clock.

    persiapan -> penawaran -> perumusan -> penandatanganan -> pelaksanaan -> pelaporan
    any stage before the end can be ditunda (and resumed to where it was) or dibatalkan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from storage.agreements import Agreement, Party, Stage
from storage.kerjasama import AgreementRecord, Offer

ROAD: tuple[Stage, ...] = ("persiapan", "penawaran", "perumusan", "penandatanganan", "pelaksanaan", "pelaporan")
SIDE: tuple[Stage, ...] = ("ditunda", "dibatalkan")
BEFORE_SIGNING: frozenset[Stage] = frozenset({"persiapan", "penawaran", "perumusan", "penandatanganan"})

UU_DESA_KINDS = ("usaha_bersama", "kemasyarakatan", "pelayanan", "pembangunan", "keamanan")
THIRD_PARTY_KINDS = ("pt", "cv", "bumn", "bumd", "ormas", "perguruan_tinggi", "lembaga_lain")
MAX_TEXT = 1500
MAX_NAME = 150
MAX_PARTIES = 12
MAX_TEAM = 15

# The Pasal 6 clauses that must be filled before signing, in the order the law lists them.
CLAUSES = ("scope", "bidang", "implementation_terms", "duration", "rights", "funding", "change_terms",
           "dispute_terms", "executing")


def next_stage(stage: Stage) -> Stage | None:
    if stage not in ROAD or stage == ROAD[-1]:
        return None
    return ROAD[ROAD.index(stage) + 1]


def is_open(agreement: Agreement) -> bool:
    """Still on the road: not cancelled and not ended."""
    return agreement.stage != "dibatalkan" and agreement.status == "active"


def may_suspend(agreement: Agreement) -> bool:
    return is_open(agreement) and agreement.stage in ROAD


def may_resume(agreement: Agreement) -> bool:
    return agreement.stage == "ditunda" and agreement.status == "active"


def may_cancel(agreement: Agreement) -> bool:
    return is_open(agreement)


def may_report(agreement: Agreement) -> bool:
    return agreement.stage in ("pelaksanaan", "pelaporan")


def partners(agreement: Agreement) -> tuple[Party, ...]:
    """Every party except the one that started it (all parties when the starter is not known)."""
    return tuple(p for p in agreement.parties if p.position != agreement.initiator_position)


def offers_accepted(agreement: Agreement, offers: Sequence[Offer]) -> list[Party]:
    """The partners that have not (yet) accepted the offer; empty when perumusan may begin."""
    accepted = {o.party_position for o in offers if o.answer == "terima"}
    return [p for p in partners(agreement) if p.position not in accepted]


def missing_clauses(record: AgreementRecord) -> list[str]:
    """The Pasal 6 clauses still empty (codes from CLAUSES), checked before signing."""
    a = record.agreement
    missing = []
    if not a.scope:
        missing.append("scope")
    if not (a.bidang or a.bidang_uu):
        missing.append("bidang")
    if not a.implementation_terms:
        missing.append("implementation_terms")
    if a.end_date <= a.start_date:
        missing.append("duration")
    if any(not p.rights_obligations for p in a.parties):
        missing.append("rights")
    if not record.funding and a.funding_amount is None:
        missing.append("funding")
    if not a.change_terms:
        missing.append("change_terms")
    if not a.dispute_terms:
        missing.append("dispute_terms")
    if not a.executing_kind and not a.executing_body:
        missing.append("executing")
    return missing


def kabupaten_of(village_code: str) -> str:
    """"33.01.18.2011" -> "33.01" (province and kabupaten/kota)."""
    return ".".join(village_code.split(".")[:2])


def kabupaten_spread(village_codes: Iterable[str | None]) -> list[str]:
    """The kabupaten codes of the party villages when they lie in more than one (Pasal 3), else []."""
    found = sorted({kabupaten_of(c) for c in village_codes if c})
    return found if len(found) > 1 else []


def resume_due(agreement: Agreement, today: date) -> bool:
    return agreement.stage == "ditunda" and agreement.resume_on is not None and agreement.resume_on <= today


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str:
    """A typed answer, trimmed; ValueError("empty") / ValueError("too_long") for the caller to explain."""
    text = (value or "").strip()
    if not text:
        raise ValueError("empty")
    if len(text) > limit:
        raise ValueError("too_long")
    return text
