"""The visit forms, declared on the form engine (bot.forms): the request and the report.

Request ("vr"): host village (the fuzzy national search, the forum's own areas first) -> purpose ->
bidang (1-3) -> 2-3 dates -> people -> message -> review ("Ubah ..." for every answer) -> Kirim.
Report ("vl"): what was learned -> what will be applied -> photos -> review -> Simpan.

The visit dates are days, not moments, and two or three of them are offered at once, so the date
step is a list of typed days rather than the shared date-and-time picker (which picks one moment).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field

from bot import bidang, forms
from bot.dateparse import DateParseError, parse_date
from bot.errors import Conflict, InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.forms.engine import TypedParser
from bot.numbers_id import count_from_text
from bot.render import date_problem
from bot.services import Services
from bot.timefmt import format_date
from bot.view import View
from bot.visits import rules, service, views
from bot.visits.loaders import repo, visit_zone
from bot.visits.views import MAX_BIDANG, MAX_MESSAGE, MAX_PHOTOS, MAX_PURPOSE, MAX_REPORT_PART, MIN_PURPOSE


# == the request ==================================================================================
class VisitRequest(BaseModel):
    requester: int = 0
    host: int = 0  # the host's user id (0 until chosen)
    host_village: str = ""
    host_name: str = ""  # "Desa Caruy", "Nagari Inderapura"
    host_query: str = ""  # what was typed at the host step, searched by the loader
    everywhere: bool = False  # "Tidak ada di daftar": search the whole country
    purpose: str = ""
    bidang: list[str] = Field(default_factory=list)
    dates: list[date] = Field(default_factory=list)
    people: int | None = None
    message: str | None = None  # "" when skipped


@dataclass(frozen=True)
class RequestExtra:
    search: service.HostSearch | None  # for the typed host query
    open_to: dict[str, int]  # village code -> the asker's open request there


async def _load_request(services: Services, data: VisitRequest) -> RequestExtra:
    if not data.host_query:
        return RequestExtra(None, {})
    found = await service.find_hosts(services, data.requester, data.host_query, everywhere=data.everywhere)
    open_to = {}
    for region, _ in found.choices:
        existing = await repo(services).open_between(data.requester, region.code)
        if existing is not None:
            open_to[region.code] = existing.id
    return RequestExtra(found, open_to)


def _host_prompt(ctx: Ctx[VisitRequest]) -> View:
    found = ctx.extra.search if isinstance(ctx.extra, RequestExtra) else None
    if found is None:
        return views.ask_host(ctx.lang, everywhere=ctx.data.everywhere)
    return views.host_found(found.choices, found.unreachable, ctx.data.host_query, ctx.lang, ctx.button,
                            guessed=found.guessed, elsewhere=found.elsewhere)


def _host_typed(ctx: Ctx[VisitRequest], answer: Answer) -> Stay[VisitRequest]:
    text = (answer.text or "").strip()
    if sum(ch.isalnum() for ch in text) < 3:
        raise InvalidInput("bad.village_short")
    return Stay(ctx.data.model_copy(update={"host_query": text[:80]}))


def _host_choice(ctx: Ctx[VisitRequest], value: str) -> VisitRequest | Stay[VisitRequest]:
    if value == "all":
        return Stay(ctx.data.model_copy(update={"everywhere": True, "host_query": ""}), new_message=True)
    found = ctx.extra.search if isinstance(ctx.extra, RequestExtra) else None
    for region, head in found.choices if found else []:
        if str(head) == value:
            if region.code in ctx.extra.open_to:
                raise Conflict("visit.err.already_open", id=ctx.extra.open_to[region.code],
                               village=views.place(region))
            return ctx.data.model_copy(update={"host": head, "host_village": region.code,
                                               "host_name": views.place(region), "host_query": "",
                                               "everywhere": False})
    raise StaleAction()


def _purpose(ctx: Ctx[VisitRequest], answer: Answer) -> VisitRequest:
    text = (answer.text or "").strip()
    if not MIN_PURPOSE <= len(text) <= MAX_PURPOSE:
        raise InvalidInput("visit.bad_length", min=MIN_PURPOSE, max=MAX_PURPOSE, length=len(text))
    return ctx.data.model_copy(update={"purpose": text})


def _bidang(ctx: Ctx[VisitRequest], value: str) -> VisitRequest | Stay[VisitRequest]:
    selected = list(ctx.data.bidang)
    if value == "ok":
        if not selected:
            raise InvalidInput("visit.err.bidang_none")
        return ctx.data
    if not bidang.is_code(value):
        raise StaleAction()
    if value in selected:
        selected.remove(value)
    elif len(selected) >= MAX_BIDANG:
        raise InvalidInput("visit.err.bidang_max", max=MAX_BIDANG)
    else:
        selected.append(value)
    return Stay(ctx.data.model_copy(update={"bidang": bidang.normalise(selected)}))


def read_date(text: str, existing: Sequence[date], village: str, now: datetime) -> date:
    """One typed day, read in the host village's zone: after today there, within a year, not offered yet."""
    zone = visit_zone(village)
    try:
        day = parse_date(text[:100], now=now, tz=zone)
    except DateParseError as exc:
        if exc.reason in ("in_past", "invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "visit.date_") from None
        raise InvalidInput("visit.date_unrecognised") from None
    rules.check_date(day, now.astimezone(zone).date())
    if day in existing:
        raise InvalidInput("visit.err.date_duplicate")
    return day


def _date_typed(ctx: Ctx[VisitRequest], answer: Answer) -> VisitRequest | Stay[VisitRequest]:
    if answer.text is None:
        raise InvalidInput("bad.text_expected")
    day = read_date(answer.text.strip(), ctx.data.dates, ctx.data.host_village, ctx.now)
    data = ctx.data.model_copy(update={"dates": sorted([*ctx.data.dates, day])})
    return data if len(data.dates) >= rules.MAX_DATES else Stay(data)  # a third date moves on by itself


def _dates_done(ctx: Ctx[VisitRequest], value: str) -> VisitRequest:
    if value != "ok":
        raise StaleAction()
    if len(ctx.data.dates) < rules.MIN_FIRST_DATES:
        raise InvalidInput("visit.err.date_count", minimum=rules.MIN_FIRST_DATES, maximum=rules.MAX_DATES)
    return ctx.data


def _people(ctx: Ctx[VisitRequest], answer: Answer) -> VisitRequest:
    people = rules.check_people(count_from_text(answer.text or "") or -1)
    return ctx.data.model_copy(update={"people": people})


def _message(ctx: Ctx[VisitRequest], answer: Answer) -> VisitRequest:
    text = (answer.text or "").strip()
    if not text:
        raise InvalidInput("bad.text_expected")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput("visit.bad_length", min=1, max=MAX_MESSAGE, length=len(text))
    return ctx.data.model_copy(update={"message": text})


def _skip(ctx: Ctx[VisitRequest], value: str) -> VisitRequest:
    if value != "skip":
        raise StaleAction()
    return ctx.data.model_copy(update={"message": ""})


async def _send(services: Services, user_id: int, data: VisitRequest, lang: str) -> View:
    form = service.RequestDraft(host_user_id=data.host, host_village=data.host_village, host_name=data.host_name,
                                purpose=data.purpose, bidang=tuple(data.bidang), dates=tuple(data.dates),
                                people=data.people or 0, message=data.message or "")
    sent = await service.request(services, user_id, form)
    return views.sent(sent.visit_id, data.host_name, sent.crossing.id if sent.crossing else None, lang)


def _dates_summary(ctx: Ctx[VisitRequest]) -> str:
    return "; ".join(format_date(day, ctx.lang) for day in ctx.data.dates)


REQUEST: Form[VisitRequest] = forms.register(Form(
    code="vr",
    model=VisitRequest,
    steps=(
        Step("host", prompt=_host_prompt, typed=_host_typed, choice=_host_choice, label="visit.label.host",
             field="host", summary=lambda c: html.escape(c.data.host_name),
             reset=lambda d: d.model_copy(update={"host_query": "", "everywhere": False})),
        Step("purpose", prompt=lambda c: views.ask_purpose(c.data.host_name, c.lang), typed=_purpose,
             label="visit.label.purpose", field="purpose", summary=lambda c: html.escape(c.data.purpose)),
        Step("bidang", prompt=lambda c: views.bidang_picker(c.data.bidang, c.lang, c.button), choice=_bidang,
             label="visit.label.bidang", field="bidang", summary=lambda c: html.escape(bidang.labels(c.data.bidang,
                                                                                                      c.lang))),
        Step("dates", prompt=lambda c: views.date_prompt(c.data.dates, c.lang, c.button,
                                                         minimum=rules.MIN_FIRST_DATES),
             typed=_date_typed, choice=_dates_done, label="visit.label.dates", field="dates",
             summary=_dates_summary, reset=lambda d: d.model_copy(update={"dates": []})),
        Step("people", prompt=lambda c: views.ask_people(c.lang), typed=_people, label="visit.label.people",
             field="people", summary=lambda c: str(c.data.people)),
        Step("message", prompt=lambda c: views.ask_message(c.lang, c.button), typed=_message, choice=_skip,
             label="visit.label.message", field="message",
             summary=lambda c: html.escape(c.data.message or "") or "-"),
    ),
    save=_send,
    review_head=lambda c: views.request_review_head(c.lang),
    save_label="visit.btn_send",
    load=_load_request,
))


# == the report ===================================================================================
class VisitReportForm(BaseModel):
    visit: int = 0
    learned: str = ""
    apply: str = ""
    photos: list[str] = Field(default_factory=list)


def _part(name: str) -> TypedParser[VisitReportForm]:
    def parse(ctx: Ctx[VisitReportForm], answer: Answer) -> VisitReportForm:
        text = (answer.text or "").strip()
        if not 3 <= len(text) <= MAX_REPORT_PART:
            raise InvalidInput("visit.bad_length", min=3, max=MAX_REPORT_PART, length=len(text))
        return ctx.data.model_copy(update={name: text})
    return parse


def _photo(ctx: Ctx[VisitReportForm], answer: Answer) -> Stay[VisitReportForm]:
    if answer.file_kind != "photo" or answer.file_id is None:
        raise InvalidInput("visit.photo_expected", max=MAX_PHOTOS)
    if len(ctx.data.photos) >= MAX_PHOTOS:
        raise InvalidInput("visit.photos_full", max=MAX_PHOTOS)
    return Stay(ctx.data.model_copy(update={"photos": [*ctx.data.photos, answer.file_id]}))


def _photos_done(ctx: Ctx[VisitReportForm], value: str) -> VisitReportForm:
    if value != "ok":
        raise StaleAction()
    return ctx.data


async def _save_report(services: Services, user_id: int, data: VisitReportForm, lang: str) -> View:
    await service.save_report(services, data.visit, user_id, learned=data.learned, will_apply=data.apply,
                              photos=data.photos)
    return views.report_saved(data.learned, data.apply, data.visit, lang)


REPORT: Form[VisitReportForm] = forms.register(Form(
    code="vl",
    model=VisitReportForm,
    steps=(
        Step("learned", prompt=lambda c: views.ask_report_part("learned", c.lang, c.button), typed=_part("learned"),
             label="visit.label.learned", field="learned", summary=lambda c: html.escape(c.data.learned)),
        Step("apply", prompt=lambda c: views.ask_report_part("apply", c.lang, c.button), typed=_part("apply"),
             label="visit.label.apply", field="apply", summary=lambda c: html.escape(c.data.apply)),
        Step("photos", prompt=lambda c: views.ask_report_part("photos", c.lang, c.button, photos=len(c.data.photos)),
             typed=_photo, choice=_photos_done, label="visit.label.photos", field="photos",
             summary=lambda c: str(len(c.data.photos)), reset=lambda d: d.model_copy(update={"photos": []})),
    ),
    save=_save_report,
    save_label="visit.btn_report_save",
))

