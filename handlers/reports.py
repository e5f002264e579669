"""/ekspor (tables as .xlsx or .csv), /laporan (the monthly report with a chart) and the
monthly digest planner. Only koordinator and pendamping of the forum; private chat only,
because the files and names are not for the whole group.

Callback data (prefix `r`), every press re-checks Action.EXPORT in the forum it names:
  r:w:<forum>:<src>                 what to export  -> ask the period
  r:p:<forum>:<src>:<period>        period chosen   -> ask the format
  r:c:<forum>:<src>                 type the dates  -> form `rep_export` (from, to)
  r:f:<forum>:<src>:<period>:<fmt>  build and send the file(s)
  r:m:<forum>:<yyyymm>              the report of a month (also the digest's chart button)
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InputMediaPhoto, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import Conflict, StaleAction
from bot.periods import add_months
from bot.permissions import Action
from bot.render import date_problem
from bot.reports import exports, service
from bot.reports.exports import ALL, Source
from bot.reports.period import PRESETS, Period, custom_code, resolve
from bot.reports.summary import month_title, report_text
from bot.reports.worker import WORKER, ExportResult
from bot.texts import t
from bot.timefmt import format_date_short
from handlers import forms
from handlers.common import (
    button_handler,
    command_handler,
    edit_or_reply,
    language,
    private_only,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from storage.models import Draft, Forum

log = logging.getLogger(__name__)

FEATURE = "r"
FORM = "rep_export"
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for files a bot sends
# Above this an export of several years is sent as one file per year (kept below MAX_UPLOAD so a
# year's file still fits; a setting of the module so a test can use a small export).
SPLIT_ABOVE = 40 * 1024 * 1024
FORMATS = ("x", "z", "c")
_SLUG = re.compile(r"[^a-z0-9]+")


def forum_zone(forum: Forum) -> ZoneInfo:
    return ZoneInfo(forum.timezone)


async def _require(update: Update, context: BotContext, forum_id: int) -> Forum:
    forum, _ = await context.services.access.require(forum_id, user_of(update).id, Action.EXPORT)
    return forum



# -- naming ----------------------------------------------------------------------------------
def forum_slug(name: str) -> str:
    words = [w for w in _SLUG.sub("-", name.lower()).split("-") if w and w != "kades"]
    return "-".join(words) or "forum"


def file_stem(forum: Forum, sources: list[Source], period: Period) -> str:
    """kades-forum-cipari-2026-11 (all data) or kades-forum-cipari-anggota (one table, no period)."""
    parts = ["kades", forum_slug(forum.name)]
    if len(sources) == 1 and len(exports.SOURCES) > 1:
        parts.append(sources[0].slug)
    if any(s.periodic for s in sources):
        parts.append(period.file_label())
    return "-".join(parts)


def what_label(code: str, lang: str) -> str:
    if code == ALL:
        return str(t("rep.src.all", lang))
    return str(t(exports.BY_CODE[code].text_key, lang))


def period_label(period: Period, sources: list[Source], lang: str) -> str:
    if not any(s.periodic for s in sources):
        return str(t("rep.current_state", lang))
    if period.code in ("tm", "lm"):
        return month_title(period.end, lang)
    if period.code == "ty":
        return str(period.end.year)
    if period.start is None:
        return str(t("rep.all_time", lang))
    return str(t("rep.range", lang, start=format_date_short(period.start, lang),
                 end=format_date_short(period.end, lang)))


def _today(context: BotContext, forum: Forum) -> date:
    return context.services.clock.now().astimezone(forum_zone(forum)).date()


def _sources(code: str) -> list[Source]:
    try:
        return exports.chosen(code)
    except KeyError:
        raise StaleAction() from None


# -- /ekspor ---------------------------------------------------------------------------------
@command_handler
async def export_command(update: Update, context: BotContext) -> None:
    """Ask what to export (after picking the forum when the user staffs several)."""
    if await private_only(update, context, "ekspor"):
        await run_in_forum(update, context, "ekspor")


@forum_action("ekspor", Action.EXPORT)
async def ask_what(update: Update, context: BotContext, forum: Forum) -> None:
    lang = await language(update, context)
    rows = [[(str(t(s.text_key, lang)), encode(FEATURE, "w", forum.id, s.code))] for s in exports.SOURCES]
    if len(exports.SOURCES) > 1:
        rows.append([(str(t("rep.src.all", lang)), encode(FEATURE, "w", forum.id, ALL))])
    await edit_or_reply(update, t("rep.what_ask", lang, forum=forum.name), rows)


@button_handler
async def on_what(update: Update, context: BotContext, data: CallbackData) -> None:
    """Ask the period; the members directory alone has none (it is the current state)."""
    forum = await _require(update, context, data.int_arg(0))
    code = data.arg(1)
    sources = _sources(code)
    if not any(s.periodic for s in sources):
        await _ask_format(update, context, forum, code, "all")
        return
    lang = await language(update, context)
    buttons = [(str(t(f"rep.period.{p}", lang)), encode(FEATURE, "p", forum.id, code, p)) for p in PRESETS]
    rows = [buttons[0:2], buttons[2:4], [buttons[4], (str(t("rep.period.custom", lang)),
                                                      encode(FEATURE, "c", forum.id, code))]]
    await edit_or_reply(update, t("rep.period_ask", lang, what=what_label(code, lang)), rows)


def _period(code: str, today: date) -> Period:
    """The period a button names; an unknown code is old or forged data, so a stale button."""
    try:
        return resolve(code, today)
    except ValueError:
        raise StaleAction() from None


@button_handler
async def on_period(update: Update, context: BotContext, data: CallbackData) -> None:
    forum = await _require(update, context, data.int_arg(0))
    code, period_code = data.arg(1), data.arg(2)
    _sources(code)
    _period(period_code, _today(context, forum))
    await _ask_format(update, context, forum, code, period_code)


async def _ask_format(update: Update, context: BotContext, forum: Forum, code: str, period_code: str,
                      *, edit: bool = True) -> None:
    lang = await language(update, context)
    sources = _sources(code)
    period = resolve(period_code, _today(context, forum))
    several = len(sources) > 1
    formats = ("x", "z", "c") if several else ("x", "c")
    rows = [[(str(t(f"rep.fmt.{f}", lang)), encode(FEATURE, "f", forum.id, code, period_code, f))] for f in formats]
    text = t("rep.format_ask", lang, what=what_label(code, lang), period=period_label(period, sources, lang))
    if edit:
        await edit_or_reply(update, text, rows)
    else:
        await reply(update, text, rows)


@button_handler
async def on_custom(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start the two-question form for typed dates."""
    forum = await _require(update, context, data.int_arg(0))
    code = data.arg(1)
    _sources(code)
    user = user_of(update)
    await forms.begin(context, user.id, FORM, "from", {"forum": forum.id, "src": code})
    await edit_or_reply(update, t("rep.from_ask", await language(update, context)))


