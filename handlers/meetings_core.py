"""How meetings read on a phone and what they push: announcements, RSVP tallies, reminders, changes.

Used by the meeting handlers and by the planner. Every push goes through the outbox inside the
caller's transaction, with idempotency keys under `meeting:<id>:`:

    meeting:<id>:announce:group | :announce:u<uid>       the announcement (group / private)
    meeting:<id>:rem:v<version>:u<uid>:r<revision>:<code> a reminder (cancelled by RSVP change
                                                          per user, by reschedule/cancel per meeting)
    meeting:<id>:tally:<epoch>                            a coalesced edit of the group tally
    meeting:<id>:change:v<version>:u<uid> | :group        "what changed" notices
    meeting:<id>:att:v<version>:u<uid>                    "record attendance" prompt to koordinator
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.callbacks import encode
from bot.meetings.rules import DEFAULT_REMINDERS as BUILTIN_REMINDERS
from bot.meetings.rules import (
    HOST_NOTICE_BEFORE,
    TALLY_EDIT_EVERY,
    Answer,
    Tally,
    clean_codes,
    reminder_plan,
    tally,
)
from bot.render import short_kabupaten
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_datetime, format_time, zone_label
from storage import outbox
from storage.meetings import Meeting, MeetingRepo, Rsvp
from storage.models import Forum, MemberInForum, Region
from storage.timeutil import to_db

log = logging.getLogger(__name__)

FEATURE = "m"
ANSWER_CODES: dict[str, Answer] = {"y": "yes", "n": "no", "m": "maybe"}
CODE_OF: dict[str, str] = {v: k for k, v in ANSWER_CODES.items()}
ICONS = {"yes": "✅", "no": "❌", "maybe": "🤔"}


def repo(services: Services) -> MeetingRepo:
    return MeetingRepo(services.db)


# -- reading -----------------------------------------------------------------------------------
async def village_label(services: Services, code: str | None) -> str:
    """'Desa Sidasari, Kec. Cipari' (plain text) for a village code."""
    if not code:
        return ""
    region = await services.regions.get(code)
    if region is None:
        return code
    return region_label(region)


def region_label(region: Region) -> str:
    parts = [region.name]
    if region.kecamatan:
        parts.append(f"Kec. {region.kecamatan}")
    if region.kabupaten:
        parts.append(short_kabupaten(region.kabupaten))
    return ", ".join(parts)


async def place_text(services: Services, meeting: Meeting, lang: str) -> Html:
    if meeting.place_kind == "village":
        place = t("meet.place.village", lang, village=await village_label(services, meeting.host_village_code))
        if meeting.address:
            place = Html(f"{place}\n{t('meet.place.address_extra', lang, address=meeting.address)}")
        return place
    if meeting.place_kind == "address":
        return t("meet.place.address", lang, address=meeting.address or "")
    if meeting.place_kind == "location":
        return t("meet.place.location", lang, lat=f"{meeting.latitude:.5f}", lon=f"{meeting.longitude:.5f}",
                 address=meeting.address or "")
    if meeting.place_kind == "online":
        return t("meet.place.online", lang, url=meeting.online_url or "")
    return t("meet.place.none", lang)


def duration_text(minutes: int, lang: str) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return str(t("meet.duration.hm", lang, h=hours, m=rest))
    if hours:
        return str(t("meet.duration.h", lang, h=hours))
    return str(t("meet.duration.m", lang, m=rest))


def when_text(meeting: Meeting, lang: str) -> str:
    zone = meeting.zone
    end = format_time(meeting.ends_at, zone, lang)
    return f"{format_datetime(meeting.starts_at, zone, lang)} – {end}"


async def card(services: Services, meeting: Meeting, lang: str, *, forum: Forum | None = None,
               with_agenda: bool = True) -> Html:
    """The meeting as a message: title, time, place, agenda, limits."""
    lines = [str(t("meet.card.title", lang, title=meeting.title))]
    if meeting.cancelled:
        lines.insert(0, str(t("meet.card.cancelled", lang)))
    if forum is not None:
        lines.append(str(t("meet.card.forum", lang, forum=forum.name)))
    lines.append(str(t("meet.card.when", lang, when=when_text(meeting, lang))))
    lines.append(str(t("meet.card.where", lang, place=await place_text(services, meeting, lang))))
    if meeting.series_id is not None:
        series = await repo(services).series(meeting.series_id)
        if series is not None:
            from bot.recurrence import describe

            lines.append(str(t("meet.card.series", lang, rule=describe(rule_of(series.rule), lang),
                               seq=meeting.seq or 1)))
    if with_agenda and meeting.agenda:
        lines.append(str(t("meet.card.agenda", lang)))
        lines += [str(t("meet.card.agenda_item", lang, n=i, item=item)) for i, item in enumerate(meeting.agenda, 1)]
    if meeting.documents:
        lines.append(str(t("meet.card.documents", lang, count=len(meeting.documents))))
    if meeting.max_attendees:
        lines.append(str(t("meet.card.max", lang, max=meeting.max_attendees)))
    if meeting.rsvp_deadline:
        lines.append(str(t("meet.card.deadline", lang,
                           when=format_datetime(meeting.rsvp_deadline, meeting.zone, lang))))
    return Html("\n".join(lines))


def rule_of(data: dict[str, Any]) -> Any:
    from datetime import date as _date

    from bot.recurrence import Recurrence

    fields = dict(data)
    if fields.get("until"):
        fields["until"] = _date.fromisoformat(fields["until"])
    return Recurrence(**fields)


def tally_line(counts: Tally, lang: str) -> Html:
    return t("meet.tally", lang, yes=counts.yes, people=counts.people, maybe=counts.maybe, no=counts.no,
             pending=counts.pending)


def rsvp_rows(meeting_id: int, lang: str, *, extras: bool = True) -> list[list[tuple[str, str]]]:
    rows = [[(str(t("meet.btn.yes", lang)), encode(FEATURE, "r", meeting_id, "y")),
             (str(t("meet.btn.no", lang)), encode(FEATURE, "r", meeting_id, "n")),
             (str(t("meet.btn.maybe", lang)), encode(FEATURE, "r", meeting_id, "m"))]]
    if extras:
        rows.append([(str(t("meet.btn.who", lang)), encode(FEATURE, "who", meeting_id)),
                     (str(t("meet.btn.ics", lang)), encode(FEATURE, "ics", meeting_id))])
    return rows


def invitee_ids(members: Sequence[MemberInForum]) -> list[int]:
    return [m.member.user_id for m in members if m.member.erased_at is None]


async def reminder_codes(services: Services, meeting: Meeting) -> list[str]:
    if meeting.reminders is not None:
        return clean_codes(meeting.reminders)
    forum_codes = await repo(services).forum_reminders(meeting.forum_id)
    return clean_codes(forum_codes if forum_codes is not None else BUILTIN_REMINDERS)


def _payload(text: str, rows: list[list[tuple[str, str]]] | None, **extra: Any) -> dict[str, Any]:
    """The outbox payload of a text push, as `outbox.enqueue` writes it."""
    payload: dict[str, Any] = {**extra, "text": text, "parse_mode": "HTML"}
    if rows:
        payload["reply_markup"] = outbox.inline_keyboard(rows)
    return payload


async def group_text(services: Services, meeting: Meeting, forum: Forum, counts: Tally) -> Html:
    lang = forum.language
    head = t("meet.announce.group_head", lang) if not meeting.cancelled else Html("")
    body = await card(services, meeting, lang)
    return Html(f"{head}{body}\n\n{tally_line(counts, lang)}")


# -- announcing ----------------------------------------------------------------------------------
@dataclass
class Context:
    """What a push needs besides the connection: services, the forum, its members, now."""

    services: Services
    forum: Forum
    members: list[MemberInForum]
    now: datetime


async def push_context(services: Services, forum_id: int) -> Context:
    forum = await services.forums.get(forum_id)
    assert forum is not None
    return Context(services, forum, await services.members.in_forum(forum_id), services.clock.now())


async def announce(conn: aiosqlite.Connection, ctx: Context, meeting: Meeting) -> None:
    """Announce in the group (meetings topic) and privately to every member; plan reminders."""
    services, forum, now = ctx.services, ctx.forum, ctx.now
    rsvps = await MeetingRepo.rsvps_in(conn, meeting.id)
    answers = {r.user_id: (r.answer, r.party_size) for r in rsvps}
    counts = tally(answers, invitee_ids(ctx.members))
    if forum.group_chat_id is not None:
        thread = await services.forums.topic(forum.id, "meetings")
        text = await group_text(services, meeting, forum, counts)
        await outbox.enqueue(conn, key=f"meeting:{meeting.id}:announce:group", chat_id=forum.group_chat_id,
                             thread_id=thread, text=text, reply_markup=outbox.inline_keyboard(
                                 rsvp_rows(meeting.id, forum.language)),
                             due_at=now, now=now, expires_at=meeting.starts_at, forum_id=forum.id,
                             params={"link_preview_options": {"is_disabled": True}})
        for index, document in enumerate(meeting.documents):
            method = "sendPhoto" if document.get("kind") == "photo" else "sendDocument"
            field = "photo" if method == "sendPhoto" else "document"
            await outbox.enqueue(conn, key=f"meeting:{meeting.id}:doc:{index}:group", chat_id=forum.group_chat_id,
                                 thread_id=thread, method=method, params={field: document["file_id"]},
                                 text=str(t("meet.doc_caption", forum.language, title=meeting.title)),
                                 due_at=now, now=now, expires_at=meeting.starts_at, forum_id=forum.id)
    own = {r.user_id: r for r in rsvps}
    codes = await reminder_codes(services, meeting)
    for entry in ctx.members:
        member = entry.member
        if member.erased_at is not None:
            continue
        lang = member.language
        text = Html(f"{t('meet.announce.private_head', lang, forum=forum.name)}"
                    f"{await card(services, meeting, lang)}\n\n{t('meet.announce.ask', lang)}")
        await outbox.enqueue(conn, key=f"meeting:{meeting.id}:announce:u{member.user_id}", chat_id=member.user_id,
                             member_user_id=member.user_id, forum_id=forum.id, text=text,
                             reply_markup=outbox.inline_keyboard(rsvp_rows(meeting.id, lang)),
                             due_at=now, now=now, expires_at=meeting.starts_at, priority=outbox.Priority.BULK,
                             params={"link_preview_options": {"is_disabled": True}})
        answer = own.get(member.user_id)
        await plan_reminders(conn, services, meeting, entry, answer, codes, now)
    await plan_attendance_prompt(conn, services, meeting, now)
    await MeetingRepo.update(conn, meeting.id, now, announced_at=now,
                             tally_queued=meeting.tally_version)
    if meeting.host_village_code and meeting.series_id is not None \
            and meeting.starts_at - HOST_NOTICE_BEFORE <= now and meeting.host_notified_at is None:
        await notify_host(conn, ctx, meeting)
    log.info("event=meeting_announced meeting=%s forum=%s members=%d", meeting.id, forum.id, len(ctx.members))


async def plan_reminders(conn: aiosqlite.Connection, services: Services, meeting: Meeting, entry: MemberInForum,
                         answer: Rsvp | None, codes: Sequence[str], now: datetime) -> int:
    """Queue one member's reminders for their current answer (the caller cancelled the old ones)."""
    member = entry.member
    lang = member.language
    revision = answer.revision if answer else 0
    planned = reminder_plan(meeting.starts_at, codes, answer.answer if answer else None, now)
    for code, due in planned:
        pending = answer is None
        key = f"meeting:{meeting.id}:rem:v{meeting.version}:u{member.user_id}:r{revision}:{code}"
        text = Html(f"{t('meet.remind.pending' if pending else 'meet.remind.coming', lang, title=meeting.title, when=when_text(meeting, lang))}"
                    f"\n{t('meet.card.where', lang, place=await place_text(services, meeting, lang))}")
        if answer is not None:
            text = Html(f"{text}\n{t('meet.remind.your_answer', lang, answer=t('meet.answer.' + answer.answer, lang))}")
        rows = rsvp_rows(meeting.id, lang, extras=not pending)
        await outbox.enqueue(conn, key=key, chat_id=member.user_id, member_user_id=member.user_id,
                             forum_id=meeting.forum_id, text=text, reply_markup=outbox.inline_keyboard(rows),
                             due_at=due, now=now, expires_at=meeting.starts_at, priority=outbox.Priority.REMINDER)
    return len(planned)


