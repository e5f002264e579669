"""Views of the kerja sama lifecycle: pure, a loaded record in, a `View` out.

Dates, money and codes are formatted for the reader here, never stored formatted. A partner
village's kades sees the shared clauses and only their own party's details, offer and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.access import PartyStanding
from bot.agreements import lifecycle
from bot.bidang import bidang_label
from bot.callbacks import encode
from bot.texts import ForReader, t
from bot.timefmt import format_date, format_date_short, format_rupiah
from bot.view import Button, View, rows_of
from storage.agreements import Agreement, AgreementEvent, Party
from storage.kerjasama import AgreementRecord

FEATURE = "ks"  # callback prefix of handlers.kerjasama
RECORD_FEATURE = "k"  # callback prefix of handlers.agreements (the signed record, its changes, evaluations)
TIMELINE_SHOWN = 30


def label(key: str) -> ForReader:
    """A catalog label named in an error, rendered in the reader's language when shown."""
    return ForReader(lambda lang: str(t(key, lang)))


def open_button(agreement_id: int, lang: str) -> Button:
    return Button(str(t("ks.open_button", lang)), data=encode(FEATURE, "o", agreement_id))


def start_choice(forum_name: str, forum_id: int, lang: str) -> View:
    """/kerjasama_baru: rintis one from persiapan, or record one already signed."""
    return View(str(t("agr.new.choose", lang, forum=forum_name)), rows_of([
        [Button(str(t("agr.new.choose_rintis", lang)), data=encode(RECORD_FEATURE, "nw", forum_id, "r"))],
        [Button(str(t("agr.new.choose_signed", lang)), data=encode(RECORD_FEATURE, "nw", forum_id, "s"))],
    ]))


def stage_label(stage: str, lang: str) -> str:
    return str(t(f"ks.stage.{stage}", lang))


def clause_names(codes: Sequence[str], lang: str) -> str:
    return ", ".join(str(t(f"ks.clause.{code}", lang)) for code in codes)


def _day(value: date | None, lang: str) -> str:
    return format_date(value, lang) if value else "-"


def _codes(text: str | None, lang: str) -> str:
    return ", ".join(bidang_label(code, lang) for code in (text or "").split()) or "-"


def _bidang(agreement: Agreement, lang: str) -> str:
    parts = []
    if agreement.bidang_uu:
        parts.append(str(t(f"ks.bidang_uu.{agreement.bidang_uu}", lang)))
    if agreement.bidang:
        parts.append(bidang_label(agreement.bidang, lang))
    return " — ".join(parts) or "-"


def _party_line(party: Party, lang: str) -> str:
    if party.kind == "pihak_ketiga":
        return str(t("ks.party.third", lang, name=party.name,
                     kind=str(t(f"ks.tp_kind.{party.third_party_kind or 'lembaga_lain'}", lang)),
                     address=party.address or "-", contact=party.contact_person or "-"))
    return str(t("ks.party.village", lang, name=party.name, code=party.village_code or "-"))


# -- penawaran -------------------------------------------------------------------------------
def offer(agreement: Agreement, party: Party, lang: str) -> View:
    initiator = agreement.party(agreement.initiator_position) if agreement.initiator_position else None
    text = t("ks.offer.text", lang, village=initiator.name if initiator else "-", party=party.name,
             title=agreement.title, purpose=agreement.objective or "-", bidang=_bidang(agreement, lang),
             scope=agreement.scope or "-", start=_day(agreement.start_date, lang), end=_day(agreement.end_date, lang))
    code = agreement.id, party.position
    return View(str(text), rows_of([
        [(str(t("ks.offer.accept", lang)), encode(FEATURE, "of", *code, "terima")),
         (str(t("ks.offer.refuse", lang)), encode(FEATURE, "of", *code, "tolak"))],
        [(str(t("ks.offer.ask", lang)), encode(FEATURE, "of", *code, "tanya"))],
    ]))


def offer_answered(agreement: Agreement, party: Party, answer: str, note: str | None, lang: str) -> View:
    text = t(f"ks.offer.answered.{answer}", lang, party=party.name, title=agreement.title, note=note or "-")
    return View(str(text), ((open_button(agreement.id, lang),),))


def notice(agreement: Agreement, what: str, lang: str, **params: Any) -> View:
    values: dict[str, Any] = {"title": agreement.title}
    if "resume_on" in params:
        values["resume_on"] = format_date(params["resume_on"], lang)
    if "stage" in params:
        values["stage"] = stage_label(params["stage"], lang)
    if "reason" in params:
        values["reason"] = params["reason"]
    if what == "cancelled":
        values["clause"] = params.get("clause") or str(t("ks.cancel.no_clause", lang))
    return View(str(t(f"ks.notice.{what}", lang, **values)), ((open_button(agreement.id, lang),),))


