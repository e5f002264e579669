"""/ekspor (tables as .xlsx or .csv), /laporan (the monthly report with a chart) and the
monthly digest planner. Only koordinator and pendamping of the forum; private chat only,
because the files and names are not for the whole group.

Callback data (prefix `r`), every press re-checks Action.EXPORT in the forum it names:
  r:w:<forum>:<src>                 what to export  -> ask the period
  r:p:<forum>:<src>:<period>        period chosen   -> ask the format
  r:c:<forum>:<src>                 type the dates  -> declared form "re" (bot/reports/forms.py)
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

from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import Conflict, StaleAction
from bot.periods import add_months
from bot.permissions import Action
from bot.reports import exports, service
from bot.reports.exports import ALL, Source
from bot.reports.forms import EXPORT_PERIOD, export_period, format_view, period_label, sources_of, what_label
from bot.reports.period import PRESETS, Period, custom_code, resolve
from bot.reports.summary import month_title, report_text
from bot.reports.worker import WORKER, ExportResult
from bot.texts import t
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
from handlers.forms import start_form
from handlers.forums import forum_action, run_in_forum
from storage.models import Draft, Forum

log = logging.getLogger(__name__)

FEATURE = "r"
# The hand-rolled typed-dates form's drafts (before the form engine) that may be in a database at
# upgrade. Remove after a release.
OLD_FLOW = "rep_export"
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


def _today(context: BotContext, forum: Forum) -> date:
    return context.services.clock.now().astimezone(forum_zone(forum)).date()


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
    sources = sources_of(code)
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
    sources_of(code)
    _period(period_code, _today(context, forum))
    await _ask_format(update, context, forum, code, period_code)


async def _ask_format(update: Update, context: BotContext, forum: Forum, code: str, period_code: str) -> None:
    lang = await language(update, context)
    view = format_view(forum.id, code, resolve(period_code, _today(context, forum)), lang)
    await edit_or_reply(update, view.text, [[(b.label, b.data or "") for b in row] for row in view.buttons])


@button_handler
async def on_custom(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start the form for typed dates (bot.reports.forms)."""
    forum = await _require(update, context, data.int_arg(0))
    code = data.arg(1)
    sources_of(code)
    await start_form(update, context, EXPORT_PERIOD, export_period(forum.id, user_of(update).id, code, forum.timezone))


async def on_old_draft(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed-dates form begun before the upgrade: drop it and say how to start again."""
    await forms.finish(context, draft.user_id)
    await reply(update, t("rep.form_outdated", await language(update, context)))


@button_handler
async def on_format(update: Update, context: BotContext, data: CallbackData) -> None:
    """Build the file(s) off the event loop and send them as documents."""
    forum = await _require(update, context, data.int_arg(0))
    code, period_code, fmt = data.arg(1), data.arg(2), data.arg(3)
    if fmt not in FORMATS:
        raise StaleAction()
    sources = sources_of(code)
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
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
    forms.register_form(OLD_FLOW, on_old_draft, on_old_draft)