async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed date of the custom period."""
    lang = await language(update, context)
    user = user_of(update)
    try:
        forum = await _require(update, context, int(draft.data["forum"]))
    except Exception:
        await forms.finish(context, user.id)
        raise
    message = update.effective_message
    text = (message.text or "") if message else ""
    try:
        if not text.strip() or len(text) > 100:
            raise DateParseError("unrecognised", text[:100])
        day = parse_date(text, now=context.services.clock.now(), tz=forum_zone(forum), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            problem = date_problem(exc, "meet.bad.date.")
            await reply(update, t(problem.message_key, lang, **problem.params))
        else:
            await reply(update, t("rep.bad_date", lang))
        return
    if draft.step == "from":
        await forms.advance(context, draft, "to", start=day.isoformat())
        await reply(update, t("rep.to_ask", lang, start=format_date_short(day, lang)))
        return
    start = date.fromisoformat(str(draft.data["start"]))
    await forms.finish(context, user.id)
    await _ask_format(update, context, forum, str(draft.data["src"]), custom_code(start, day), edit=False)


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.step == "from":
        await reply(update, t("rep.from_ask", lang))
    else:
        start = date.fromisoformat(str(draft.data["start"]))
        await reply(update, t("rep.to_ask", lang, start=format_date_short(start, lang)))


@button_handler
async def on_format(update: Update, context: BotContext, data: CallbackData) -> None:
    """Build the file(s) off the event loop and send them as documents."""
    forum = await _require(update, context, data.int_arg(0))
    code, period_code, fmt = data.arg(1), data.arg(2), data.arg(3)
    if fmt not in FORMATS:
        raise StaleAction()
    sources = _sources(code)
    period = _period(period_code, _today(context, forum))
    _once(update, context)
    lang = await language(update, context)
    what, when = what_label(code, lang), period_label(period, sources, lang)
    await edit_or_reply(update, t("rep.building", lang, what=what, period=when))
    today = _today(context, forum)
    stem = file_stem(forum, sources, period)
    if WORKER.ahead:  # one file at a time: say it waits its turn
        await edit_or_reply(update, t("rep.queued", lang, what=what, period=when, ahead=WORKER.ahead))
    request = service.export_request(context.services, forum, code=code, period_code=period_code, today=today,
                                     fmt=fmt, stem=stem)
    result: ExportResult = await WORKER.run("export", request)
    years = _years(forum, period, today)
    if any(len(content) > SPLIT_ABOVE for _, content, _ in result.files) and len(years) > 1:
        # Too big for one Telegram file: the same export once per year, each a file of its own.
        await reply(update, t("rep.split_by_year", lang, first=years[0], last=years[-1]))
        rows = 0
        for year in years:
            part = resolve(custom_code(date(year, 1, 1), date(year, 12, 31)), today)
            yearly = replace(request, period_code=part.code, stem=file_stem(forum, sources, part))
            yearly_result: ExportResult = await WORKER.run("export", yearly)
            if any(n for _, n in yearly_result.tables if n):
                await _send_files(update, yearly_result, what, forum, str(year), lang)
            rows += sum(n for _, n in yearly_result.tables)
    else:
        await _send_files(update, result, what, forum, when, lang)
        rows = sum(n for _, n in result.tables)
    await edit_or_reply(update, t("rep.ready", lang, what=what, period=when))
    log.info("event=export forum=%s user=%s what=%s period=%s fmt=%s rows=%d", forum.id, user_of(update).id,
             code, period_code, fmt, rows)


def _years(forum: Forum, period: Period, today: date) -> list[int]:
    """The calendar years a period spans, from the forum's first year (an "all" export) up to
    next year (announced meetings), for splitting an export that is too big for one file."""
    first = period.start.year if period.start is not None else forum.created_at.year
    last = min(period.end.year, today.year + 1)
    return list(range(first, last + 1))


async def _send_files(update: Update, result: ExportResult, what: str, forum: Forum, when: str, lang: str) -> None:
    counts = "\n".join(str(t("rep.count_line", lang, table=name, rows=rows)) for name, rows in result.tables)
    chat = update.effective_chat
    assert chat is not None
    for name, content, table_names in result.files:
        if len(content) > MAX_UPLOAD:
            await reply(update, t("rep.too_big", lang, size=f"{len(content) / 1024 / 1024:.0f}"))
            continue
        shown = counts if len(result.files) == 1 else "\n".join(
            str(t("rep.count_line", lang, table=tname, rows=rows)) for tname, rows in result.tables
            if tname in table_names)
        caption = t("rep.caption", lang, what=what, forum=forum.name, period=when, counts=shown)
        await chat.send_document(document=content, filename=name, caption=caption[:1024], parse_mode="HTML")


def _once(update: Update, context: BotContext) -> None:
    """A second press on the same format message (double tap) builds nothing twice.

    Presses of one user are handled one after another, so the check cannot race.
    """
    query = update.callback_query
    if query is None or query.message is None or context.user_data is None:
        return
    built: list[int] = context.user_data.setdefault("rep_built", [])
    message_id = query.message.message_id
    if message_id in built:
        raise Conflict()
    built.append(message_id)
    del built[:-20]


# -- /laporan --------------------------------------------------------------------------------
@command_handler
async def report_command(update: Update, context: BotContext) -> None:
    """This month's report so far, with buttons to the months before."""
    if await private_only(update, context, "laporan"):
        await run_in_forum(update, context, "laporan")


