"""SIGNED (ka): record a kerja sama already signed on paper (lands in stage pelaksanaan), declared on
the form engine. Title, party villages (the forum's villages as buttons, or any village of Indonesia
found by typing its name: the fuzzy national search), third parties, bidang, clauses, rights per party,
funding, dates, executing body, evaluation rhythm, the signed document; then a review where every answer
can be changed. Saves through `running.register_signed` (which checks the asker's right again).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from bot import forms
from bot.agreements import rules, running, views
from bot.bidang import BIDANG, bidang_label
from bot.callbacks import encode
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.periods import DEFAULT_RHYTHM, RHYTHM_MONTHS
from bot.render import date_problem, village_button
from bot.services import Services
from bot.texts import t
from bot.timefmt import RupiahParseError, format_date, format_rupiah, parse_rupiah
from bot.view import Button, View, per_row
from storage.agreements import NewParty

SEARCH_SHOWN = 6
LIMITS = {"title": rules.MAX_TITLE, "fsource": rules.MAX_SHORT, "legal": rules.MAX_SHORT,
          "body": rules.MAX_SHORT, "third": rules.MAX_SHORT}


class SignedForm(BaseModel):
    forum_id: int = 0
    zone: str = "Asia/Jakarta"  # the forum's, for reading typed dates
    staff: bool = False         # koordinator/pendamping: may register for any villages
    own_village: str = ""       # else the asker's village must be a party
    choices: list[list[str]] = Field(default_factory=list)  # [code, name, kecamatan] of the forum's villages
    query: str = ""             # typed at the parties step: search villages nationally
    villages: list[str] = Field(default_factory=list)
    names: dict[str, str] = Field(default_factory=dict)  # code -> village name (the party's name)
    title: str = ""
    third: list[str] = Field(default_factory=list)
    bidang: str = ""
    objective: str = ""
    scope: str = ""
    rights: dict[str, str] = Field(default_factory=dict)  # party name -> text ("" skipped)
    fsource: str = ""
    famount: int = 0
    legal: str = ""
    start: date | None = None
    end: date | None = None
    body: str = ""
    rhythm: str = ""
    doc_id: str = ""
    doc_kind: str = ""


def parties_of(data: SignedForm) -> list[str]:
    return [data.names.get(code, code) for code in data.villages] + list(data.third)


def _clean(answer: Answer, step: str) -> str:
    if answer.text is None and answer.file_id:
        raise InvalidInput("bad.text_expected")
    value = (answer.text or "").strip()
    if not value:
        raise InvalidInput("agr.bad.text")
    limit = LIMITS.get(step, rules.MAX_LONG)
    if len(value) > limit:
        raise InvalidInput("agr.bad.too_long", max=limit, length=len(value))
    return value


def _skip(c: Ctx[Any]) -> tuple[Button, ...]:
    return (c.button(c.t("core.skip"), "skip"),)


def _text(name: str, label: str, *, optional: bool = False) -> Step[SignedForm]:
    """A typed text into field `name`; an optional one has Lewati (saved as "")."""
    def prompt(c: Ctx[SignedForm]) -> View:
        return View(c.t(f"agr.new.ask_{name}"), (_skip(c),) if optional else ())

    def typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
        return c.data.model_copy(update={name: _clean(a, name)})

    def choice(c: Ctx[SignedForm], value: str) -> SignedForm:
        if not optional or value != "skip":
            raise StaleAction()
        return c.data.model_copy(update={name: ""})

    return Step(name, prompt=prompt, typed=typed, choice=choice if optional else None, label=label, field=name,
                summary=lambda c: html.escape(getattr(c.data, name) or "-", quote=False))


# -- parties -------------------------------------------------------------------------------------------
async def _load_at(services: Services, data: SignedForm, step: str) -> list[tuple[str, str, str]] | None:
    """At the parties step, the villages matching what was typed: (code, button label, name)."""
    if step != "parties" or not data.query:
        return None
    found = await services.regions.search_ranked(data.query, limit=SEARCH_SHOWN)
    return [(region.code, village_button(region), region.name) for region, _ in found]


def _parties_prompt(c: Ctx[SignedForm]) -> View:
    chosen = set(c.data.villages)
    rows: list[tuple[Button, ...]] = []
    shown: set[str] = set()
    for code, name, kecamatan in c.data.choices:
        label = ("✅ " if code in chosen else "") + name + (f" (Kec. {kecamatan})" if kecamatan else "")
        rows.append((c.button(label[:60], code),))
        shown.add(code)
    for code in c.data.villages:  # chosen by search, outside the forum
        if code not in shown:
            rows.append((c.button(f"✅ {c.data.names.get(code, code)}"[:60], code),))
            shown.add(code)
    for code, label, _ in c.extra or []:
        if code not in shown:
            rows.append((c.button(f"🔎 {label}"[:60], code),))
    lines = [c.t("agr.new.ask_parties")]
    if c.data.query and not c.extra:
        lines.append(c.t("agr.new.parties_none", query=c.data.query))
    rows.append((c.button(c.t("agr.new.parties_done", count=len(chosen)), "done"),))
    return View("\n".join(lines), tuple(rows))


def _parties_typed(c: Ctx[SignedForm], a: Answer) -> Stay[SignedForm]:
    query = _clean(a, "third")
    return Stay(c.data.model_copy(update={"query": query[:100]}))


def _parties_choice(c: Ctx[SignedForm], value: str) -> SignedForm | Stay[SignedForm]:
    d = c.data
    if value == "done":
        if len(d.villages) < 2:
            raise InvalidInput("agr.bad.two_villages")
        if not d.staff and d.own_village not in d.villages:
            raise InvalidInput("agr.err.not_party")
        return d.model_copy(update={"query": ""})
    known = {code: name for code, name, _ in d.choices} | {code: name for code, _, name in c.extra or []}
    if value in d.villages:
        return Stay(d.model_copy(update={"villages": [v for v in d.villages if v != value]}))
    if value not in known:
        raise StaleAction()
    if len(d.villages) + len(d.third) >= rules.MAX_PARTIES:
        raise InvalidInput("agr.bad.too_many_parties", max=rules.MAX_PARTIES)
    return Stay(d.model_copy(update={"villages": [*d.villages, value], "names": {**d.names, value: known[value]},
                                     "query": ""}))


def _third_typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
    text = _clean(a, "third")
    names = [n.strip() for n in text.replace(";", "\n").replace(",", "\n").split("\n") if n.strip()]
    for name in names:
        if len(name) > rules.MAX_SHORT:
            raise InvalidInput("agr.bad.too_long", max=rules.MAX_SHORT, length=len(name))
    if len(names) + len(c.data.villages) > rules.MAX_PARTIES:
        raise InvalidInput("agr.bad.too_many_parties", max=rules.MAX_PARTIES)
    return c.data.model_copy(update={"third": names})


def _skip_only(update: dict[str, Any]) -> Any:
    def choice(c: Ctx[SignedForm], value: str) -> SignedForm:
        if value != "skip":
            raise StaleAction()
        return c.data.model_copy(update=update)
    return choice


# -- bidang, rights, funding, dates, rhythm, document --------------------------------------------------
def _bidang_prompt(c: Ctx[SignedForm]) -> View:
    buttons = [c.button(f"{b.emoji} {b.label(c.lang)}".strip(), b.code) for b in BIDANG]
    return View(c.t("agr.new.ask_bidang"), (*per_row(buttons, 2), _skip(c)))


def _bidang_choice(c: Ctx[SignedForm], value: str) -> SignedForm:
    if value == "skip":
        return c.data.model_copy(update={"bidang": ""})
    if value not in {b.code for b in BIDANG}:
        raise StaleAction()
    return c.data.model_copy(update={"bidang": value})


def _waiting(data: SignedForm) -> tuple[int, str] | None:
    """The first party whose rights were not asked yet (position, name)."""
    for index, name in enumerate(parties_of(data)):
        if name not in data.rights:
            return index, name
    return None


def _rights_prompt(c: Ctx[SignedForm]) -> View:
    waiting = _waiting(c.data)
    if waiting is None:  # parties changed to ones already answered
        return View(c.t("agr.new.ask_rights", party="-", number=0, total=0), (_skip(c),))
    index, name = waiting
    return View(c.t("agr.new.ask_rights", party=name, number=index + 1, total=len(parties_of(c.data))),
                (_skip(c),))


def _with_right(c: Ctx[SignedForm], text: str) -> SignedForm | Stay[SignedForm]:
    waiting = _waiting(c.data)
    if waiting is None:
        return c.data
    data = c.data.model_copy(update={"rights": {**c.data.rights, waiting[1]: text}})
    return Stay(data, new_message=True) if _waiting(data) is not None else data


def _rights_summary(c: Ctx[SignedForm]) -> str:
    return "".join(f"\n• {html.escape(name, quote=False)}: {html.escape(c.data.rights.get(name) or '-', quote=False)}"
                   for name in parties_of(c.data))


def _famount_typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
    try:
        amount = parse_rupiah(a.text or "")
    except RupiahParseError:
        raise InvalidInput("agr.bad.rupiah") from None
    if amount <= 0:
        raise InvalidInput("agr.bad.rupiah")
    return c.data.model_copy(update={"famount": amount})


def _day(c: Ctx[SignedForm], a: Answer, *, end: bool) -> date:
    try:
        return parse_date(a.text or "", now=c.now, tz=ZoneInfo(c.data.zone), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "agr.bad.date_") from None
        raise InvalidInput("agr.bad.end_date" if end else "agr.bad.date") from None


def _start_typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
    start = _day(c, a, end=False)
    if c.data.end is not None and c.data.end <= start:  # changed at the review: the end must follow
        raise InvalidInput("agr.bad.start_after_end", end=format_date(c.data.end, c.lang))
    return c.data.model_copy(update={"start": start})


def _end_typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
    end = _day(c, a, end=True)
    if c.data.start is not None and end <= c.data.start:
        raise InvalidInput("agr.bad.end_before_start", start=format_date(c.data.start, c.lang))
    return c.data.model_copy(update={"end": end})


def _rhythm_prompt(c: Ctx[SignedForm]) -> View:
    return View(c.t("agr.new.ask_rhythm"),
                tuple((c.button(c.t(f"agr.rhythm.{r}") + (" ✓" if r == DEFAULT_RHYTHM else ""), r),)
                      for r in RHYTHM_MONTHS))


def _rhythm_choice(c: Ctx[SignedForm], value: str) -> SignedForm:
    if value not in RHYTHM_MONTHS:
        raise StaleAction()
    return c.data.model_copy(update={"rhythm": value})


def _doc_typed(c: Ctx[SignedForm], a: Answer) -> SignedForm:
    if not a.file_id or a.file_kind not in ("document", "photo"):
        raise InvalidInput("agr.bad.doc")
    return c.data.model_copy(update={"doc_id": a.file_id, "doc_kind": a.file_kind})


def _shown_day(c: Ctx[SignedForm], value: date | None) -> str:
    return format_date(value, c.lang) if value else "-"


# -- save ----------------------------------------------------------------------------------------------
async def _save(services: Services, user_id: int, d: SignedForm, lang: str) -> View:
    if d.start is None or d.end is None:
        raise InvalidInput("agr.bad.date")
    if len(d.villages) < 2:
        raise InvalidInput("agr.bad.two_villages")
    parties = [NewParty(kind="desa", village_code=code, name=d.names.get(code, code)) for code in d.villages]
    parties += [NewParty(kind="pihak_ketiga", name=name) for name in d.third]
    parties = [p.model_copy(update={"rights_obligations": d.rights.get(p.name) or None}) for p in parties]
    signed = running.Signed(
        title=d.title, parties=parties, bidang=d.bidang or None, objective=d.objective or None,
        scope=d.scope or None, funding_source=d.fsource or None, funding_amount=d.famount or None,
        legal_basis=d.legal or None, executing_body=d.body or None, start=d.start, end=d.end,
        rhythm=d.rhythm or None, document=(d.doc_id or None, d.doc_kind or None))
    agreement_id = await running.register_signed(services, d.forum_id, user_id, signed, lang)
    return View(str(t("agr.new.saved", lang, title=d.title)),
                ((Button(str(t("agr.open_button", lang)), data=encode(views.RECORD_FEATURE, "o", agreement_id)),),))


SIGNED: Form[SignedForm] = forms.register(Form(
    code="ka", model=SignedForm, save=_save, load_at=_load_at,
    review_head=lambda c: c.t("agr.new.confirm"),
    steps=(
        _text("title", "agr.field.title"),
        Step("parties", prompt=_parties_prompt, typed=_parties_typed, choice=_parties_choice,
             label="agr.field.parties", field="villages",
             summary=lambda c: html.escape(", ".join(c.data.names.get(v, v) for v in c.data.villages), quote=False)),
        Step("third", prompt=lambda c: View(c.t("agr.new.ask_third"), (_skip(c),)), typed=_third_typed,
             choice=_skip_only({"third": []}), label="agr.field.third", field="third",
             summary=lambda c: html.escape(", ".join(c.data.third) or "-", quote=False)),
        Step("bidang", prompt=_bidang_prompt, choice=_bidang_choice, label="agr.field.bidang", field="bidang",
             summary=lambda c: html.escape(bidang_label(c.data.bidang, c.lang) if c.data.bidang else "-",
                                           quote=False)),
        _text("objective", "agr.field.objective"),
        _text("scope", "agr.field.scope", optional=True),
        Step("rights", prompt=_rights_prompt, typed=lambda c, a: _with_right(c, _clean(a, "rights")),
             choice=lambda c, v: _with_right(c, "") if v == "skip" else _stale(), label="agr.field.rights",
             field="rights", summary=_rights_summary, reset=lambda d: d.model_copy(update={"rights": {}})),
        _text("fsource", "agr.field.funding_source", optional=True),
        Step("famount", prompt=lambda c: View(c.t("agr.new.ask_famount"), (_skip(c),)), typed=_famount_typed,
             choice=_skip_only({"famount": 0}), label="agr.field.funding_amount", field="famount",
             summary=lambda c: format_rupiah(c.data.famount) if c.data.famount else "-"),
        _text("legal", "agr.field.legal_basis", optional=True),
        Step("start", prompt=lambda c: View(c.t("agr.new.ask_start")), typed=_start_typed,
             label="agr.field.start_date", field="start", summary=lambda c: _shown_day(c, c.data.start)),
        Step("end", prompt=lambda c: View(c.t("agr.new.ask_end")), typed=_end_typed,
             label="agr.field.end_date", field="end", summary=lambda c: _shown_day(c, c.data.end)),
        _text("body", "agr.field.executing_body", optional=True),
        Step("rhythm", prompt=_rhythm_prompt, choice=_rhythm_choice, label="agr.field.rhythm", field="rhythm",
             summary=lambda c: html.escape(rules.rhythm_label(c.data.rhythm or DEFAULT_RHYTHM, c.lang),
                                           quote=False)),
        Step("doc", prompt=lambda c: View(c.t("agr.new.ask_doc"), (_skip(c),)), typed=_doc_typed,
             choice=_skip_only({"doc_id": "", "doc_kind": ""}), label="agr.field.document", field="doc_id",
             summary=lambda c: c.t("agr.new.doc_yes" if c.data.doc_id else "agr.new.doc_no")),
    )))


def _stale() -> Any:
    raise StaleAction()
