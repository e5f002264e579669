"""The forms of a signed kerja sama, declared on the form engine: RENEW (kp) the new end date;
END (ke) end early: the last day (typed or "Hari ini") and the reason.
Each saves through one use case in bot.agreements.running (the rights are checked there again).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot import forms
from bot.agreements import rules, running
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Step
from bot.render import date_problem
from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date
from bot.view import View
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