async def replan_member(conn: aiosqlite.Connection, services: Services, meeting: Meeting, entry: MemberInForum,
                        answer: Rsvp | None, now: datetime) -> None:
    await outbox.cancel_prefix(conn, f"meeting:{meeting.id}:rem:v{meeting.version}:u{entry.member.user_id}:")
    await plan_reminders(conn, services, meeting, entry, answer, await reminder_codes(services, meeting), now)


async def plan_attendance_prompt(conn: aiosqlite.Connection, services: Services, meeting: Meeting,
                                 now: datetime) -> None:
    """Ask the koordinators to record attendance when the meeting ends."""
    for koordinator in await services.members.coordinators(meeting.forum_id):
        lang = koordinator.language
        await outbox.enqueue(
            conn, key=f"meeting:{meeting.id}:att:v{meeting.version}:u{koordinator.user_id}",
            chat_id=koordinator.user_id, member_user_id=koordinator.user_id, forum_id=meeting.forum_id,
            text=str(t("meet.att.prompt", lang, title=meeting.title)),
            reply_markup=outbox.inline_keyboard([
                [(str(t("meet.btn.attendance", lang)), encode(FEATURE, "att", meeting.id))],
                [(str(t("meet.btn.minutes", lang)), encode(FEATURE, "min", meeting.id))]]),
            due_at=max(meeting.ends_at, now), now=now, priority=outbox.Priority.REMINDER,
            expires_at=meeting.ends_at + timedelta(days=30))


