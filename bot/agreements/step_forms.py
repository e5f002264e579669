"""The short forms of the other steps on the kerja sama road, declared on the form engine:
OFFER (ko) the surat penawaran; QUESTION (kq) a partner's question; FORMULATE (kf); SIGN (kg);
SUSPEND (kt); CANCEL (kx); REPORT (kl). Each saves through one use case in bot.agreements.service.
"""

from __future__ import annotations

import html
from datetime import date

from pydantic import BaseModel, Field

from bot import forms
from bot.agreements import lifecycle, service, views
from bot.agreements.forms import (
    choice_step,
    date_step,
    escaped,
    record_load,
    shown_day,
    text_step,
    typed_day,
    typed_text,
)
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date
from bot.view import View


class OfferForm(BaseModel):
    agreement_id: int = 0
    objective: str = ""
    bidang_uu: str = ""
    scope: str = ""
    start: date | None = None
    end: date | None = None


async def _offer_save(services: Services, user_id: int, data: OfferForm, lang: str) -> View:
    if data.start is None or data.end is None:
        raise InvalidInput("ks.bad.date")
    sent = await service.send_offer(services, data.agreement_id, user_id, purpose=data.objective,
                                    bidang_uu=data.bidang_uu, scope=data.scope,  # type: ignore[arg-type]
                                    start=data.start, end=data.end)
    return View(str(t("ks.form.offer_sent", lang, bot=len(sent.by_bot), paper=len(sent.on_paper))),
                ((views.open_button(data.agreement_id, lang),),))


def _offer_end(c: Ctx[OfferForm], a: Answer) -> OfferForm:
    end = typed_day(c, a)
    if c.data.start is not None and end <= c.data.start:
        raise InvalidInput("ks.bad.end_before_start")
    return c.data.model_copy(update={"end": end})


OFFER: Form[OfferForm] = forms.register(Form(
    code="ko", model=OfferForm, save=_offer_save, save_label="ks.form.send_offer",
    steps=(
        text_step("objective", "ks.form.objective_ask", "ks.clause.objective"),
        choice_step("bidang_uu", "ks.form.bidang_uu_ask", "ks.clause.bidang", lifecycle.UU_DESA_KINDS,
                     "ks.bidang_uu"),
        text_step("scope", "ks.form.scope_ask", "ks.clause.scope"),
        date_step("start", "ks.form.start_ask", "ks.label.start"),
        Step("end", prompt=lambda c: View(c.t("ks.form.end_ask")), typed=_offer_end, label="ks.label.end",
             field="end", summary=lambda c: shown_day(c, c.data.end)),
    )))


class QuestionForm(BaseModel):
    agreement_id: int = 0
    position: int = 0
    question: str = ""


async def _question_save(services: Services, user_id: int, data: QuestionForm, lang: str) -> View:
    await service.answer_offer(services, data.agreement_id, data.position, user_id, "tanya", data.question)
    return View(str(t("ks.offer.thanks", lang)))


QUESTION: Form[QuestionForm] = forms.register(Form(
    code="kq", model=QuestionForm, save=_question_save, review=False,
    steps=(text_step("question", "ks.form.question_ask", "ks.field.question"),)))


class ReasonForm(BaseModel):
    agreement_id: int = 0
    reason: str = ""
    resume_on: date | None = None


async def _suspend_save(services: Services, user_id: int, data: ReasonForm, lang: str) -> View:
    if data.resume_on is None:
        raise InvalidInput("ks.bad.date")
    await service.suspend(services, data.agreement_id, user_id, reason=data.reason, resume_on=data.resume_on)
    return View(str(t("ks.done.suspended", lang, resume_on=format_date(data.resume_on, lang))),
                ((views.open_button(data.agreement_id, lang),),))


async def _cancel_save(services: Services, user_id: int, data: ReasonForm, lang: str) -> View:
    await service.cancel(services, data.agreement_id, user_id, reason=data.reason)
    return View(str(t("ks.done.cancelled", lang)), ((views.open_button(data.agreement_id, lang),),))


def _cancel_prompt(c: Ctx[ReasonForm]) -> View:
    clause = c.extra.agreement.change_terms if c.extra else None
    title = c.extra.agreement.title if c.extra else ""
    return View(c.t("ks.ask.cancel_reason", title=title, clause=clause or c.t("ks.cancel.no_clause")))


SUSPEND: Form[ReasonForm] = forms.register(Form(
    code="kt", model=ReasonForm, save=_suspend_save, save_label="ks.act.suspend", load=record_load,
    steps=(
        Step("reason", prompt=lambda c: View(c.t("ks.ask.suspend_reason", title=c.extra.agreement.title
                                                 if c.extra else "")),
             typed=lambda c, a: c.data.model_copy(update={"reason": typed_text(a, "reason")}), label="ks.field.reason",
             field="reason", summary=lambda c: escaped(c.data.reason)),
        date_step("resume_on", "ks.ask.resume_on", "ks.label.resume_on"),
    )))

CANCEL: Form[ReasonForm] = forms.register(Form(
    code="kx", model=ReasonForm, save=_cancel_save, save_label="ks.act.cancel", load=record_load,
    steps=(
        Step("reason", prompt=_cancel_prompt,
             typed=lambda c, a: c.data.model_copy(update={"reason": typed_text(a, "reason")}), label="ks.field.reason",
             field="reason", summary=lambda c: escaped(c.data.reason)),
    )))