def cross_kabupaten(names: Sequence[str], lang: str) -> str:
    return str(t("ks.warn.cross_kabupaten", lang, kabupaten=", ".join(names)))


# -- the record ------------------------------------------------------------------------------
def event_line(event: AgreementEvent, parties: dict[int, str], lang: str, tz: ZoneInfo) -> str:
    when = format_date_short(event.at.astimezone(tz).date(), lang)
    party = parties.get(event.party_position or 0, "-")
    note = event.note or "-"
    if event.kind == "stage":
        return str(t("ks.tl.stage", lang, date=when, stage=stage_label(event.new_value or "", lang), note=note))
    if event.kind in ("offer_sent", "offer_answered"):
        return str(t(f"ks.tl.{event.kind}.{event.new_value}", lang, date=when, party=party, note=note))
    if event.kind == "suspended":
        return str(t("ks.tl.suspended", lang, date=when, note=note, resume_on=_iso_day(event.new_value, lang)))
    if event.kind == "resumed":
        return str(t("ks.tl.resumed", lang, date=when, stage=stage_label(event.new_value or "", lang)))
    if event.kind == "cancelled":
        return str(t("ks.tl.cancelled", lang, date=when, note=note))
    if event.kind == "reported":
        return str(t("ks.tl.reported", lang, date=when, start=_iso_day(event.old_value, lang),
                     end=_iso_day(event.new_value, lang)))
    if event.kind == "renewed":
        return str(t("agr.history.renewed", lang, date=when, new=_iso_day(event.new_value, lang)))
    if event.kind == "amended":
        field = event.field or "-"
        return str(t("ks.tl.amended", lang, date=when, field=str(t(f"ks.clause.{field}", lang))
                     if f"ks.clause.{field}" in _CLAUSE_KEYS else field, party=party))
    return str(t(f"agr.history.{event.kind}", lang, date=when, note=note, new=event.new_value or "-"))


def _iso_day(value: str | None, lang: str) -> str:
    """An ISO date stored in the timeline, for the reader; older rows hold text, shown as it is."""
    try:
        return format_date(date.fromisoformat(value or ""), lang)
    except ValueError:
        return value or "-"


_CLAUSE_KEYS = frozenset(f"ks.clause.{c}" for c in (*lifecycle.CLAUSES, "objective", "legal_basis",
                                                   "executing_body", "title", "clauses"))


