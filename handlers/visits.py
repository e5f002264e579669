"""/kunjungan: kunjungan kerja (work visit) requests, answers, reminders, reports.

The rules live in bot.visits (pure); this module asks, checks, writes and tells:
- request form (host, purpose, bidang, 2-3 dates, people, message, confirm) -> host gets the card
  with Terima (one button per date) / Usulkan tanggal lain / Tolak;
- every transition is a compare-and-set in one transaction with the outbox rows that tell the
  other side, cancel the old nudges and schedule the new reminders;
- cross-forum rule: a request is allowed only when requester and host are active members of at
  least one common forum (the visit is filed under the lowest-id common forum);
- after the visit: the visitor writes a short report that one tap publishes (publish_report_as_post),
  the host may add a note.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import bidang
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import Conflict, InvalidInput, KadesError, NotAMember, NotFound, StaleAction
from bot.numbers_id import count_from_text
from bot.permissions import Action, allowed
from bot.render import date_problem, jabatan_label, short_kabupaten
from bot.services import Services
from bot.texts import Html, t, t_plain
from bot.timefmt import format_date, format_date_short, zone_for_region
from bot.visits import rules
from handlers import forms
from handlers.common import (
    Button,
    button_handler,
    command_handler,
    edit_or_reply,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from handlers.members import member_zone
from storage import outbox
from storage.directory import DirectoryRepo, DirectoryVillage
from storage.models import Draft, Forum, Region
from storage.visits import VisitRepo, VisitReport, VisitRow

log = logging.getLogger(__name__)

FEATURE = "v"
REQUEST = "visit"
PROPOSE = "vdates"
REASON = "vreason"
REPORT = "vreport"
NOTE = "vnote"
MAX_PURPOSE = 500
MIN_PURPOSE = 5
MAX_MESSAGE = 1000
MAX_REPORT_PART = 1500
MAX_NOTE = 1000
MAX_PHOTOS = 5
MAX_BIDANG = 3
REMINDER_HOUR = time(8, 0)
AFTER_HOUR = time(9, 0)
LIST_LIMIT = 8


def visits(context: BotContext | Services) -> VisitRepo:
    services = context if isinstance(context, Services) else context.services
    return VisitRepo(services.db)


def directory(context: BotContext) -> DirectoryRepo:
    return DirectoryRepo(context.services.db)


def visit_zone(row_or_village: VisitRow | str) -> ZoneInfo:
    """The visit happens in the host village: its zone decides 'today', H-7 and H-1."""
    code = row_or_village.host_village if isinstance(row_or_village, VisitRow) else row_or_village
    return zone_for_region(code)


def today_at(services: Services, zone: ZoneInfo) -> date:
    return services.clock.now().astimezone(zone).date()


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


# -- rendering ---------------------------------------------------------------------------------
def _area(region: Region | None) -> str:
    if region is None:
        return "-"
    return f"{region.name} (Kec. {region.kecamatan}, {short_kabupaten(region.kabupaten)})"


def _date_list(days: tuple[date, ...], lang: str) -> str:
    return "\n".join(f"• {format_date(d, lang)}" for d in days)


async def render_card(services: Services, row: VisitRow, lang: str) -> str:
    """The visit as a card: who, what, how many, dates, state."""
    requester = await services.members.get(row.requester_user_id)
    host = await services.members.get(row.host_user_id)
    from_region = await services.regions.get(row.requester_village)
    to_region = await services.regions.get(row.host_village)
    lines = [
        str(t("visit.card_title", lang, id=row.id)),
        str(t("visit.card_from", lang, village=_area(from_region), name=requester.full_name if requester else "-",
              jabatan=jabatan_label(requester.jabatan, lang) if requester else "")),
        str(t("visit.card_to", lang, village=_area(to_region), name=host.full_name if host else "-")),
        str(t("visit.card_purpose", lang, purpose=row.purpose)),
        str(t("visit.card_bidang", lang, bidang=bidang.labels(row.bidang, lang))),
        str(t("visit.card_people", lang, people=row.people)),
    ]
    if row.message:
        lines.append(str(t("visit.card_message", lang, message=row.message)))
    if row.state in rules.OPEN:
        key = "visit.card_dates_from_host" if row.awaiting == "requester" else "visit.card_dates"
        lines.append(str(t(key, lang)) + "\n" + _date_list(row.proposed_dates, lang))
    elif row.visit_date is not None:
        lines.append(str(t("visit.card_date", lang, date=format_date(row.visit_date, lang))))
    lines.append(str(t("visit.card_state", lang, state=t(f"visit.state.{row.state}", lang))))
    if row.reason and row.state in ("ditolak", "dibatalkan"):
        lines.append(str(t("visit.card_reason", lang, reason=row.reason)))
    if row.host_note:
        lines.append(str(t("visit.card_host_note", lang, note=row.host_note)))
    return "\n".join(lines)


def action_rows(row: VisitRow, viewer: int, today: date, lang: str,
                report: VisitReport | None = None) -> list[list[Button]]:
    """The buttons this person may press on this visit now (hiding is not checking: presses are checked)."""
    v = row.rules_view()
    rows: list[list[Button]] = []
    if rules.may(v, viewer, "accept", today):
        for day in row.proposed_dates:
            if day > today:
                rows.append([(str(t("visit.btn_accept", lang, date=format_date_short(day, lang))),
                              encode(FEATURE, "acc", row.id, row.round, day.strftime("%Y%m%d")))])
    if rules.may(v, viewer, "propose", today):
        rows.append([(str(t("visit.btn_propose", lang)), encode(FEATURE, "prop", row.id, row.round))])
    if rules.may(v, viewer, "reject", today):
        rows.append([(str(t("visit.btn_reject", lang)), encode(FEATURE, "rej", row.id))])
    if rules.may(v, viewer, "cancel", today):
        key = "visit.btn_withdraw" if row.state in rules.OPEN else "visit.btn_cancel"
        rows.append([(str(t(key, lang)), encode(FEATURE, "can", row.id))])
    if rules.may(v, viewer, "complete", today):
        rows.append([(str(t("visit.btn_done", lang)), encode(FEATURE, "done", row.id))])
    after_visit = row.state == "selesai" or (row.state == "diterima" and row.visit_date is not None
                                             and today >= row.visit_date)
    if after_visit and viewer == row.requester_user_id and report is None:
        rows.append([(str(t("visit.btn_report", lang)), encode(FEATURE, "rep", row.id))])
    if report is not None and report.published_at is None and viewer == row.requester_user_id:
        rows.append([(str(t("visit.btn_publish", lang)), encode(FEATURE, "pub", row.id))])
    if after_visit and viewer == row.host_user_id:
        rows.append([(str(t("visit.btn_note", lang)), encode(FEATURE, "note", row.id))])
    return rows


async def _lang_of(services: Services, user_id: int) -> str:
    member = await services.members.get(user_id)
    return member.language if member else "id"


# -- access ------------------------------------------------------------------------------------
async def shared_forum_id(services: Services, requester: int, host: int) -> int | None:
    """The lowest-id forum where both are active members and the requester may request visits."""
    mine = {m.forum_id: m for m in await services.members.memberships_of(requester)}
    theirs = {m.forum_id for m in await services.members.memberships_of(host)}
    common = sorted(fid for fid in mine.keys() & theirs if allowed(mine[fid].role, Action.REQUEST_VISIT))
    return common[0] if common else None


async def _require_member(services: Services, user_id: int) -> None:
    if not await services.members.memberships_of(user_id):
        raise NotAMember("err.not_member_any")


async def load_for_party(services: Services, visit_id: int, user_id: int) -> VisitRow:
    """The visit, if this person is one of its two sides and still an active forum member."""
    row = await visits(services).get(visit_id)
    if row is None:
        raise NotFound()
    if user_id not in (row.requester_user_id, row.host_user_id):
        raise rules.NotAParty()
    # Membership of the visit's own forum, not of any forum: leaving it ends the right to act on it.
    await services.access.member_in(row.forum_id, user_id)
    return row


# -- transitions -------------------------------------------------------------------------------
async def _enqueue_card(conn: aiosqlite.Connection, services: Services, row: VisitRow, recipient: int, *,
                        key: str, headline: str, due_at: datetime, now: datetime,
                        priority: outbox.Priority = outbox.Priority.INTERACTIVE, with_card: bool = True,
                        expires_at: datetime | None = None, today: date | None = None) -> None:
    """Queue a private message to one side: a headline, the card, and their buttons."""
    lang = await _lang_of(services, recipient)
    text = headline
    if with_card:
        text += "\n\n" + await render_card(services, row, lang)
    report = await visits(services).report(row.id)
    day = today if today is not None else due_at.astimezone(visit_zone(row)).date()
    rows = action_rows(row, recipient, day, lang, report)
    await outbox.enqueue(conn, key=key, chat_id=recipient, member_user_id=recipient, forum_id=row.forum_id,
                         text=text, reply_markup=outbox.inline_keyboard(rows) if rows else None,
                         due_at=due_at, now=now, priority=priority, expires_at=expires_at)


async def _schedule_waiting(conn: aiosqlite.Connection, services: Services, row: VisitRow, now: datetime) -> None:
    """An open turn: nudge the side that must answer after 3 days (once), tell the other after 7."""
    assert row.awaiting is not None
    waiting_on = row.user_of_side(row.awaiting)
    other_user = row.user_of_side(rules.other(row.awaiting))
    other_village = await services.regions.get(row.host_village if row.awaiting == "host" else row.requester_village)
    name = other_village.name if other_village else "-"
    lang = await _lang_of(services, waiting_on)
    await _enqueue_card(conn, services, row, waiting_on, key=f"visit:{row.id}:r{row.round}:nudge",
                        headline=str(t("visit.nudge", lang, id=row.id, village=name)),
                        due_at=now + rules.NUDGE_AFTER, now=now, priority=outbox.Priority.REMINDER)
    lang = await _lang_of(services, other_user)
    waiting_village = await services.regions.get(row.host_village if row.awaiting == "host"
                                                 else row.requester_village)
    await _enqueue_card(conn, services, row, other_user, key=f"visit:{row.id}:r{row.round}:wait",
                        headline=str(t("visit.no_answer", lang, id=row.id,
                                       village=waiting_village.name if waiting_village else "-")),
                        due_at=now + rules.WAITING_NOTICE_AFTER, now=now, priority=outbox.Priority.REMINDER,
                        with_card=False)


async def _schedule_accepted(conn: aiosqlite.Connection, services: Services, row: VisitRow, now: datetime) -> None:
    """H-7 and H-1 reminders to both sides, and the after-visit prompts (report, host note)."""
    assert row.visit_date is not None
    zone = visit_zone(row)
    end_of_day = local_moment(row.visit_date + timedelta(days=1), time(0, 0), zone)
    to_region = await services.regions.get(row.host_village)
    from_region = await services.regions.get(row.requester_village)
    for label, days in rules.REMINDER_OFFSETS:
        due = local_moment(row.visit_date - timedelta(days=days), REMINDER_HOUR, zone)
        if due <= now:
            continue
        for user_id in (row.requester_user_id, row.host_user_id):
            lang = await _lang_of(services, user_id)
            key = "visit.reminder_guest" if user_id == row.requester_user_id else "visit.reminder_host"
            other = from_region if user_id == row.host_user_id else to_region
            headline = str(t(key, lang, id=row.id, when=t(f"visit.when_{label.replace('-', '')}", lang),
                             date=format_date(row.visit_date, lang), village=other.name if other else "-",
                             people=row.people))
            await _enqueue_card(conn, services, row, user_id, key=f"visit:{row.id}:rem:{label}:{user_id}",
                                headline=headline, due_at=due, now=now, priority=outbox.Priority.REMINDER,
                                expires_at=end_of_day, with_card=False, today=row.visit_date - timedelta(days=days))
    after = local_moment(row.visit_date + timedelta(days=1), AFTER_HOUR, zone)
    expires = after + timedelta(days=30)
    done_view = row.model_copy(update={"state": "selesai"})
    lang = await _lang_of(services, row.requester_user_id)
    await _enqueue_card(conn, services, done_view, row.requester_user_id, key=f"visit:{row.id}:after:report",
                        headline=str(t("visit.ask_report", lang, id=row.id,
                                       village=to_region.name if to_region else "-")),
                        due_at=after, now=now, priority=outbox.Priority.REMINDER, expires_at=expires,
                        with_card=False, today=row.visit_date + timedelta(days=1))
    lang = await _lang_of(services, row.host_user_id)
    await _enqueue_card(conn, services, done_view, row.host_user_id, key=f"visit:{row.id}:after:note",
                        headline=str(t("visit.ask_note", lang, id=row.id,
                                       village=from_region.name if from_region else "-")),
                        due_at=after, now=now, priority=outbox.Priority.REMINDER, expires_at=expires,
                        with_card=False, today=row.visit_date + timedelta(days=1))


async def transition(services: Services, row: VisitRow, step: rules.Transition, actor: int, *,
                     reason: str | None = None) -> VisitRow:
    """Write one transition with its notifications, nudges and reminders; Conflict if it crossed another."""
    now = services.clock.now()
    after = step.after
    updates: dict[str, Any] = {"state": after.state, "awaiting": after.awaiting, "proposed_dates": after.proposed,
                               "round": after.round, "visit_date": after.visit_date, "version": row.version + 1}
    if reason is not None:
        updates["reason"] = reason
    new_row = row.model_copy(update=updates)
    recipient = row.user_of_side(step.notify)
    actor_village = await services.regions.get(row.host_village if step.actor == "host" else row.requester_village)
    rlang = await _lang_of(services, recipient)
    headline = str(t(f"visit.notify_{step.event}", rlang, id=row.id,
                     village=actor_village.name if actor_village else "-",
                     date=format_date(after.visit_date, rlang) if after.visit_date else "",
                     reason=reason or ""))
    async with services.db.transaction() as conn:
        if not await visits(services).apply(conn, row, step, actor=actor, now=now, reason=reason):
            raise Conflict("visit.err.changed")
        await outbox.cancel_prefix(conn, f"visit:{row.id}:r{row.round}:")
        if after.state in ("dibatalkan", "ditolak"):
            await outbox.cancel_prefix(conn, f"visit:{row.id}:rem:")
            await outbox.cancel_prefix(conn, f"visit:{row.id}:after:")
        if step.event == "complete":
            await outbox.cancel_prefix(conn, f"visit:{row.id}:rem:")
        await _enqueue_card(conn, services, new_row, recipient,
                            key=f"visit:{row.id}:v{new_row.version}:{step.event}:to:{recipient}",
                            headline=headline, due_at=now, now=now)
        if after.state in rules.OPEN:
            await _schedule_waiting(conn, services, new_row, now)
        if step.event == "accept":
            await _schedule_accepted(conn, services, new_row, now)
    services.delivery.wake()
    log.info("event=visit_%s visit=%s actor=%s state=%s", step.event, row.id, actor, after.state)
    return new_row


async def _show_after(update: Update, context: BotContext, row: VisitRow, key: str, **params: Any) -> None:
    """Replace the pressed card with the new state and this person's remaining buttons."""
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    report = await visits(services).report(row.id)
    text = str(t(key, lang, **params)) + "\n\n" + await render_card(services, row, lang)
    await edit_or_reply(update, text, action_rows(row, user.id, today_at(services, visit_zone(row)), lang, report))