class FormulateForm(BaseModel):
    agreement_id: int = 0
    held_on: date | None = None
    formulation_note: str = ""


async def _formulate_save(services: Services, user_id: int, data: FormulateForm, lang: str) -> View:
    if data.held_on is None:
        raise InvalidInput("ks.bad.date")
    await service.record_formulation(services, data.agreement_id, user_id, held_on=data.held_on,
                                     note=data.formulation_note or None)
    return View(str(t("ks.done.saved", lang)), ((views.open_button(data.agreement_id, lang),),))


FORMULATE: Form[FormulateForm] = forms.register(Form(
    code="kf", model=FormulateForm, save=_formulate_save,
    steps=(
        date_step("held_on", "ks.form.held_on_ask", "ks.label.held_on"),
        text_step("formulation_note", "ks.form.formulation_note_ask", "ks.field.formulation_note", skip=True),
    )))


class SignForm(BaseModel):
    agreement_id: int = 0
    signed_on: date | None = None
    legal_basis: str = ""
    signatories: dict[int, tuple[str, str]] = Field(default_factory=dict)
    document_file_id: str = ""
    document_kind: str = ""


def _signatory_prompt(c: Ctx[SignForm]) -> View:
    party = next((p for p in (c.extra.parties if c.extra else ()) if p.position not in c.data.signatories), None)
    return View(c.t("ks.form.signatory_ask", party=party.name if party else "—"))


def _signatory_typed(c: Ctx[SignForm], a: Answer) -> SignForm | Stay[SignForm]:
    parties = c.extra.parties if c.extra else ()
    party = next((p for p in parties if p.position not in c.data.signatories), None)
    if party is None:
        raise StaleAction()
    parts = [p.strip() for p in typed_text(a, "signatory", 300).split(",", 1)]
    if len(parts) < 2 or not all(parts):
        raise InvalidInput("ks.form.signatory_format")
    data = c.data.model_copy(update={"signatories": {**c.data.signatories, party.position: (parts[0], parts[1])}})
    return data if all(p.position in data.signatories for p in parties) else Stay(data)


def _document_typed(c: Ctx[SignForm], a: Answer) -> SignForm:
    if a.file_id is None:
        raise InvalidInput("ks.form.document_expected")
    return c.data.model_copy(update={"document_file_id": a.file_id, "document_kind": a.file_kind})


async def _sign_save(services: Services, user_id: int, data: SignForm, lang: str) -> View:
    if data.signed_on is None:
        raise InvalidInput("ks.bad.date")
    await service.sign(services, data.agreement_id, user_id, signed_on=data.signed_on,
                       signatories=data.signatories, legal_basis=data.legal_basis,
                       document_file_id=data.document_file_id or None, document_kind=data.document_kind or None)
    return View(str(t("ks.done.saved", lang)), ((views.open_button(data.agreement_id, lang),),))


SIGN: Form[SignForm] = forms.register(Form(
    code="kg", model=SignForm, save=_sign_save, load=record_load,
    steps=(
        date_step("signed_on", "ks.form.signed_on_ask", "ks.label.signed_on"),
        text_step("legal_basis", "ks.form.legal_basis_ask", "ks.clause.legal_basis", 300),
        Step("signatories", prompt=_signatory_prompt, typed=_signatory_typed, label="ks.label.signatories",
             field="signatories", reset=lambda d: d.model_copy(update={"signatories": {}}),
             summary=lambda c: "; ".join(f"{html.escape(n)} ({html.escape(r)})"
                                         for n, r in c.data.signatories.values()) or "—"),
        Step("document", prompt=lambda c: View(c.t("ks.form.document_ask"),
                                               ((c.button(c.t("core.skip"), "skip"),),)),
             typed=_document_typed, choice=lambda c, v: c.data, label="ks.label.document", field="document_file_id",
             summary=lambda c: c.t("ks.form.document_yes") if c.data.document_file_id else "—"),
    )))


class ReportForm(BaseModel):
    agreement_id: int = 0
    start: date | None = None
    end: date | None = None
    done: str = ""
    next_steps: str = ""


async def _report_save(services: Services, user_id: int, data: ReportForm, lang: str) -> View:
    if data.start is None or data.end is None:
        raise InvalidInput("ks.bad.date")
    await service.report(services, data.agreement_id, user_id, period_start=data.start, period_end=data.end,
                         done=data.done, next_steps=data.next_steps or None)
    return View(str(t("ks.done.saved", lang)), ((views.open_button(data.agreement_id, lang),),))


def _report_end(c: Ctx[ReportForm], a: Answer) -> ReportForm:
    end = typed_day(c, a)
    if c.data.start is not None and end < c.data.start:
        raise InvalidInput("ks.bad.end_before_start")
    return c.data.model_copy(update={"end": end})


REPORT: Form[ReportForm] = forms.register(Form(
    code="kl", model=ReportForm, save=_report_save,
    steps=(
        date_step("start", "ks.form.report_start_ask", "ks.label.start"),
        Step("end", prompt=lambda c: View(c.t("ks.form.report_end_ask")), typed=_report_end, label="ks.label.end",
             field="end", summary=lambda c: shown_day(c, c.data.end)),
        text_step("done", "ks.form.done_ask", "ks.field.done"),
        text_step("next_steps", "ks.form.next_ask", "ks.field.next_steps", skip=True),
    )))
