"""Declared forms of the MAD / Musdes (bot.forms engine): schedule it, record a delegate without
Telegram, write the berita acara. Each save calls a use case of bot.agreements.musyawarah."""

from __future__ import annotations

import html
from collections.abc import Callable

from pydantic import BaseModel, Field

from bot import forms
from bot.agreements import musyawarah as service
from bot.agreements import musyawarah_views as views
from bot.agreements.documents import PASAL_HEADINGS
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.forms.picker import When, when_step
from bot.services import Services
from bot.timefmt import format_datetime
from bot.view import View


def _text(answer: Answer) -> str:
    if answer.text is None:
        raise InvalidInput("bad.text_expected")
    return answer.text


async def _card(services: Services, user_id: int, musyawarah_id: int, lang: str) -> View:
    loaded = await service.load(services, musyawarah_id, user_id)
    return views.card(loaded.musyawarah, loaded.agreement, lang, may_manage=loaded.may_manage,
                      delegate_id=loaded.delegate_id, now=services.clock.now())


# -- jadwalkan musyawarah ---------------------------------------------------------------------
class Schedule(BaseModel):
    agreement_id: int = 0
    when: When = Field(default_factory=When)
    place: str = ""
    agenda: list[str] = Field(default_factory=list)


async def _schedule_save(services: Services, user_id: int, data: Schedule, lang: str) -> View:
    if data.when.at is None:
        raise StaleAction()
    musyawarah_id = await service.schedule(services, agreement_id=data.agreement_id, user_id=user_id,
                                           starts_at=data.when.at, place=data.place, agenda=data.agenda)
    return await _card(services, user_id, musyawarah_id, lang)


SCHEDULE: Form[Schedule] = forms.register(Form(
    code="mj", model=Schedule, save=_schedule_save,
    steps=(
        when_step("when", field="when", label="form.label.when", ask="mus.new.ask_when",
                  summary=lambda c: format_datetime(c.data.when.at, c.data.when.tz, c.lang) if c.data.when.at
                  else None),
        Step("place", prompt=lambda c: View(c.t("mus.new.ask_place")), label="form.label.place", field="place",
             typed=lambda c, a: c.data.model_copy(update={"place": service.clean_text(_text(a), service.MAX_PLACE)}),
             summary=lambda c: html.escape(c.data.place)),
        Step("agenda", prompt=lambda c: View(c.t("mus.new.ask_agenda")), label="form.label.agenda", field="agenda",
             typed=lambda c, a: c.data.model_copy(update={"agenda": service.parse_agenda(_text(a))}),
             summary=lambda c: "; ".join(html.escape(i) for i in c.data.agenda),
             reset=lambda d: d.model_copy(update={"agenda": []})),
    )))


# -- a delegate recorded by name --------------------------------------------------------------
class Named(BaseModel):
    musyawarah_id: int = 0
    position: int = 0
    party: str = ""
    name: str = ""
    role: str | None = None


def _named(c: Ctx[Named], a: Answer) -> Named:
    name, role = service.parse_named(_text(a))
    return c.data.model_copy(update={"name": name, "role": role})


async def _named_save(services: Services, user_id: int, data: Named, lang: str) -> View:
    await service.add_named_delegate(services, data.musyawarah_id, user_id, data.position, data.name, data.role)
    return await _card(services, user_id, data.musyawarah_id, lang)


NAMED: Form[Named] = forms.register(Form(
    code="mu", model=Named, save=_named_save, review=False,
    steps=(Step("name", prompt=lambda c: View(c.t("mus.add.ask_named", party=c.data.party)), typed=_named,
                field="name"),)))


# -- berita acara -----------------------------------------------------------------------------
class Berita(BaseModel):
    musyawarah_id: int = 0
    clause_values: dict[str, str] = Field(default_factory=dict)  # the record's clauses when it began
    clauses: list[str] = Field(default_factory=list)
    decisions: list[str] | None = None
    notes: str | None = None


def _clauses_prompt(c: Ctx[Berita]) -> View:
    buttons = [c.button(f"{'✅ ' if key in c.data.clauses else ''}{PASAL_HEADINGS[key]}", key)
               for key in c.data.clause_values]
    buttons.append(c.button(c.t("mus.btn.next"), "next"))
    return View(views.clause_lines(c.data.clause_values, c.lang), tuple((b,) for b in buttons))


def _clause(c: Ctx[Berita], value: str) -> Berita | Stay[Berita]:
    if value == "next":
        return c.data
    if value not in c.data.clause_values:
        raise StaleAction()
    chosen = [k for k in c.data.clauses if k != value] if value in c.data.clauses else [*c.data.clauses, value]
    return Stay(c.data.model_copy(update={"clauses": chosen}))


def _skip_prompt(key: str) -> Callable[[Ctx[Berita]], View]:
    return lambda c: View(c.t(key), ((c.button(c.t("core.skip"), "skip"),),))


async def _berita_save(services: Services, user_id: int, data: Berita, lang: str) -> View:
    loaded = await service.record_berita(services, data.musyawarah_id, user_id, clauses=data.clauses,
                                         decisions=data.decisions or [], notes=data.notes)
    return views.card(loaded.musyawarah, loaded.agreement, lang, may_manage=loaded.may_manage,
                      delegate_id=loaded.delegate_id, now=services.clock.now())


BERITA: Form[Berita] = forms.register(Form(
    code="mb", model=Berita, save=_berita_save,
    steps=(
        Step("clauses", prompt=_clauses_prompt, choice=_clause, label="mus.label.clauses",
             summary=lambda c: html.escape(", ".join(PASAL_HEADINGS[k] for k in c.data.clauses)) or "—"),
        Step("decisions", prompt=_skip_prompt("mus.ba.ask_decisions"),
             typed=lambda c, a: c.data.model_copy(update={"decisions": service.parse_decisions(_text(a))}),
             choice=lambda c, v: c.data.model_copy(update={"decisions": []}), label="mus.label.decisions",
             summary=lambda c: "; ".join(html.escape(d) for d in c.data.decisions or []) or "—"),
        Step("notes", prompt=_skip_prompt("mus.ba.ask_notes"), label="form.label.note",
             typed=lambda c, a: c.data.model_copy(update={"notes": service.clean_text(_text(a), service.MAX_NOTES)}),
             choice=lambda c, v: c.data.model_copy(update={"notes": None}),
             summary=lambda c: html.escape(c.data.notes or "—")),
    )))