# -- /kunjungan --------------------------------------------------------------------------------
def _line(row: VisitRow, names: dict[str, str], lang: str) -> str:
    day = row.visit_date or (row.proposed_dates[0] if row.proposed_dates else None)
    when = format_date_short(day, lang) if day else "-"
    if row.state in rules.OPEN and row.visit_date is None and row.proposed_dates:
        when = "? " + when
    return str(t("visit.list_line", lang, id=row.id, origin=names.get(row.requester_village, "-"),
                 host=names.get(row.host_village, "-"), bidang=bidang.labels(row.bidang[:1], lang), when=when,
                 state=t(f"visit.state.{row.state}", lang)))


async def _names(services: Services, rows: list[VisitRow]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        for code in (row.requester_village, row.host_village):
            if code not in out:
                region = await services.regions.get(code)
                out[code] = region.name if region else code
    return out


@command_handler
async def list_visits(update: Update, context: BotContext) -> None:
    """The user's visits: waiting for them, incoming, outgoing, upcoming, past; and a new-request button."""
    services = context.services
    lang = await language(update, context)
    if not await private_only(update, context, "kunjungan"):
        return
    user = user_of(update)
    await _require_member(services, user.id)
    rows = await visits(services).of_user(user.id)
    names = await _names(services, rows)
    sections: dict[str, list[VisitRow]] = {"incoming": [], "outgoing": [], "upcoming": [], "past": []}
    for row in rows:
        today = today_at(services, visit_zone(row))
        if row.state in rules.OPEN:
            sections["incoming" if row.host_user_id == user.id else "outgoing"].append(row)
        elif row.state == "diterima" and row.visit_date is not None and row.visit_date >= today:
            sections["upcoming"].append(row)
        else:
            sections["past"].append(row)
    sections["upcoming"].sort(key=lambda r: (r.visit_date or date.max, r.id))
    parts = [str(t("visit.list_title", lang))]
    buttons: list[list[Button]] = []
    for name, items in sections.items():
        if not items:
            continue
        parts.append(str(t(f"visit.list_{name}", lang, count=len(items))))
        for row in items[:LIST_LIMIT]:
            line = _line(row, names, lang)
            if row.state in rules.OPEN and row.awaiting == row.rules_view().side_of(user.id):
                line = "👉 " + line
            parts.append(line)
            if name != "past" or len(buttons) < LIST_LIMIT * 2:
                buttons.append([(str(t("visit.btn_show", lang, id=row.id,
                                       village=names.get(row.host_village if row.requester_user_id == user.id
                                                         else row.requester_village, "-"))),
                                 encode(FEATURE, "show", row.id))])
    if not rows:
        parts.append(str(t("visit.list_empty", lang)))
    buttons = buttons[:12]
    buttons.append([(str(t("visit.btn_new", lang)), encode(FEATURE, "new"))])
    if await services.access.forums_for(user.id, Action.VIEW_ALL_VISITS):
        buttons.append([(str(t("visit.btn_forum_summary", lang)), encode(FEATURE, "all"))])
    await reply(update, "\n".join(parts), buttons)


@button_handler
async def on_show(update: Update, context: BotContext, data: CallbackData) -> None:
    """One visit's card: to its two sides with their buttons, to the forum's staff read-only."""
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    row = await visits(services).get(data.int_arg(0))
    if row is None:
        raise NotFound()
    if user.id in (row.requester_user_id, row.host_user_id):
        await _require_member(services, user.id)
        report = await visits(services).report(row.id)
        rows = action_rows(row, user.id, today_at(services, visit_zone(row)), lang, report)
    else:
        await services.access.require(row.forum_id, user.id, Action.VIEW_ALL_VISITS)
        rows = []
    text = await render_card(services, row, lang)
    report = await visits(services).report(row.id)
    if report is not None:
        text += "\n\n" + str(t("visit.report_block", lang, learned=report.learned, apply=report.will_apply))
    await reply(update, text, rows)


@button_handler
async def on_forum_summary(update: Update, context: BotContext, data: CallbackData) -> None:
    await run_in_forum(update, context, "visits_all")


@forum_action("visits_all", Action.VIEW_ALL_VISITS)
async def show_forum_visits(update: Update, context: BotContext, forum: Forum) -> None:
    """For koordinator and pendamping: all visits between the forum's villages, summarised."""
    services = context.services
    lang = await language(update, context)
    rows = await visits(services).between_forum_members(forum.id)
    if not rows:
        await reply(update, t("visit.summary_empty", lang, forum=forum.name))
        return
    summary = VisitRepo.summarise(rows)
    names = await _names(services, rows)
    states = ", ".join(f"{t(f'visit.state_short.{s}', lang)} {n}" for s, n in
                       sorted(summary.by_state.items(), key=lambda kv: rules.STATES.index(kv[0])))  # type: ignore[arg-type]
    bidang_line = ", ".join(f"{bidang.bidang_label(code, lang)} ({n})" for code, n in summary.by_bidang[:6])
    hosts = "\n".join(str(t("visit.summary_host", lang, village=names.get(code, code), count=n))
                      for code, n in summary.top_hosts) or str(t("visit.summary_no_hosts", lang))
    parts = [str(t("visit.summary", lang, forum=forum.name, total=summary.total, states=states,
                   bidang=bidang_line or "-", hosts=Html(hosts))),
             str(t("visit.summary_recent", lang))]
    parts.extend(_line(row, names, lang) for row in rows[:15])
    await reply(update, "\n".join(parts))


# -- the request form --------------------------------------------------------------------------
async def _start_request(update: Update, context: BotContext, entry: DirectoryVillage) -> None:
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    if await shared_forum_id(services, user.id, entry.head_user_id) is None:
        raise KadesError("visit.err.no_shared_forum")
    existing = await visits(services).open_between(user.id, entry.village.code)
    if existing is not None:
        raise Conflict("visit.err.already_open", id=existing.id, village=entry.village.name)
    draft = await forms.begin(context, user.id, REQUEST, "purpose", {
        "host": entry.head_user_id, "host_village": entry.village.code, "host_name": entry.village.name,
    })
    await reply(update, t("visit.ask_purpose", lang, village=entry.village.name, max=MAX_PURPOSE))
    del draft


async def _directory_entry(context: BotContext, user_id: int, host_user_id: int) -> DirectoryVillage:
    for entry in await directory(context).villages_for(user_id):
        if entry.head_user_id == host_user_id:
            return entry
    # Not in any of the asker's forums (or no village): the cross-forum rule refuses it.
    raise KadesError("visit.err.no_shared_forum")


@button_handler
async def on_request_to(update: Update, context: BotContext, data: CallbackData) -> None:
    """'Ajukan kunjungan' from the directory: start the form with the host chosen."""
    user = user_of(update)
    await _require_member(context.services, user.id)
    member = await context.services.members.get(user.id)
    if member is None or not member.village_code:
        raise InvalidInput("dir.no_village")
    await _start_request(update, context, await _directory_entry(context, user.id, data.int_arg(0)))


@button_handler
async def on_new(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start a request by asking for the host village's name."""
    user = user_of(update)
    await _require_member(context.services, user.id)
    member = await context.services.members.get(user.id)
    if member is None or not member.village_code:
        raise InvalidInput("dir.no_village")
    await forms.begin(context, user.id, REQUEST, "host")
    await reply(update, t("visit.ask_host", await language(update, context)))


@button_handler
async def on_pick_host(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await forms.expect(context, user.id, REQUEST, "host")
    await _start_request(update, context, await _directory_entry(context, user.id, data.int_arg(0)))


def _bidang_picker(selected: list[str], lang: str) -> tuple[str, list[list[Button]]]:
    rows: list[list[Button]] = []
    row: list[Button] = []
    for b in bidang.BIDANG:
        mark = "✅ " if b.code in selected else ""
        row.append((f"{mark}{b.label(lang)}", encode(FEATURE, "bt", b.code)))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([(str(t("visit.btn_next", lang)), encode(FEATURE, "bok"))])
    chosen = bidang.labels(selected, lang)
    text = str(t("visit.ask_bidang", lang, max=MAX_BIDANG)) + "\n\n" + str(
        t("dir.selected", lang, labels=chosen) if chosen else t("dir.selected_none", lang))
    return text, rows


def _date_prompt(draft_dates: list[str], lang: str, *, minimum: int) -> tuple[str, list[list[Button]]]:
    n = len(draft_dates) + 1
    text = str(t("visit.ask_date", lang, n=n))
    if draft_dates:
        text = str(t("visit.dates_so_far", lang, dates=_date_list(tuple(date.fromisoformat(d) for d in draft_dates),
                                                                    lang))) + "\n\n" + text
    rows: list[list[Button]] = []
    if len(draft_dates) >= minimum:
        rows.append([(str(t("visit.btn_enough_dates", lang, count=len(draft_dates))), encode(FEATURE, "dok"))])
    return text, rows


async def _ask(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the request form's current question."""
    lang = await language(update, context)
    step = draft.step
    if step == "host":
        await reply(update, t("visit.ask_host", lang))
    elif step == "purpose":
        await reply(update, t("visit.ask_purpose", lang, village=draft.data.get("host_name", ""), max=MAX_PURPOSE))
    elif step == "bidang":
        text, rows = _bidang_picker(list(draft.data.get("bidang", [])), lang)
        await reply(update, text, rows)
    elif step == "date":
        text, rows = _date_prompt(list(draft.data.get("dates", [])), lang, minimum=rules.MIN_FIRST_DATES)
        await reply(update, text, rows)
    elif step == "people":
        await reply(update, t("visit.ask_people", lang, max=rules.MAX_PEOPLE))
    elif step == "message":
        await reply(update, t("visit.ask_message", lang, max=MAX_MESSAGE),
                    [[(str(t("core.skip", lang)), encode(FEATURE, "skip"))]])
    elif step == "confirm":
        await _confirm(update, context, draft)


async def _confirm(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    d = draft.data
    dates = tuple(date.fromisoformat(x) for x in d["dates"])
    text = str(t("visit.preview", lang, village=d["host_name"], purpose=d["purpose"],
                 bidang=bidang.labels(d["bidang"], lang), dates=_date_list(dates, lang), people=d["people"],
                 message=d.get("message") or "-"))
    rows = [[(str(t("visit.btn_send", lang)), encode(FEATURE, "send")),
             (str(t("core.cancel", lang)), encode(FEATURE, "quit"))]]
    await reply(update, text, rows)


def _text_of(update: Update) -> str | None:
    message = update.effective_message
    return message.text if message is not None and message.text else None


async def _read_date(update: Update, context: BotContext, text: str, existing: list[str], today: date) -> date | None:
    """Parse one typed date; tell the user why it cannot be used and return None."""
    lang = await language(update, context)
    user = user_of(update)
    member = await context.services.members.get(user.id)
    zone = member_zone(member.timezone if member else None, member.village_code if member else None)
    try:
        day = parse_date(text[:100], now=context.services.clock.now(), tz=zone)
        rules.check_date(day, today)
    except DateParseError as exc:
        if exc.reason in ("in_past", "invalid_date", "weekday_mismatch"):
            problem = date_problem(exc, "visit.date_")
            await reply(update, t(problem.message_key, lang, **problem.params))
        else:
            await reply(update, t("visit.date_unrecognised", lang))
        return None
    except KadesError as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return None
    if day.isoformat() in existing:
        await reply(update, t("visit.err.date_duplicate", lang))
        return None
    return day


async def on_request_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed answers of the request form."""
    lang = await language(update, context)
    user = user_of(update)
    text = _text_of(update)
    step = draft.step
    if step in ("bidang", "confirm"):
        await reply(update, t("bad.use_buttons", lang))
        return
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if step == "host":
        await _find_host(update, context, text)
        return
    if step == "purpose":
        if not MIN_PURPOSE <= len(text) <= MAX_PURPOSE:
            await reply(update, t("visit.bad_length", lang, min=MIN_PURPOSE, max=MAX_PURPOSE, length=len(text)))
            return
        draft = await forms.advance(context, draft, "bidang", purpose=text, bidang=[])
    elif step == "date":
        dates = list(draft.data.get("dates", []))
        today = today_at(context.services, visit_zone(str(draft.data["host_village"])))
        day = await _read_date(update, context, text, dates, today)
        if day is None:
            return
        dates.append(day.isoformat())
        draft = await forms.advance(context, draft, "date" if len(dates) < rules.MAX_DATES else "people",
                                    dates=sorted(dates))
    elif step == "people":
        try:
            people = rules.check_people(count_from_text(text) or -1)
        except KadesError as exc:
            await reply(update, t(exc.message_key, lang, **exc.params))
            return
        draft = await forms.advance(context, draft, "message", people=people)
    elif step == "message":
        if len(text) > MAX_MESSAGE:
            await reply(update, t("visit.bad_length", lang, min=1, max=MAX_MESSAGE, length=len(text)))
            return
        draft = await forms.advance(context, draft, "confirm", message=text)
    del user
    await _ask(update, context, draft)


async def _find_host(update: Update, context: BotContext, text: str) -> None:
    lang = await language(update, context)
    user = user_of(update)
    query = text.lower()[:60]
    entries = [e for e in await directory(context).villages_for(user.id)
               if query in e.village.name.lower() or query in (e.village.kecamatan or "").lower()]
    if len(query) < 3:
        await reply(update, t("bad.village_short", lang))
        return
    if not entries:
        await reply(update, t("visit.host_none", lang, query=text[:60]))
        return
    if len(entries) == 1:
        await _start_request(update, context, entries[0])
        return
    rows = [[(f"{e.village.name} — Kec. {e.village.kecamatan}"[:60], encode(FEATURE, "host", e.head_user_id))]
            for e in entries[:10]]
    await reply(update, t("visit.host_pick", lang), rows)


@button_handler
async def on_bidang_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    code = data.arg(0)
    if not bidang.is_code(code):
        raise StaleAction()
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "bidang")
    selected = list(draft.data.get("bidang", []))
    if code in selected:
        selected.remove(code)
    elif len(selected) >= MAX_BIDANG:
        raise InvalidInput("visit.err.bidang_max", max=MAX_BIDANG)
    else:
        selected.append(code)
    draft = await forms.advance(context, draft, "bidang", bidang=bidang.normalise(selected))
    text, rows = _bidang_picker(list(draft.data["bidang"]), await language(update, context))
    await edit_or_reply(update, text, rows)


@button_handler
async def on_bidang_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "bidang")
    if not draft.data.get("bidang"):
        raise InvalidInput("visit.err.bidang_none")
    draft = await forms.advance(context, draft, "date", dates=[])
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _ask(update, context, draft)


@button_handler
async def on_dates_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "date")
    if len(draft.data.get("dates", [])) < rules.MIN_FIRST_DATES:
        raise InvalidInput("visit.err.date_count", minimum=rules.MIN_FIRST_DATES, maximum=rules.MAX_DATES)
    draft = await forms.advance(context, draft, "people")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _ask(update, context, draft)


@button_handler
async def on_skip_message(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "message")
    draft = await forms.advance(context, draft, "confirm", message="")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _ask(update, context, draft)


@button_handler
async def on_quit(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow in (REQUEST, PROPOSE, REASON, REPORT, NOTE):
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


@button_handler
async def on_send(update: Update, context: BotContext, data: CallbackData) -> None:
    """Create the request and send it to the host (checks the shared-forum rule again)."""
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    draft = await forms.expect(context, user.id, REQUEST, "confirm")
    d = draft.data
    host_id = int(d["host"])
    host_village = str(d["host_village"])
    host = await services.members.get(host_id)
    forum_id = await shared_forum_id(services, user.id, host_id)
    if forum_id is None:
        await forms.finish(context, user.id)
        raise KadesError("visit.err.no_shared_forum")
    # Both villages are the ones approved in the shared forum, never the profiles' fields.
    requester_village = await services.access.village_of(forum_id, user.id)
    if not requester_village or host is None or await services.access.village_of(forum_id, host_id) != host_village:
        await forms.finish(context, user.id)
        raise StaleAction("visit.err.host_changed")
    existing = await visits(services).open_between(user.id, host_village)
    if existing is not None:
        await forms.finish(context, user.id)
        raise Conflict("visit.err.already_open", id=existing.id, village=d["host_name"])
    today = today_at(services, visit_zone(host_village))
    try:
        visit = rules.new_request(user.id, host_id, [date.fromisoformat(x) for x in d["dates"]], today)
    except InvalidInput:
        # A date passed while the form was open: ask for the dates again.
        await forms.advance(context, draft, "date", dates=[])
        raise
    now = services.clock.now()
    crossing = await visits(services).open_between(host_id, requester_village)
    async with services.db.transaction() as conn:
        visit_id = await visits(services).create(
            conn, forum_id=forum_id, requester_user_id=user.id, requester_village=requester_village,
            host_user_id=host_id, host_village=host_village, purpose=d["purpose"],
            bidang=bidang.normalise(d["bidang"]), people=int(d["people"]), message=d.get("message", ""),
            visit=visit, now=now,
        )
        await services.drafts.delete(conn, user.id)
        row = await _row_in(conn, visit_id)
        from_region = await services.regions.get(requester_village)
        hlang = host.language
        await _enqueue_card(conn, services, row, host_id, key=f"visit:{visit_id}:v1:request:to:{host_id}",
                            headline=str(t("visit.notify_request", hlang, id=visit_id,
                                           village=from_region.name if from_region else "-")),
                            due_at=now, now=now, today=today)
        await _schedule_waiting(conn, services, row, now)
    services.delivery.wake()
    log.info("event=visit_requested visit=%s forum=%s requester=%s host=%s", visit_id, forum_id, user.id, host_id)
    text = str(t("visit.sent", lang, id=visit_id, village=d["host_name"]))
    if crossing is not None:
        text += "\n\n" + str(t("visit.crossing", lang, id=crossing.id, village=d["host_name"]))
    await edit_or_reply(update, text)


async def _row_in(conn: aiosqlite.Connection, visit_id: int) -> VisitRow:
    """Read a visit inside the writing transaction (the reader would not see it yet)."""
    found = await VisitRepo.get_in(conn, visit_id)
    assert found is not None
    return found


# -- answering ---------------------------------------------------------------------------------
@button_handler
async def on_accept(update: Update, context: BotContext, data: CallbackData) -> None:
    """Fix one of the offered dates (the side whose turn it is)."""
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, data.int_arg(0), user.id)
    if row.state in rules.OPEN and row.round != data.int_arg(1):
        raise StaleAction("visit.err.old_proposal")
    day = data.date_arg(2, "%Y%m%d")
    step = rules.accept(row.rules_view(), user.id, day, today_at(services, visit_zone(row)))
    new_row = await transition(services, row, step, user.id)
    await _show_after(update, context, new_row, "visit.done_accept", date=format_date(day, await language(
        update, context)))


@button_handler
async def on_propose(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start proposing other dates (1-3)."""
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, data.int_arg(0), user.id)
    if row.state in rules.OPEN and row.round != data.int_arg(1):
        raise StaleAction("visit.err.old_proposal")
    rules.precheck(row.rules_view(), user.id, "propose")
    draft = await forms.begin(context, user.id, PROPOSE, "date", {"visit": row.id, "round": row.round, "dates": []})
    await _ask_proposal(update, context, draft)


async def _ask_proposal(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text, rows = _date_prompt(list(draft.data.get("dates", [])), lang, minimum=rules.MIN_COUNTER_DATES)
    if not draft.data.get("dates"):
        text = str(t("visit.ask_counter", lang, id=draft.data["visit"])) + "\n\n" + text
    rows = [[(label, encode(FEATURE, "psend")) for label, _ in row] for row in rows]
    rows.append([(str(t("core.cancel", lang)), encode(FEATURE, "quit"))])
    await reply(update, text, rows)


async def on_propose_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    row = await visits(context.services).get(int(draft.data["visit"]))
    if row is None:
        await forms.finish(context, draft.user_id)
        raise NotFound()
    dates = list(draft.data.get("dates", []))
    day = await _read_date(update, context, text.strip(), dates, today_at(context.services, visit_zone(row)))
    if day is None:
        return
    dates = sorted([*dates, day.isoformat()])
    draft = await forms.advance(context, draft, "date", dates=dates)
    if len(dates) >= rules.MAX_DATES:
        await _send_proposal(update, context, draft)
        return
    await _ask_proposal(update, context, draft)


@button_handler
async def on_propose_send(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, PROPOSE, "date")
    await _send_proposal(update, context, draft)


async def _send_proposal(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    user = user_of(update)
    await forms.finish(context, user.id)
    row = await load_for_party(services, int(draft.data["visit"]), user.id)
    if row.state in rules.OPEN and row.round != int(draft.data["round"]):
        raise Conflict("visit.err.changed")
    dates = [date.fromisoformat(x) for x in draft.data["dates"]]
    step = rules.propose(row.rules_view(), user.id, dates, today_at(services, visit_zone(row)))
    new_row = await transition(services, row, step, user.id)
    other_region = await services.regions.get(row.requester_village if step.actor == "host" else row.host_village)
    await _show_after(update, context, new_row, "visit.done_propose",
                      village=other_region.name if other_region else "-")


@button_handler
async def on_reject(update: Update, context: BotContext, data: CallbackData) -> None:
    await _ask_reason(update, context, data.int_arg(0), "reject")


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    await _ask_reason(update, context, data.int_arg(0), "cancel")


async def _ask_reason(update: Update, context: BotContext, visit_id: int, event: rules.Event) -> None:
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, visit_id, user.id)
    rules.precheck(row.rules_view(), user.id, event)
    await forms.begin(context, user.id, REASON, event, {"visit": row.id, "version": row.version})
    lang = await language(update, context)
    await reply(update, t(f"visit.ask_reason_{event}", lang, id=row.id, max=rules.MAX_REASON),
                [[(str(t("core.cancel", lang)), encode(FEATURE, "quit"))]])


async def on_reason_input(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    lang = await language(update, context)
    user = user_of(update)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    reason = text.strip()
    row = await load_for_party(services, int(draft.data["visit"]), user.id)
    view = row.rules_view()
    try:
        if draft.step == "reject":
            step = rules.reject(view, user.id, reason)
        else:
            step = rules.cancel(view, user.id, reason)
    except InvalidInput as exc:  # empty or too long: ask again, keep the form
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    except KadesError:
        await forms.finish(context, user.id)
        raise
    await forms.finish(context, user.id)
    new_row = await transition(services, row, step, user.id, reason=reason)
    report = await visits(services).report(row.id)
    text_out = str(t(f"visit.done_{step.event}", lang)) + "\n\n" + await render_card(services, new_row, lang)
    await reply(update, text_out, action_rows(new_row, user.id, today_at(services, visit_zone(row)), lang, report))


@button_handler
async def on_complete(update: Update, context: BotContext, data: CallbackData) -> None:
    """Mark the visit done (from its day on); the visitor is then asked for the report."""
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, data.int_arg(0), user.id)
    step = rules.complete(row.rules_view(), user.id, today_at(services, visit_zone(row)))
    new_row = await transition(services, row, step, user.id)
    await _show_after(update, context, new_row, "visit.done_complete")


async def _ensure_done(services: Services, row: VisitRow, user_id: int) -> VisitRow:
    """Writing a report or a note after the day means the visit happened: mark it done if needed."""
    if row.state == "selesai":
        return row
    if row.state != "diterima":
        raise rules.IllegalTransition(row.state, "complete")
    step = rules.complete(row.rules_view(), user_id, today_at(services, visit_zone(row)))
    return await transition(services, row, step, user_id)


# -- after the visit ---------------------------------------------------------------------------
@button_handler
async def on_report(update: Update, context: BotContext, data: CallbackData) -> None:
    """The visitor starts the short report: what was learned, what will be applied, photos."""
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, data.int_arg(0), user.id)
    if user.id != row.requester_user_id:
        raise rules.WrongSide("visit.err.only_guest_reports")
    if await visits(services).report(row.id) is not None:
        raise Conflict("visit.err.report_exists")
    await _ensure_done(services, row, user.id)
    await forms.begin(context, user.id, REPORT, "learned", {"visit": row.id, "photos": []})
    lang = await language(update, context)
    await reply(update, t("visit.ask_learned", lang, max=MAX_REPORT_PART))


async def on_report_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    message = update.effective_message
    if draft.step == "photos":
        if message is not None and message.photo:
            photos = list(draft.data.get("photos", []))
            if len(photos) >= MAX_PHOTOS:
                await reply(update, t("visit.photos_full", lang, max=MAX_PHOTOS),
                            [[(str(t("visit.btn_report_done", lang)), encode(FEATURE, "rdone"))]])
                return
            photos.append(message.photo[-1].file_id)
            await forms.advance(context, draft, "photos", photos=photos)
            await reply(update, t("visit.photo_saved", lang, count=len(photos), max=MAX_PHOTOS),
                        [[(str(t("visit.btn_report_done", lang)), encode(FEATURE, "rdone"))]])
            return
        await reply(update, t("visit.ask_photos", lang, max=MAX_PHOTOS),
                    [[(str(t("visit.btn_report_done", lang)), encode(FEATURE, "rdone"))]])
        return
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if not 3 <= len(text) <= MAX_REPORT_PART:
        await reply(update, t("visit.bad_length", lang, min=3, max=MAX_REPORT_PART, length=len(text)))
        return
    if draft.step == "learned":
        await forms.advance(context, draft, "apply", learned=text)
        await reply(update, t("visit.ask_apply", lang, max=MAX_REPORT_PART))
        return
    await forms.advance(context, draft, "photos", apply=text)
    await reply(update, t("visit.ask_photos", lang, max=MAX_PHOTOS),
                [[(str(t("visit.btn_report_done", lang)), encode(FEATURE, "rdone"))]])


@button_handler
async def on_report_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the report; offer to publish it as an experience post."""
    services = context.services
    user = user_of(update)
    draft = await forms.expect(context, user.id, REPORT, "photos")
    row = await load_for_party(services, int(draft.data["visit"]), user.id)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        await visits(services).save_report(conn, visit_id=row.id, author_user_id=user.id,
                                           learned=draft.data["learned"], will_apply=draft.data["apply"],
                                           photos=draft.data.get("photos", []), now=now)
        await services.drafts.delete(conn, user.id)
    log.info("event=visit_report_saved visit=%s", row.id)
    lang = await language(update, context)
    text = str(t("visit.report_saved", lang)) + "\n\n" + str(t("visit.report_block", lang,
                                                                 learned=draft.data["learned"],
                                                                 apply=draft.data["apply"]))
    await edit_or_reply(update, text, [[(str(t("visit.btn_publish", lang)), encode(FEATURE, "pub", row.id))]])


@button_handler
async def on_publish(update: Update, context: BotContext, data: CallbackData) -> None:
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    row = await load_for_party(services, data.int_arg(0), user.id)
    if user.id != row.requester_user_id:
        raise rules.WrongSide("visit.err.only_guest_reports")
    await publish_report_as_post(services, row.id)
    await edit_or_reply(update, t("visit.published", lang))


def _posts_create_function() -> Callable[..., Awaitable[int]] | None:
    """`handlers.posts.create_post` once the posts feature is installed (issue 6), else None."""
    try:
        module = importlib.import_module("handlers.posts")
    except ImportError:
        return None
    create = getattr(module, "create_post", None)
    return create if callable(create) else None


async def publish_report_as_post(services: Services, visit_id: int) -> int | None:
    """Turn a visit report into an experience-sharing post credited to both villages.

    With the posts feature installed this creates a post through `handlers.posts.create_post`
    (kind "pelajaran", the visit's first bidang, both villages credited, linked to the visit) and
    stores its id on the report. Without it (posts not on main yet) the report is published as a
    card in the forum's group (the "visits" topic if the group uses topics); `post_id` stays NULL.
    Photos are sent to the group after the card either way (create_post takes no attachments).
    A second publication is refused (Conflict); returns the post id or None.
    """
    repo = visits(services)
    row = await repo.get(visit_id)
    report = await repo.report(visit_id)
    if row is None or report is None:
        raise NotFound()
    if report.published_at is not None:
        raise Conflict("visit.err.already_published")
    forum = await services.forums.get(row.forum_id)
    if forum is None:
        raise NotFound()
    create_post = _posts_create_function()
    if create_post is None and forum.group_chat_id is None:
        raise KadesError("visit.err.no_group")
    thread = await services.forums.topic(forum.id, "visits")
    lang = forum.language
    guest = await services.members.get(row.requester_user_id)
    from_region = await services.regions.get(row.requester_village)
    to_region = await services.regions.get(row.host_village)
    text = str(t("visit.post", lang, origin=_area(from_region), host=_area(to_region),
                 date=format_date(row.visit_date, lang) if row.visit_date else "-",
                 bidang=bidang.labels(row.bidang, lang), author=guest.full_name if guest else "-",
                 purpose=row.purpose, learned=report.learned, apply=report.will_apply))
    if row.host_note:
        text += "\n\n" + str(t("visit.post_host_note", lang, village=to_region.name if to_region else "-",
                               note=row.host_note))
    if len(text) > 4096:
        text = text[:4000] + "…"
    now = services.clock.now()
    # Claim the publication first, so a double tap cannot create two posts.
    async with services.db.transaction() as conn:
        if not await repo.mark_published(conn, visit_id, now, None):
            raise Conflict("visit.err.already_published")
    post_id: int | None = None
    try:
        if create_post is not None:
            story = "\n\n".join(part for part in (
                t_plain("visit.post_story", lang, purpose=row.purpose, learned=report.learned,
                        apply=report.will_apply),
                t_plain("visit.post_host_note_plain", lang, village=to_region.name if to_region else "-",
                        note=row.host_note) if row.host_note else "",
            ) if part)
            post_id = await create_post(
                services, forum_id=forum.id, author_user_id=row.requester_user_id,
                title=t_plain("visit.post_title", lang, origin=from_region.name if from_region else "-",
                              host=to_region.name if to_region else "-"),
                bidang=row.bidang[0] if row.bidang else bidang.BIDANG[0].code, kind="pelajaran", story=story,
                credited_village_codes=[row.requester_village, row.host_village], link_type="visit",
                link_id=row.id, publish=True)
    except BaseException:
        async with services.db.transaction() as conn:
            await repo.unpublish(conn, visit_id)
        raise
    async with services.db.transaction() as conn:
        if post_id is not None:
            await repo.set_post_id(conn, visit_id, post_id)
        elif forum.group_chat_id is not None:
            await outbox.enqueue(conn, key=f"visit:{visit_id}:post", chat_id=forum.group_chat_id, thread_id=thread,
                                 forum_id=forum.id, text=text, due_at=now, now=now, priority=outbox.Priority.BULK)
        if forum.group_chat_id is not None:
            for index, file_id in enumerate(report.photos):
                await outbox.enqueue(conn, key=f"visit:{visit_id}:post:photo:{index}",
                                     chat_id=forum.group_chat_id, thread_id=thread, forum_id=forum.id,
                                     method="sendPhoto", params={"photo": file_id}, due_at=now, now=now,
                                     priority=outbox.Priority.BULK)
    services.delivery.wake()
    log.info("event=visit_report_published visit=%s forum=%s post=%s", visit_id, forum.id, post_id)
    return post_id


@button_handler
async def on_note(update: Update, context: BotContext, data: CallbackData) -> None:
    """The host adds a note about the visit (shown on the card and in the published report)."""
    services = context.services
    user = user_of(update)
    row = await load_for_party(services, data.int_arg(0), user.id)
    if user.id != row.host_user_id:
        raise rules.WrongSide("visit.err.only_host_notes")
    await _ensure_done(services, row, user.id)
    await forms.begin(context, user.id, NOTE, "note", {"visit": row.id})
    await reply(update, t("visit.ask_host_note", await language(update, context), max=MAX_NOTE))


async def on_note_input(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    lang = await language(update, context)
    user = user_of(update)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if not 3 <= len(text) <= MAX_NOTE:
        await reply(update, t("visit.bad_length", lang, min=3, max=MAX_NOTE, length=len(text)))
        return
    row = await load_for_party(services, int(draft.data["visit"]), user.id)
    now = services.clock.now()
    await visits(services).set_host_note(row.id, text, now)
    await forms.finish(context, user.id)
    host_region = await services.regions.get(row.host_village)
    glang = await _lang_of(services, row.requester_user_id)
    async with services.db.transaction() as conn:
        await outbox.enqueue(conn, key=f"visit:{row.id}:hostnote:{int(now.timestamp())}",
                             chat_id=row.requester_user_id, member_user_id=row.requester_user_id,
                             forum_id=row.forum_id, due_at=now, now=now,
                             text=t("visit.notify_host_note", glang, id=row.id,
                                    village=host_region.name if host_region else "-", note=text))
    services.delivery.wake()
    await reply(update, t("visit.note_saved", lang))


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.flow == REQUEST:
        await _ask(update, context, draft)
    elif draft.flow == PROPOSE:
        await _ask_proposal(update, context, draft)
    elif draft.flow == REASON:
        await reply(update, t(f"visit.ask_reason_{draft.step}", lang, id=draft.data["visit"], max=rules.MAX_REASON))
    elif draft.flow == REPORT:
        key = {"learned": "visit.ask_learned", "apply": "visit.ask_apply"}.get(draft.step, "visit.ask_photos")
        await reply(update, t(key, lang, max=MAX_PHOTOS if draft.step == "photos" else MAX_REPORT_PART))
    elif draft.flow == NOTE:
        await reply(update, t("visit.ask_host_note", lang, max=MAX_NOTE))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("kunjungan", list_visits))
    forms.register_form(REQUEST, on_request_input, reprompt)
    forms.register_form(PROPOSE, on_propose_input, reprompt)
    forms.register_form(REASON, on_reason_input, reprompt)
    forms.register_form(REPORT, on_report_input, reprompt)
    forms.register_form(NOTE, on_note_input, reprompt)
    buttons = {
        "to": on_request_to, "new": on_new, "host": on_pick_host, "bt": on_bidang_toggle, "bok": on_bidang_done,
        "dok": on_dates_done, "skip": on_skip_message, "quit": on_quit, "send": on_send, "show": on_show,
        "all": on_forum_summary, "acc": on_accept, "prop": on_propose, "psend": on_propose_send, "rej": on_reject,
        "can": on_cancel, "done": on_complete, "rep": on_report, "rdone": on_report_done, "pub": on_publish,
        "note": on_note,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