async def notify_host(conn: aiosqlite.Connection, ctx: Context, meeting: Meeting) -> None:
    """Tell the kades of the host village that it is their turn, with a swap button."""
    services, now = ctx.services, ctx.now
    village = await village_label(services, meeting.host_village_code)
    for entry in ctx.members:
        if entry.member.village_code != meeting.host_village_code or entry.member.erased_at is not None:
            continue
        lang = entry.member.language
        await outbox.enqueue(
            conn, key=f"meeting:{meeting.id}:host:{meeting.host_village_code}:u{entry.member.user_id}",
            chat_id=entry.member.user_id, member_user_id=entry.member.user_id, forum_id=meeting.forum_id,
            text=str(t("meet.host.notice", lang, village=village, title=meeting.title,
                       when=when_text(meeting, lang))),
            reply_markup=outbox.inline_keyboard([[(str(t("meet.btn.host_ok", lang)), encode(FEATURE, "hok", meeting.id)),
                                                  (str(t("meet.btn.host_swap", lang)), encode(FEATURE, "hsw", meeting.id))]]),
            due_at=now, now=now, expires_at=meeting.starts_at, priority=outbox.Priority.REMINDER)
    await MeetingRepo.update(conn, meeting.id, now, host_notified_at=now)


# -- the group tally -----------------------------------------------------------------------------
async def queue_tally(conn: aiosqlite.Connection, services: Services, meeting_id: int,
                      members: Sequence[MemberInForum], now: datetime) -> None:
    """Bring the group announcement's tally up to date: at most one edit per TALLY_EDIT_EVERY.

    If an edit is waiting (due later), its text is replaced (coalescing). Otherwise a new edit is
    queued no sooner than the interval after the last one. While the announcement itself has not
    been sent, nothing is queued: the next answer or the planner catches up once it has.
    """
    meeting = await MeetingRepo.get_in(conn, meeting_id)
    forum = await services.forums.get(meeting.forum_id) if meeting else None
    if meeting is None or forum is None or forum.group_chat_id is None or meeting.tally_version <= meeting.tally_queued:
        return
    rsvps = await MeetingRepo.rsvps_in(conn, meeting.id)
    counts = tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, invitee_ids(members))
    text = str(await group_text(services, meeting, forum, counts))
    rows = None if meeting.cancelled else rsvp_rows(meeting.id, forum.language)
    preview = {"link_preview_options": {"is_disabled": True}}
    announce_key = f"meeting:{meeting.id}:announce:group"
    status = await MeetingRepo.outbox_status(conn, announce_key)
    if status is None:
        return
    if status != "sent":
        return
    sent = await MeetingRepo.sent_message_in(conn, announce_key)
    if sent is None:
        return  # in flight or failed; the planner looks again
    chat_id, _, message_id = sent
    payload = _payload(text, rows, message_id=message_id, **preview)
    if meeting.tally_edit_due is not None:
        waiting = f"meeting:{meeting.id}:tally:{int(meeting.tally_edit_due.timestamp())}"
        if await MeetingRepo.replace_pending_payload(conn, waiting, payload, now):
            await MeetingRepo.update(conn, meeting.id, now, tally_queued=meeting.tally_version)
            return
    due = now if meeting.tally_edit_due is None else max(now, meeting.tally_edit_due + TALLY_EDIT_EVERY)
    await outbox.enqueue(conn, key=f"meeting:{meeting.id}:tally:{int(due.timestamp())}", chat_id=chat_id,
                         method="editMessageText", text=text, params={"message_id": message_id, **preview},
                         reply_markup=outbox.inline_keyboard(rows) if rows else None,
                         due_at=due, now=now, forum_id=forum.id, expires_at=meeting.ends_at + timedelta(days=1))
    await MeetingRepo.update(conn, meeting.id, now, tally_queued=meeting.tally_version, tally_edit_due=due)


