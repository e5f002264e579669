"""The kerja sama forms, declared on the form engine (bot.forms): each ends in a review where every
answer can be changed ("Ubah ...") and saves through one use case in bot.agreements.service.

* RINTIS  (kr) /kerjasama_rintis: kind, title, the Musdes, partner villages (fuzzy national search,
  or the kode wilayah), and for a pihak ketiga its name, kind, address and contact person;
* CLAUSES (kc) every Pasal 6 clause, rights and funding per party, the executing body and its team.

The shorter forms of the other steps are in bot.agreements.step_forms, built from the helpers here.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from bot import forms
from bot.agreements import lifecycle, service, views
from bot.bidang import BIDANG, bidang_label
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.render import date_problem, village_button
from bot.services import Services
from bot.texts import t
from bot.timefmt import RupiahParseError, format_date, format_rupiah, parse_rupiah
from bot.view import Button, View, per_row
from storage.kerjasama import FundingLine, KerjasamaRepo, TeamMember

ZONE = ZoneInfo("Asia/Jakarta")  # dates typed without a zone; a day does not depend on WIB/WITA here


# -- shared parsers ------------------------------------------------------------------------------------
def typed_text(answer: Answer, field: str, limit: int = lifecycle.MAX_TEXT) -> str:
    text = (answer.text or "").strip()
    if not text:
        raise InvalidInput("ks.bad.empty", field=views.label(f"ks.field.{field}"))
    if len(text) > limit:
        raise InvalidInput("ks.bad.too_long", field=views.label(f"ks.field.{field}"), max=limit,
                           length=len(text))
    return text


def typed_day(ctx: Ctx[Any], answer: Answer) -> date:
    try:
        return parse_date(answer.text or "", now=ctx.now, tz=ZONE, allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "ks.bad.date_") from None
        raise InvalidInput("ks.bad.date") from None


def escaped(value: str | None) -> str:
    return html.escape(value or "—", quote=False)


def shown_day(ctx: Ctx[Any], value: date | None) -> str:
    return format_date(value, ctx.lang) if value else "—"


def text_step(name: str, ask: str, label: str, limit: int = lifecycle.MAX_TEXT, *, skip: bool = False) -> Step[Any]:
    """A step that takes one typed text into the model field `name` (optionally skippable)."""
    def prompt(c: Ctx[Any]) -> View:
        buttons = ((c.button(c.t("core.skip"), "skip"),),) if skip else ()
        return View(c.t(ask), buttons)

    def typed(c: Ctx[Any], a: Answer) -> Any:
        return c.data.model_copy(update={name: typed_text(a, name if name in _FIELDS else "note", limit)})

    def choice(c: Ctx[Any], value: str) -> Any:
        if not skip or value != "skip":
            raise StaleAction()
        return c.data.model_copy(update={name: ""})

    return Step(name, prompt=prompt, typed=typed, choice=choice if skip else None, label=label, field=name,
                summary=lambda c: escaped(getattr(c.data, name)))


def date_step(name: str, ask: str, label: str) -> Step[Any]:
    def typed(c: Ctx[Any], a: Answer) -> Any:
        return c.data.model_copy(update={name: typed_day(c, a)})

    return Step(name, prompt=lambda c: View(c.t(ask)), typed=typed, label=label, field=name,
                summary=lambda c: shown_day(c, getattr(c.data, name)))


_FIELDS = frozenset({"title", "musdes_note", "tp_name", "tp_address", "tp_contact", "objective", "scope",
                     "implementation_terms", "change_terms", "dispute_terms", "legal_basis", "executing_body",
                     "question", "reason", "done", "next_steps", "formulation_note"})


# =====================================================================================================
# RINTIS: start at persiapan
# =====================================================================================================
class Rintis(BaseModel):
    forum_id: int = 0
    kind: str = ""
    title: str = ""
    musdes_on: date | None = None
    musdes_note: str = ""
    partners: list[str] = Field(default_factory=list)   # kode wilayah of partner villages
    names: dict[str, str] = Field(default_factory=dict)  # code -> village label, for the review
    query: str = ""
    tp_name: str = ""
    tp_kind: str = ""
    tp_address: str = ""
    tp_contact: str = ""


async def _rintis_load(services: Services, data: Rintis) -> list[tuple[str, str]]:
    """Villages matching what was typed at the partner step (code, label)."""
    if not data.query:
        return []
    found = await services.regions.search_ranked(data.query, limit=6)
    return [(region.code, village_button(region)) for region, _ in found]


def _partners_prompt(c: Ctx[Rintis]) -> View:
    chosen = ", ".join(html.escape(c.data.names.get(code, code)) for code in c.data.partners) or "—"
    lines = [c.t("ks.form.partners_ask", chosen=chosen)]
    buttons: list[tuple[Button, ...]] = [(c.button(label[:60], code),) for code, label in c.extra or []]
    if c.data.query and not c.extra:
        lines.append(c.t("ks.form.partners_none", query=c.data.query))
    buttons.append((c.button(c.t("ks.form.not_listed"), "manual"),))
    buttons.append((c.button(c.t("ks.form.partners_done"), "done"),))
    return View("\n".join(lines), tuple(buttons))


def _partners_typed(c: Ctx[Rintis], a: Answer) -> Stay[Rintis]:
    return Stay(c.data.model_copy(update={"query": typed_text(a, "note", 100)}))


def _partners_choice(c: Ctx[Rintis], value: str) -> Rintis | Stay[Rintis]:
    if value == "manual":
        raise InvalidInput("ks.form.type_code")
    if value == "done":
        if c.data.kind == "antar_desa" and not c.data.partners:
            raise InvalidInput("ks.bad.no_partner")
        return c.data.model_copy(update={"query": ""})
    label = dict(c.extra or []).get(value)
    if label is None:
        raise StaleAction()
    if value in c.data.partners:
        return Stay(c.data)
    return Stay(c.data.model_copy(update={"partners": [*c.data.partners, value], "query": "",
                                          "names": {**c.data.names, value: label}}))


def _kind_prompt(c: Ctx[Rintis]) -> View:
    return View(c.t("ks.form.kind_ask"), ((c.button(c.t("ks.kind.antar_desa"), "antar_desa"),),
                                          (c.button(c.t("ks.kind.pihak_ketiga"), "pihak_ketiga"),)))


def _kind_choice(c: Ctx[Rintis], value: str) -> Rintis:
    if value not in ("antar_desa", "pihak_ketiga"):
        raise StaleAction()
    return c.data.model_copy(update={"kind": value})


def _tp_kind_prompt(c: Ctx[Rintis]) -> View:
    return View(c.t("ks.form.tp_kind_ask"),
                per_row([c.button(c.t(f"ks.tp_kind.{k}"), k) for k in lifecycle.THIRD_PARTY_KINDS], 2))


def _tp_kind_choice(c: Ctx[Rintis], value: str) -> Rintis:
    if value not in lifecycle.THIRD_PARTY_KINDS:
        raise StaleAction()
    return c.data.model_copy(update={"tp_kind": value})


def _only_third(step: Step[Rintis]) -> Step[Rintis]:
    """A pihak ketiga step: hidden at the review of a kerja sama antardesa."""
    shown = step.summary
    return Step(step.name, prompt=step.prompt, typed=step.typed, choice=step.choice, label=step.label,
                field=step.field, summary=lambda c: shown(c) if shown and c.data.kind == "pihak_ketiga" else None)


async def _rintis_save(services: Services, user_id: int, data: Rintis, lang: str) -> View:
    if data.musdes_on is None:
        raise InvalidInput("ks.bad.date")
    agreement_id = await service.start(services, forum_id=data.forum_id, user_id=user_id,
                                       kind="pihak_ketiga" if data.kind == "pihak_ketiga" else "antar_desa",
                                       title=data.title, musdes_on=data.musdes_on, musdes_note=data.musdes_note)
    spread: tuple[str, ...] = ()
    for code in data.partners:
        added = await service.add_village(services, agreement_id, user_id, code)
        spread = added.other_kabupaten or spread
    if data.kind == "pihak_ketiga":
        await service.add_third_party(services, agreement_id, user_id, name=data.tp_name,
                                      kind=data.tp_kind,  # type: ignore[arg-type]  # checked by the step
                                      address=data.tp_address, contact_person=data.tp_contact)
    lines = [str(t("ks.form.started", lang, title=data.title))]
    if spread:
        names = [region.name if (region := await services.regions.get(code)) else code for code in spread]
        lines.append(views.cross_kabupaten(names, lang))
    return View("\n\n".join(lines), ((views.open_button(agreement_id, lang),),))


RINTIS: Form[Rintis] = forms.register(Form(
    code="kr", model=Rintis, save=_rintis_save, load=_rintis_load,
    steps=(
        Step("kind", prompt=_kind_prompt, choice=_kind_choice, label="ks.label.kind", field="kind",
             summary=lambda c: c.t(f"ks.kind.{c.data.kind}") if c.data.kind else "—"),
        text_step("title", "ks.form.title_ask", "ks.label.title", lifecycle.MAX_NAME),
        date_step("musdes_on", "ks.form.musdes_on_ask", "ks.label.musdes_on"),
        text_step("musdes_note", "ks.form.musdes_note_ask", "ks.label.musdes_note", skip=True),
        Step("partners", prompt=_partners_prompt, typed=_partners_typed, choice=_partners_choice,
             label="ks.label.partners", field="partners",
             summary=lambda c: escaped(", ".join(c.data.names.get(x, x) for x in c.data.partners) or None),
             reset=lambda d: d.model_copy(update={"partners": [], "names": {}, "query": ""}),
             next=lambda d: "tp_name" if d.kind == "pihak_ketiga" else None),
        _only_third(text_step("tp_name", "ks.form.tp_name_ask", "ks.label.tp_name", lifecycle.MAX_NAME)),
        _only_third(Step("tp_kind", prompt=_tp_kind_prompt, choice=_tp_kind_choice, label="ks.label.tp_kind",
                         field="tp_kind", summary=lambda c: c.t(f"ks.tp_kind.{c.data.tp_kind}")
                         if c.data.tp_kind else "—")),
        _only_third(text_step("tp_address", "ks.form.tp_address_ask", "ks.label.tp_address", 300)),
        _only_third(text_step("tp_contact", "ks.form.tp_contact_ask", "ks.label.tp_contact", 300)),
    )))


# =====================================================================================================
# CLAUSES: every Pasal 6 clause
# =====================================================================================================
class ClauseForm(BaseModel):
    agreement_id: int = 0
    objective: str = ""
    scope: str = ""
    bidang_uu: str = ""
    sector: str = ""
    implementation_terms: str = ""
    start: date | None = None
    end: date | None = None
    rights: dict[int, str] = Field(default_factory=dict)
    funding: list[FundingLine] = Field(default_factory=list)
    change_terms: str = ""
    dispute_terms: str = ""
    executing_kind: str = ""
    executing_body: str = ""
    team: list[TeamMember] = Field(default_factory=list)


async def record_load(services: Services, data: Any) -> Any:
    return await KerjasamaRepo(services.db).full(data.agreement_id)


def _next_party(c: Ctx[ClauseForm], done: set[int]) -> Any:
    return next((p for p in (c.extra.parties if c.extra else ()) if p.position not in done), None)


def _rights_prompt(c: Ctx[ClauseForm]) -> View:
    party = _next_party(c, set(c.data.rights))
    return View(c.t("ks.form.rights_ask", party=party.name if party else "—"))


def _rights_typed(c: Ctx[ClauseForm], a: Answer) -> ClauseForm | Stay[ClauseForm]:
    party = _next_party(c, set(c.data.rights))
    if party is None:
        raise StaleAction()
    data = c.data.model_copy(update={"rights": {**c.data.rights, party.position: typed_text(a, "rights")}})
    return data if _next_party(c, set(data.rights)) is None else Stay(data)


_SOURCE = re.compile(r"^(?P<name>.*?)\s*(?P<amount>(rp\.?\s*)?\d[\d.,]*\s*(ribu|rb|juta|jt|miliar|m)?)\s*$",
                     re.IGNORECASE)


def _funding_lines(position: int, text: str) -> list[FundingLine]:
    """ "50 juta; CSR PT Tirta 10 juta" -> the APB Desa share (first) and other named sources."""
    lines = []
    for index, part in enumerate(p.strip() for p in text.split(";")):
        match = _SOURCE.match(part)
        if not part or match is None:
            raise InvalidInput("ks.bad.funding_line")
        try:
            amount = parse_rupiah(match["amount"])
        except RupiahParseError:
            raise InvalidInput("ks.bad.funding_line") from None
        name = match["name"].strip(" :=-")
        if index == 0 and not name:
            lines.append(FundingLine(party_position=position, source="apb_desa", amount=amount))
        elif name:
            lines.append(FundingLine(party_position=position, source="lain", source_name=name[:150], amount=amount))
        else:
            raise InvalidInput("ks.bad.funding_line")
    return lines


def _funding_prompt(c: Ctx[ClauseForm]) -> View:
    party = _next_party(c, {line.party_position for line in c.data.funding})
    return View(c.t("ks.form.funding_ask", party=party.name if party else "—"))


def _funding_typed(c: Ctx[ClauseForm], a: Answer) -> ClauseForm | Stay[ClauseForm]:
    party = _next_party(c, {line.party_position for line in c.data.funding})
    if party is None:
        raise StaleAction()
    added = _funding_lines(party.position, typed_text(a, "note", 300))
    data = c.data.model_copy(update={"funding": [*c.data.funding, *added]})
    return data if _next_party(c, {line.party_position for line in data.funding}) is None else Stay(data)


def _funding_summary(c: Ctx[ClauseForm]) -> str:
    names = {p.position: p.name for p in (c.extra.parties if c.extra else ())}
    parts = [f"{html.escape(names.get(x.party_position, '?'))}: "
             f"{c.t('ks.fund.apb_desa') if x.source == 'apb_desa' else html.escape(x.source_name or '')} "
             f"{format_rupiah(x.amount)}" for x in c.data.funding]
    total = sum(x.amount for x in c.data.funding)
    return "; ".join(parts) + f" — {c.t('ks.form.total')} {format_rupiah(total)}" if parts else "—"


def choice_step(name: str, ask: str, label: str, options: tuple[str, ...], key: str, *,
                 per: int = 1) -> Step[Any]:
    def choice(c: Ctx[Any], value: str) -> Any:
        if value not in options:
            raise StaleAction()
        return c.data.model_copy(update={name: value})

    return Step(name, prompt=lambda c: View(c.t(ask), per_row([c.button(c.t(f"{key}.{o}"), o) for o in options], per)),
                choice=choice, label=label, field=name,
                summary=lambda c: c.t(f"{key}.{getattr(c.data, name)}") if getattr(c.data, name) else "—")


def _sector_step() -> Step[ClauseForm]:
    def prompt(c: Ctx[ClauseForm]) -> View:
        buttons = [c.button(b.label(c.lang), b.code) for b in BIDANG]
        return View(c.t("ks.form.sector_ask"), (*per_row(buttons, 2), (c.button(c.t("core.skip"), "skip"),)))

    def choice(c: Ctx[ClauseForm], value: str) -> ClauseForm:
        if value != "skip" and value not in {b.code for b in BIDANG}:
            raise StaleAction()
        return c.data.model_copy(update={"sector": "" if value == "skip" else value})

    return Step("sector", prompt=prompt, choice=choice, label="ks.label.sector", field="sector",
                summary=lambda c: bidang_label(c.data.sector, c.lang) if c.data.sector else "—")


def _team_typed(c: Ctx[ClauseForm], a: Answer) -> Stay[ClauseForm]:
    parts = [p.strip() for p in (a.text or "").split(",")]
    if len(parts) < 2 or not all(parts[:2]):
        raise InvalidInput("ks.form.team_format")
    if len(c.data.team) >= lifecycle.MAX_TEAM:
        raise InvalidInput("ks.bad.too_many_team", max=lifecycle.MAX_TEAM)
    member = TeamMember(position=len(c.data.team) + 1, name=parts[0][:150], role=parts[1][:150],
                        village_name=(parts[2][:150] if len(parts) > 2 and parts[2] else None))
    return Stay(c.data.model_copy(update={"team": [*c.data.team, member]}))


def _team_prompt(c: Ctx[ClauseForm]) -> View:
    listed = "\n".join(f"{m.position}. {html.escape(m.name)}, {html.escape(m.role)} ({html.escape(m.village_name or '-')})"
                       for m in c.data.team)
    return View(c.t("ks.form.team_ask") + (f"\n{listed}" if listed else ""),
                ((c.button(c.t("ks.form.partners_done"), "done"),),))


def _team_summary(c: Ctx[ClauseForm]) -> str:
    return ", ".join(f"{html.escape(m.name)} ({html.escape(m.role)})" for m in c.data.team) or "—"


async def _clauses_save(services: Services, user_id: int, data: ClauseForm, lang: str) -> View:
    if data.start is None or data.end is None:
        raise InvalidInput("ks.bad.date")
    await service.save_clauses(services, data.agreement_id, user_id, service.Clauses(
        objective=data.objective, scope=data.scope, bidang_uu=data.bidang_uu,  # type: ignore[arg-type]
        sector=data.sector or None, implementation_terms=data.implementation_terms, start=data.start, end=data.end,
        rights=data.rights, funding=data.funding, change_terms=data.change_terms, dispute_terms=data.dispute_terms,
        executing_kind=data.executing_kind, executing_body=data.executing_body,  # type: ignore[arg-type]
        team=data.team))
    return View(str(t("ks.form.clauses_saved", lang)), ((views.open_button(data.agreement_id, lang),),))


def _end_typed(c: Ctx[ClauseForm], a: Answer) -> ClauseForm:
    end = typed_day(c, a)
    if c.data.start is not None and end <= c.data.start:
        raise InvalidInput("ks.bad.end_before_start")
    return c.data.model_copy(update={"end": end})


CLAUSES: Form[ClauseForm] = forms.register(Form(
    code="kc", model=ClauseForm, save=_clauses_save, load=record_load,
    steps=(
        text_step("objective", "ks.form.objective_ask", "ks.clause.objective"),
        text_step("scope", "ks.form.scope_ask", "ks.clause.scope"),
        choice_step("bidang_uu", "ks.form.bidang_uu_ask", "ks.clause.bidang", lifecycle.UU_DESA_KINDS,
                     "ks.bidang_uu"),
        _sector_step(),
        text_step("implementation_terms", "ks.form.terms_ask", "ks.clause.implementation_terms"),
        date_step("start", "ks.form.start_ask", "ks.label.start"),
        Step("end", prompt=lambda c: View(c.t("ks.form.end_ask")), typed=_end_typed, label="ks.label.end",
             field="end", summary=lambda c: shown_day(c, c.data.end)),
        Step("rights", prompt=_rights_prompt, typed=_rights_typed, label="ks.clause.rights", field="rights",
             summary=lambda c: "; ".join(f"{html.escape(p.name)}: {html.escape(c.data.rights.get(p.position, '—'))}"
                                         for p in (c.extra.parties if c.extra else ())) or "—",
             reset=lambda d: d.model_copy(update={"rights": {}})),
        Step("funding", prompt=_funding_prompt, typed=_funding_typed, label="ks.clause.funding", field="funding",
             summary=_funding_summary, reset=lambda d: d.model_copy(update={"funding": []})),
        text_step("change_terms", "ks.form.change_ask", "ks.clause.change_terms"),
        text_step("dispute_terms", "ks.form.dispute_ask", "ks.clause.dispute_terms"),
        choice_step("executing_kind", "ks.form.exec_kind_ask", "ks.clause.executing", ("bkad", "tim"), "ks.exec"),
        text_step("executing_body", "ks.form.exec_name_ask", "ks.clause.executing_body", 300),
        Step("team", prompt=_team_prompt, typed=_team_typed, choice=lambda c, v: c.data, label="ks.label.team",
             field="team", summary=_team_summary, reset=lambda d: d.model_copy(update={"team": []})),
    )))
