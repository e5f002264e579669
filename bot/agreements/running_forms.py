"""The forms of a signed kerja sama, declared on the form engine: RENEW (kp) the new end date;
END (ke) end early: the last day (typed or "Hari ini") and the reason; AMEND (km) one clause: the party
(rights only), the new value, the note of what changed.
Each saves through one use case in bot.agreements.running (the rights are checked there again).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot import forms
from bot.agreements import rules, running
from bot.bidang import BIDANG
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Step
from bot.periods import RHYTHM_MONTHS
from bot.render import date_problem
from bot.services import Services
from bot.texts import t
from bot.timefmt import RupiahParseError, format_date, parse_rupiah
from bot.view import View, per_row
from storage.agreements import Agreement


class RenewForm(BaseModel):
    agreement_id: int = 0
    zone: str = "Asia/Jakarta"  # the forum's, for reading typed dates
    end: date | None = None


async def _agreement(services: Services, data: RenewForm) -> Agreement:
    return await running.get(services, data.agreement_id)


def _typed_end(c: Ctx[RenewForm], a: Answer) -> RenewForm:
    try:
        day = parse_date(a.text or "", now=c.now, tz=ZoneInfo(c.data.zone), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "agr.bad.date_") from None
        raise InvalidInput("agr.bad.end_date") from None
    agreement: Agreement = c.extra
    if day <= agreement.end_date:
        raise InvalidInput("agr.bad.renew_after", end=format_date(agreement.end_date, c.lang))
    return c.data.model_copy(update={"end": day})


async def _renew_save(services: Services, user_id: int, data: RenewForm, lang: str) -> View:
    if data.end is None:
        raise InvalidInput("agr.bad.end_date")
    agreement = await running.renew(services, data.agreement_id, user_id, new_end=data.end, lang=lang)
    return View(str(t("agr.renew.saved", lang, title=agreement.title, end=format_date(data.end, lang))))


RENEW: Form[RenewForm] = forms.register(Form(
    code="kp", model=RenewForm, save=_renew_save, load=_agreement,
    steps=(
        Step("end", prompt=lambda c: View(c.t("agr.renew.ask_end", title=c.extra.title,
                                              end=format_date(c.extra.end_date, c.lang))),
             typed=_typed_end, label="agr.label.renew_end", field="end",
             summary=lambda c: format_date(c.data.end, c.lang) if c.data.end else "—"),
    )))


class EndForm(BaseModel):
    agreement_id: int = 0
    zone: str = "Asia/Jakarta"
    day: date | None = None
    reason: str = ""


@dataclass(frozen=True)
class EndInfo:
    agreement: Agreement
    earliest: date  # after the last evaluated period


async def _end_info(services: Services, data: EndForm) -> EndInfo:
    agreement = await running.get(services, data.agreement_id)
    earliest, _ = await running.end_range(services, agreement)
    return EndInfo(agreement, earliest)


def _checked_day(c: Ctx[EndForm], day: date) -> EndForm:
    info: EndInfo = c.extra
    if day < info.earliest or day > info.agreement.end_date:
        raise InvalidInput("agr.bad.end_range", earliest=format_date(info.earliest, c.lang),
                           end=format_date(info.agreement.end_date, c.lang))
    return c.data.model_copy(update={"day": day})


def _typed_day(c: Ctx[EndForm], a: Answer) -> EndForm:
    try:
        day = parse_date(a.text or "", now=c.now, tz=ZoneInfo(c.data.zone), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "agr.bad.date_") from None
        raise InvalidInput("agr.bad.end_date") from None
    return _checked_day(c, day)


def _today(c: Ctx[EndForm], value: str) -> EndForm:
    if value != "today":
        raise StaleAction()
    return _checked_day(c, c.now.astimezone(ZoneInfo(c.data.zone)).date())


def _reason(c: Ctx[EndForm], a: Answer) -> EndForm:
    text = (a.text or "").strip()
    if not text:
        raise InvalidInput("agr.bad.text")
    if len(text) > rules.MAX_LONG:
        raise InvalidInput("agr.bad.too_long", max=rules.MAX_LONG, length=len(text))
    return c.data.model_copy(update={"reason": text})


async def _end_save(services: Services, user_id: int, data: EndForm, lang: str) -> View:
    if data.day is None:
        raise InvalidInput("agr.bad.end_date")
    agreement = await running.end_early(services, data.agreement_id, user_id, day=data.day, reason=data.reason,
                                        lang=lang)
    return View(str(t("agr.end.saved", lang, title=agreement.title, date=format_date(data.day, lang))))


END: Form[EndForm] = forms.register(Form(
    code="ke", model=EndForm, save=_end_save, load=_end_info,
    steps=(
        Step("day", prompt=lambda c: View(c.t("agr.end.ask_date", title=c.extra.agreement.title),
                                          ((c.button(c.t("agr.end.today"), "today"),),)),
             typed=_typed_day, choice=_today, label="agr.label.end_day", field="day",
             summary=lambda c: format_date(c.data.day, c.lang) if c.data.day else "—"),
        Step("reason", prompt=lambda c: View(c.t("agr.end.ask_reason")), typed=_reason, label="agr.label.end_reason",
             field="reason", summary=lambda c: html.escape(c.data.reason, quote=False)),
    )))


class AmendForm(BaseModel):
    agreement_id: int = 0
    zone: str = "Asia/Jakarta"
    field: str = ""  # one of running.AMEND_FIELDS, chosen before the form starts
    position: int | None = None  # the party whose rights change (0 = not asked: another field)
    value: Any = None  # text / code / amount, an ISO date, or [file_id, kind] for the document
    note: str = ""


async def _amended(services: Services, data: AmendForm) -> Agreement:
    return await running.get(services, data.agreement_id)


def _current(agreement: Agreement, field: str, lang: str) -> str:
    if field == "document":
        return str(t("agr.card.doc_yes" if agreement.document_file_id else "agr.card.doc_no", lang))
    value = getattr(agreement, field, None)
    return html.escape(running.shown(field, value, lang), quote=False)


def _value_prompt(c: Ctx[AmendForm]) -> View:
    field, agreement = c.data.field, c.extra
    if field == "bidang":
        buttons = [c.button(b.label(c.lang), b.code) for b in BIDANG]
        return View(c.t("agr.new.ask_bidang"), per_row(buttons, 2))
    if field == "rhythm":
        return View(c.t("agr.new.ask_rhythm"), per_row([c.button(c.t(f"agr.rhythm.{r}"), r) for r in RHYTHM_MONTHS]))
    if field == "rights":
        party = agreement.party(c.data.position or 0)
        return View(c.t("agr.new.ask_rights", party=party.name if party else "-", number=1, total=1))
    return View(c.t(f"agr.amend.ask.{field}", current=_current(agreement, field, c.lang)))


def _typed_value(c: Ctx[AmendForm], a: Answer) -> AmendForm:
    field, agreement = c.data.field, c.extra
    value: Any
    if field == "document":
        if not a.file_id:
            raise InvalidInput("agr.bad.doc")
        value = [a.file_id, a.file_kind or "document"]
    elif field in ("bidang", "rhythm"):
        raise InvalidInput("bad.use_buttons")
    elif a.text is None:
        raise InvalidInput("bad.text_expected")
    elif field == "funding_amount":
        try:
            value = parse_rupiah(a.text)
        except RupiahParseError:
            raise InvalidInput("agr.bad.rupiah") from None
        if value <= 0:
            raise InvalidInput("agr.bad.rupiah")
    elif field in ("start_date", "end_date"):
        try:
            day = parse_date(a.text, now=c.now, tz=ZoneInfo(c.data.zone), allow_past=True)
        except DateParseError as exc:
            if exc.reason in ("invalid_date", "weekday_mismatch"):
                raise date_problem(exc, "agr.bad.date_") from None
            raise InvalidInput("agr.bad.date") from None
        if field == "start_date" and day >= agreement.end_date:
            raise InvalidInput("agr.bad.start_after_end", end=format_date(agreement.end_date, c.lang))
        if field == "end_date" and day <= agreement.start_date:
            raise InvalidInput("agr.bad.end_before_start", start=format_date(agreement.start_date, c.lang))
        value = day.isoformat()
    else:
        value = _checked_text(a.text, rules.MAX_TITLE if field == "title" else
                              rules.MAX_SHORT if field in ("funding_source", "legal_basis", "executing_body")
                              else rules.MAX_LONG)
    return c.data.model_copy(update={"value": value})


def _chosen_value(c: Ctx[AmendForm], value: str) -> AmendForm:
    field = c.data.field
    if (field == "bidang" and value in {b.code for b in BIDANG}) or (field == "rhythm" and value in RHYTHM_MONTHS):
        return c.data.model_copy(update={"value": value})
    raise StaleAction()


def _chosen_party(c: Ctx[AmendForm], value: str) -> AmendForm:
    if not value.isdigit() or c.extra.party(int(value)) is None:
        raise StaleAction()
    return c.data.model_copy(update={"position": int(value)})  # the typed rights go with the chosen party


def _checked_text(text: str | None, limit: int) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput("agr.bad.text")
    if len(value) > limit:
        raise InvalidInput("agr.bad.too_long", max=limit, length=len(value))
    return value


def _party_summary(c: Ctx[AmendForm]) -> str | None:
    if c.data.field != "rights" or c.extra is None:
        return None
    party = c.extra.party(c.data.position or 0)
    return html.escape(party.name, quote=False) if party else "—"


def _value_summary(c: Ctx[AmendForm]) -> str:
    field = c.data.field
    shown = running.shown(field, "✓" if field == "document" and c.data.value else c.data.value, c.lang)
    return f"{c.t(f'agr.field.{field}')}: {html.escape(shown, quote=False)}"


async def _amend_save(services: Services, user_id: int, data: AmendForm, lang: str) -> View:
    agreement = await running.amend(services, data.agreement_id, user_id, field=data.field, value=data.value,
                                    position=data.position, note=data.note, lang=lang)
    return View(str(t("agr.amend.saved", lang, title=agreement.title)))


AMEND: Form[AmendForm] = forms.register(Form(
    code="km", model=AmendForm, save=_amend_save, load=_amended,
    steps=(
        Step("party", prompt=lambda c: View(c.t("agr.amend.pick_party"),
                                            per_row([c.button(p.name, p.position) for p in c.extra.parties])),
             choice=_chosen_party, label="agr.label.amend_party", field="position",
             answered=lambda m: m.position is not None, summary=_party_summary),
        Step("value", prompt=_value_prompt, typed=_typed_value, choice=_chosen_value, label="agr.label.amend_value",
             summary=_value_summary),
        Step("note", prompt=lambda c: View(c.t("agr.amend.ask_note")),
             typed=lambda c, a: c.data.model_copy(update={"note": _checked_text(a.text, rules.MAX_LONG)}),
             label="agr.label.amend_note", field="note", summary=lambda c: html.escape(c.data.note, quote=False)),
    )))