# -- changes ---------------------------------------------------------------------------------------
async def notify_change(conn: aiosqlite.Connection, ctx: Context, meeting: Meeting, changes: Sequence[str],
                        *, cancelled: bool = False, reason: str | None = None) -> None:
    """Tell everyone invited (members and anyone who answered) what changed; group too."""
    services, forum, now = ctx.services, ctx.forum, ctx.now
    rsvps = await MeetingRepo.rsvps_in(conn, meeting.id)
    recipients: dict[int, str] = {e.member.user_id: e.member.language for e in ctx.members
                                  if e.member.erased_at is None}
    for r in rsvps:
        if r.user_id not in recipients:
            member = await services.members.get(r.user_id)
            if member is not None and member.erased_at is None:
                recipients[r.user_id] = member.language
    tag = "cancel" if cancelled else f"change:v{meeting.version}:{int(now.timestamp())}"

    def render(lang: str) -> str:
        if cancelled:
            head = t("meet.cancel.notice", lang, title=meeting.title, when=when_text(meeting, lang))
            if reason:
                head = Html(f"{head}\n{t('meet.cancel.reason', lang, reason=reason)}")
            return str(head)
        lines = [str(t("meet.change.notice", lang, title=meeting.title))]
        lines += [str(t(f"meet.change.{c}", lang)) for c in changes]
        lines.append(str(t("meet.card.when", lang, when=when_text(meeting, lang))))
        return "\n".join(lines)

    for user_id, lang in recipients.items():
        own = next((r for r in rsvps if r.user_id == user_id), None)
        text = render(lang)
        rows = None
        if not cancelled:
            rows = rsvp_rows(meeting.id, lang)
            if own is not None:
                text += "\n" + str(t("meet.remind.your_answer", lang, answer=t("meet.answer." + own.answer, lang)))
        await outbox.enqueue(conn, key=f"meeting:{meeting.id}:{tag}:u{user_id}", chat_id=user_id,
                             member_user_id=user_id, forum_id=forum.id, text=text,
                             reply_markup=outbox.inline_keyboard(rows) if rows else None,
                             due_at=now, now=now, expires_at=meeting.ends_at, urgent=cancelled)
    if forum.group_chat_id is not None:
        thread = await services.forums.topic(forum.id, "meetings")
        await outbox.enqueue(conn, key=f"meeting:{meeting.id}:{tag}:group", chat_id=forum.group_chat_id,
                             thread_id=thread, forum_id=forum.id, text=render(forum.language),
                             due_at=now, now=now, expires_at=meeting.ends_at)