def record(record: AgreementRecord, standing: PartyStanding, lang: str, tz: ZoneInfo) -> View:
    """The whole kerja sama as this asker may see it, with the actions their standing allows."""
    a = record.agreement
    whole = standing.staff or standing.position == a.initiator_position
    mine = None if whole else standing.position
    lines = [str(t("ks.rec.head", lang, title=a.title, kind=str(t(f"ks.kind.{a.kind}", lang)),
                   stage=stage_label(a.stage, lang)))]
    if a.stage == "ditunda":
        lines.append(str(t("ks.rec.suspended", lang, reason=a.suspend_reason or "-",
                           resume_on=_day(a.resume_on, lang), stage=stage_label(a.suspended_from or "", lang))))
    if a.stage == "dibatalkan":
        lines.append(str(t("ks.rec.cancelled", lang, date=_day(a.cancelled_on, lang), reason=a.cancel_reason or "-")))
    lines.append(str(t("ks.rec.parties", lang)))
    lines.extend(_party_line(p, lang) for p in a.parties if mine is None or p.position == mine or p.kind == "desa")
    if a.stage in lifecycle.BEFORE_SIGNING or a.musdes_on:
        lines.append(str(t("ks.rec.persiapan", lang, potensi=_codes(a.potensi, lang),
                           kebutuhan=_codes(a.kebutuhan, lang), musdes=_day(a.musdes_on, lang),
                           note=a.musdes_note or "-")))
    lines.append(str(t("ks.rec.clauses", lang, objective=a.objective or "-", scope=a.scope or "-",
                       bidang=_bidang(a, lang), terms=a.implementation_terms or "-",
                       start=_day(a.start_date, lang), end=_day(a.end_date, lang),
                       change=a.change_terms or "-", dispute=a.dispute_terms or "-")))
    for party in a.parties:
        if mine is not None and party.position != mine:
            continue
        lines.append(str(t("ks.rec.rights", lang, party=party.name, text=party.rights_obligations or "-")))
        for line in record.funding_of(party.position):
            source = str(t("ks.fund.apb_desa", lang)) if line.source == "apb_desa" else (line.source_name or "-")
            lines.append(str(t("ks.rec.funding_line", lang, party=party.name, source=source,
                               amount=format_rupiah(line.amount))))
    total = record.total_funding
    if total is not None and mine is None:
        lines.append(str(t("ks.rec.funding_total", lang, amount=format_rupiah(total))))
    if a.executing_kind or a.executing_body:
        lines.append(str(t("ks.rec.executing", lang, kind=str(t(f"ks.exec.{a.executing_kind or 'tim'}", lang)),
                           name=a.executing_body or "-")))
        lines.extend(str(t("ks.rec.team_member", lang, name=m.name, role=m.role, village=m.village_name or "-"))
                     for m in record.team)
    for o in record.offers:
        if mine is not None and o.party_position != mine:
            continue
        offered = a.party(o.party_position)
        lines.append(str(t(f"ks.rec.offer.{o.answer or 'open'}", lang, party=offered.name if offered else "-",
                           channel=str(t(f"ks.channel.{o.channel}", lang)), note=o.answer_note or "-")))
    if a.formulated_on:
        lines.append(str(t("ks.rec.formulated", lang, date=_day(a.formulated_on, lang),
                           note=a.formulation_note or "-")))
    if a.signed_on:
        lines.append(str(t("ks.rec.signed", lang, date=_day(a.signed_on, lang), basis=a.legal_basis or "-")))
    for report in record.reports:
        lines.append(str(t("ks.rec.report", lang, start=format_date_short(report.period_start, lang),
                           end=format_date_short(report.period_end, lang), done=report.done,
                           next=report.next_steps or "-")))
    names = {p.position: p.name for p in a.parties}
    lines.append(str(t("ks.rec.timeline", lang)))
    events = record.timeline_for(mine)
    if len(events) > TIMELINE_SHOWN:
        # A message, not an archive: the latest steps (the whole timeline stays in the record).
        lines.append(str(t("ks.rec.earlier", lang, count=len(events) - TIMELINE_SHOWN)))
        events = events[-TIMELINE_SHOWN:]
    lines.extend(event_line(e, names, lang, tz) for e in events)
    return View("\n".join(lines), _actions(record, standing, lang))


def _actions(record: AgreementRecord, standing: PartyStanding, lang: str) -> tuple[tuple[Button, ...], ...]:
    a = record.agreement
    rows: list[list[tuple[str, str]]] = []
    offer = record.offer_to(standing.position) if standing.position else None
    if a.stage == "penawaran" and offer is not None and offer.channel == "bot" and standing.kades:
        rows.append([(str(t("ks.offer.accept", lang)), encode(FEATURE, "of", a.id, offer.party_position, "terima")),
                     (str(t("ks.offer.refuse", lang)), encode(FEATURE, "of", a.id, offer.party_position, "tolak"))])
    if not standing.may_edit or not lifecycle.is_open(a):
        return rows_of(rows)
    if a.stage in lifecycle.BEFORE_SIGNING:
        rows.append([(str(t("ks.act.clauses", lang)), encode(FEATURE, "cl", a.id))])
    rows.append([(str(t("mus.btn.agreement", lang)), encode("ms", "a", a.id))])  # MAD, drafts: handlers.musyawarah
    step = {"persiapan": ("ks.act.offer", "ok"), "penawaran": ("ks.act.offer", "ok"),
            "perumusan": ("ks.act.formulated", "fr"), "penandatanganan": ("ks.act.sign", "sg"),
            "pelaksanaan": ("ks.act.report", "rp"), "pelaporan": ("ks.act.report", "rp")}.get(a.stage)
    if step is not None:
        rows.append([(str(t(step[0], lang)), encode(FEATURE, step[1], a.id))])
    if a.stage == "penawaran" and not lifecycle.offers_accepted(a, record.offers):
        rows.append([(str(t("ks.act.formulate", lang)), encode(FEATURE, "fm", a.id))])
    if a.stage == "pelaksanaan":
        rows.append([(str(t("ks.act.to_reporting", lang)), encode(FEATURE, "pl", a.id))])
    if lifecycle.may_resume(a):
        rows.append([(str(t("ks.act.resume", lang)), encode(FEATURE, "rs", a.id))])
    if lifecycle.may_suspend(a):
        rows.append([(str(t("ks.act.suspend", lang)), encode(FEATURE, "sp", a.id)),
                     (str(t("ks.act.cancel", lang)), encode(FEATURE, "cx", a.id))])
    elif lifecycle.may_cancel(a):
        rows.append([(str(t("ks.act.cancel", lang)), encode(FEATURE, "cx", a.id))])
    return rows_of(rows)