@forum_action("laporan", Action.EXPORT)
async def show_this_month(update: Update, context: BotContext, forum: Forum) -> None:
    await send_report(update, context, forum, _today(context, forum).replace(day=1))


@button_handler
async def on_month(update: Update, context: BotContext, data: CallbackData) -> None:
    forum = await _require(update, context, data.int_arg(0))
    raw = data.arg(1)
    if not re.fullmatch(r"\d{6}", raw):
        raise StaleAction()
    month = date(int(raw[:4]), int(raw[4:]), 1)
    if month > _today(context, forum) or month.year < 2000:
        raise StaleAction()
    await send_report(update, context, forum, month)


async def send_report(update: Update, context: BotContext, forum: Forum, month: date) -> None:
    """The numbers as text with month buttons, then the chart as a photo."""
    lang = await language(update, context)
    chat = update.effective_chat
    assert chat is not None
    report = await service.monthly(context.services, forum, month)
    pngs = await service.charts(report, lang)
    previous = add_months(month, -1)
    nav = [(str(t("rep.prev", lang, month=month_title(previous, lang))),
            encode(FEATURE, "m", forum.id, f"{previous:%Y%m}"))]
    following = add_months(month, 1)
    if following <= _today(context, forum):
        nav.append((str(t("rep.next", lang, month=month_title(following, lang))),
                    encode(FEATURE, "m", forum.id, f"{following:%Y%m}")))
    caption = t("rep.chart_caption", lang, forum=forum.name, month=month_title(month, lang))
    if len(pngs) == 1:
        await chat.send_photo(photo=pngs[0], caption=caption, parse_mode="HTML")
    else:  # several pages go as one album, captioned on its first photo
        await chat.send_media_group([InputMediaPhoto(png, caption=caption if i == 0 else None, parse_mode="HTML")
                                     for i, png in enumerate(pngs)])
    await reply(update, report_text(report, lang), [nav])


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("ekspor", export_command))
    app.add_handler(CommandHandler("laporan", report_command))
    buttons = {"w": on_what, "p": on_period, "c": on_custom, "f": on_format, "m": on_month}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
    forms.register_form(FORM, on_input, reprompt)