async def replan_all(conn: aiosqlite.Connection, ctx: Context, meeting: Meeting) -> None:
    """After a reschedule (version bumped): drop every old reminder, plan them anew from the answers."""
    services, now = ctx.services, ctx.now
    await outbox.cancel_prefix(conn, f"meeting:{meeting.id}:rem:")
    await outbox.cancel_prefix(conn, f"meeting:{meeting.id}:att:")
    rsvps = {r.user_id: r for r in await MeetingRepo.rsvps_in(conn, meeting.id)}
    codes = await reminder_codes(services, meeting)
    if meeting.announced_at is not None and not meeting.cancelled:
        for entry in ctx.members:
            if entry.member.erased_at is None:
                await plan_reminders(conn, services, meeting, entry, rsvps.get(entry.member.user_id), codes, now)
        await plan_attendance_prompt(conn, services, meeting, now)


async def mark_tally_dirty(conn: aiosqlite.Connection, meeting_id: int) -> None:
    await MeetingRepo.bump_tally(conn, meeting_id)


# -- the planner -----------------------------------------------------------------------------------
async def plan_meetings(services: Services, now: datetime) -> None:
    """Recurring work computed from the meetings: announce the next occurrence of each series when
    the previous one has started, tell next hosts ahead, and catch up group tallies."""
    meetings = repo(services)
    for meeting in await meetings.unannounced_due(now):
        ctx = await push_context(services, meeting.forum_id)
        async with services.db.transaction() as conn:
            fresh = await MeetingRepo.get_in(conn, meeting.id)
            if fresh is not None and fresh.announced_at is None and fresh.status == "scheduled":
                await announce(conn, ctx, fresh)
    for meeting in await meetings.host_notice_due(now, HOST_NOTICE_BEFORE):
        if meeting.announced_at is None:
            continue
        ctx = await push_context(services, meeting.forum_id)
        async with services.db.transaction() as conn:
            fresh = await MeetingRepo.get_in(conn, meeting.id)
            if fresh is not None and fresh.host_notified_at is None:
                await notify_host(conn, ctx, fresh)
    for meeting in await meetings.stale_tallies(now):
        members = await services.members.in_forum(meeting.forum_id)
        async with services.db.transaction() as conn:
            await queue_tally(conn, services, meeting.id, members, now)


def zone_name(meeting: Meeting) -> str:
    return zone_label(meeting.zone)


def stamp(now: datetime) -> str:
    return to_db(now) or ""
