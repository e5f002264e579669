"""The forms of a signed kerja sama, declared on the form engine: RENEW (kp) the new end date.
Each saves through one use case in bot.agreements.running (the rights are checked there again).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot import forms
from bot.agreements import running
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput
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
