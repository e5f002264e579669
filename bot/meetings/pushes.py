"""What meetings push on their own: announcements, reminders, tallies, changes, and the planner.

Every push is an outbox row written in the caller's unit of work (`tx`), so a change and the
pushes it causes commit together. Idempotency keys live under `meeting:<id>:`:

    meeting:<id>:announce:group | :announce:u<uid>       the announcement (group / private)
    meeting:<id>:doc:<n>:group                            a document of the announcement
    meeting:<id>:rem:v<version>:u<uid>:r<revision>:<code> a reminder (cancelled by RSVP change
                                                          per user, by reschedule/cancel per meeting)
    meeting:<id>:tally:<epoch>                            a coalesced edit of the group tally
    meeting:<id>:change:v<version>:<epoch>:u<uid> | :group   "what changed" notices
    meeting:<id>:cancel:u<uid> | :group                   the cancellation notice
    meeting:<id>:att:v<version>:u<uid>                    "record attendance" prompt to koordinator
    meeting:<id>:host:<village>:u<uid>                    "your village hosts next" notice
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.meetings.loaders import meeting_info, reminder_codes, repo, village_label
from bot.meetings.rules import HOST_NOTICE_BEFORE, TALLY_EDIT_EVERY, Answer, reminder_plan, tally
from bot.meetings.views import (
    MeetingInfo,
    attendance_prompt,
    change_text,
    group_text,
    host_notice,
    private_announcement,
    reminder_text,
    rsvp_buttons,
    your_answer,
)
from bot.meetings.views_after import ActionLine, action_assigned, action_reminder, minutes_text, swap_request
from bot.services import Services
from bot.texts import t
from bot.view import View
from storage import outbox
from storage.meetings import HostSwap, Meeting, Rsvp
from storage.models import Forum, Member, MemberInForum
from storage.unit import Unit

log = logging.getLogger(__name__)

NO_PREVIEW = {"link_preview_options": {"is_disabled": True}}


# -- key builders ----------------------------------------------------------------------------------
def meeting_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def announce_key(meeting_id: int, user_id: int | None = None) -> str:
    """The group announcement (user_id None) or one member's private announcement."""
    return f"meeting:{meeting_id}:announce:" + ("group" if user_id is None else f"u{user_id}")


def document_key(meeting_id: int, index: int) -> str:
    return f"meeting:{meeting_id}:doc:{index}:group"


def reminders_prefix(meeting_id: int, version: int | None = None, user_id: int | None = None) -> str:
    """All reminders of a meeting, of one version of it, or of one member for that version."""
    prefix = f"meeting:{meeting_id}:rem:"
    if version is not None:
        prefix += f"v{version}:"
        if user_id is not None:
            prefix += f"u{user_id}:"
    return prefix


def reminder_key(meeting_id: int, version: int, user_id: int, revision: int, code: str) -> str:
    return f"{reminders_prefix(meeting_id, version, user_id)}r{revision}:{code}"


def tally_key(meeting_id: int, due: datetime) -> str:
    return f"meeting:{meeting_id}:tally:{int(due.timestamp())}"


def change_tag(meeting: Meeting, now: datetime, *, cancelled: bool) -> str:
    return "cancel" if cancelled else f"change:v{meeting.version}:{int(now.timestamp())}"


def notice_key(meeting_id: int, tag: str, user_id: int | None = None) -> str:
    """A change/cancel notice to one person or (user_id None) to the group."""
    return f"meeting:{meeting_id}:{tag}:" + ("group" if user_id is None else f"u{user_id}")


def attendance_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:att:"


def attendance_key(meeting_id: int, version: int, user_id: int) -> str:
    return f"{attendance_prefix(meeting_id)}v{version}:u{user_id}"


def host_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:host:"


def host_key(meeting_id: int, village: str, user_id: int) -> str:
    return f"{host_prefix(meeting_id)}{village}:u{user_id}"


def minutes_key(meeting_id: int, stamp: int, user_id: int | None = None) -> str:
    return f"meeting:{meeting_id}:minutes:{stamp}:" + ("group" if user_id is None else f"u{user_id}")


def action_key(action_id: int, what: str) -> str:
    """`assigned`, or `due:<h3|h1|h0>` for the reminders before the due date."""
    return f"maction:{action_id}:{what}"


def action_done_prefix(action_id: int) -> str:
    """The due reminders of an action item (cancelled when it is done)."""
    return f"maction:{action_id}:due:"


def swap_key(swap_id: int, what: str) -> str:
    """`req:u<uid>` (the request to the other village) or `result` (the answer to the asker)."""
    return f"mswap:{swap_id}:{what}"


# -- what a push needs -----------------------------------------------------------------------------
@dataclass
class Context:
    """What pushes need besides the unit of work: services, the forum, its members, now."""

    services: Services
    forum: Forum
    members: list[MemberInForum]
    now: datetime


async def push_context(services: Services, forum_id: int) -> Context:
    forum = await services.forums.get(forum_id)
    assert forum is not None
    return Context(services, forum, await services.members.in_forum(forum_id), services.clock.now())


def invitee_ids(members: Sequence[MemberInForum]) -> list[int]:
    return [m.member.user_id for m in members if m.member.erased_at is None]


def _markup(view_or_rows: View | Any) -> dict[str, Any] | None:
    view = view_or_rows if isinstance(view_or_rows, View) else View("", view_or_rows)
    return view.bot_api_markup()


# -- announcing ------------------------------------------------------------------------------------
async def announce(tx: Unit, ctx: Context, meeting: Meeting) -> None:
    """Announce in the group (meetings topic) and privately to every member; plan reminders."""
    services, forum, now = ctx.services, ctx.forum, ctx.now
    info = await meeting_info(services, meeting, tx.meetings)
    rsvps = await tx.meetings.rsvps(meeting.id)
    counts = tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, invitee_ids(ctx.members))
    if forum.group_chat_id is not None:
        thread = await services.forums.topic(forum.id, "meetings")
        await outbox.enqueue(tx.conn, key=announce_key(meeting.id), chat_id=forum.group_chat_id,
                             thread_id=thread, text=group_text(info, forum.language, counts),
                             reply_markup=_markup(rsvp_buttons(meeting.id, forum.language)),
                             due_at=now, now=now, expires_at=meeting.starts_at, forum_id=forum.id, params=NO_PREVIEW)
        for index, document in enumerate(meeting.documents):
            method = "sendPhoto" if document.get("kind") == "photo" else "sendDocument"
            field = "photo" if method == "sendPhoto" else "document"
            await outbox.enqueue(tx.conn, key=document_key(meeting.id, index), chat_id=forum.group_chat_id,
                                 thread_id=thread, method=method, params={field: document["file_id"]},
                                 text=str(t("meet.doc_caption", forum.language, title=meeting.title)),
                                 due_at=now, now=now, expires_at=meeting.starts_at, forum_id=forum.id)
    own = {r.user_id: r for r in rsvps}
    codes = await reminder_codes(tx.meetings, meeting)
    rendered = Rendered(info)
    for entry in ctx.members:
        member = entry.member
        if member.erased_at is not None:
            continue
        text, markup = rendered.announcement(member.language, forum.name)
        await outbox.enqueue(tx.conn, key=announce_key(meeting.id, member.user_id), chat_id=member.user_id,
                             member_user_id=member.user_id, forum_id=forum.id, text=text, reply_markup=markup,
                             due_at=now, now=now, expires_at=meeting.starts_at, priority=outbox.Priority.BULK,
                             params=NO_PREVIEW)
        await plan_reminders(tx, info, member, own.get(member.user_id), codes, now, rendered)
    await plan_attendance_prompt(tx, services, meeting, now)
    await tx.meetings.update(meeting.id, now, announced_at=now, tally_queued=meeting.tally_version)
    if meeting.host_village_code and meeting.series_id is not None \
            and meeting.starts_at - HOST_NOTICE_BEFORE <= now and meeting.host_notified_at is None:
        await notify_host(tx, ctx, meeting)
    log.info("event=meeting_announced meeting=%s forum=%s members=%d", meeting.id, forum.id, len(ctx.members))


class Rendered:
    """Texts and buttons of one meeting's pushes per language (and answer), rendered once for a
    whole forum: a national forum has 3,000 members but two languages."""

    def __init__(self, info: MeetingInfo) -> None:
        self.info = info
        self._cache: dict[tuple[str, str, str | None], tuple[str, dict[str, Any] | None]] = {}

    def _get(self, what: str, lang: str, answer: Answer | None, render: Any) -> tuple[str, dict[str, Any] | None]:
        key = (what, lang, answer)
        if key not in self._cache:
            self._cache[key] = render()
        return self._cache[key]

    def reminder(self, lang: str, answer: Answer | None) -> tuple[str, dict[str, Any] | None]:
        return self._get("reminder", lang, answer, lambda: (
            reminder_text(self.info, lang, answer),
            _markup(rsvp_buttons(self.info.meeting.id, lang, extras=answer is not None))))

    def announcement(self, lang: str, forum_name: str) -> tuple[str, dict[str, Any] | None]:
        return self._get("announce", lang, None, lambda: (
            private_announcement(self.info, lang, forum_name), _markup(rsvp_buttons(self.info.meeting.id, lang))))


async def plan_reminders(tx: Unit, info: MeetingInfo, member: Member, answer: Rsvp | None,
                         codes: Sequence[str], now: datetime, rendered: Rendered | None = None) -> int:
    """Queue one member's reminders for their current answer (the caller cancelled the old ones)."""
    meeting = info.meeting
    lang = member.language
    revision = answer.revision if answer else 0
    planned = reminder_plan(meeting.starts_at, codes, answer.answer if answer else None, now)
    text, markup = (rendered or Rendered(info)).reminder(lang, answer.answer if answer else None)
    for code, due in planned:
        await outbox.enqueue(tx.conn, key=reminder_key(meeting.id, meeting.version, member.user_id, revision, code),
                             chat_id=member.user_id, member_user_id=member.user_id, forum_id=meeting.forum_id,
                             text=text, reply_markup=markup, due_at=due, now=now, expires_at=meeting.starts_at,
                             priority=outbox.Priority.REMINDER)
    return len(planned)


async def replan_member(tx: Unit, services: Services, meeting: Meeting, member: Member,
                        answer: Rsvp | None, now: datetime) -> None:
    """After one member's answer changed: their old reminders go, new ones follow the answer."""
    await outbox.cancel_prefix(tx.conn, reminders_prefix(meeting.id, meeting.version, member.user_id))
    info = await meeting_info(services, meeting, tx.meetings)
    await plan_reminders(tx, info, member, answer, await reminder_codes(tx.meetings, meeting), now)


async def plan_attendance_prompt(tx: Unit, services: Services, meeting: Meeting, now: datetime) -> None:
    """Ask the koordinators to record attendance when the meeting ends."""
    for koordinator in await services.members.coordinators(meeting.forum_id):
        view = attendance_prompt(meeting, koordinator.language)
        await outbox.enqueue(
            tx.conn, key=attendance_key(meeting.id, meeting.version, koordinator.user_id),
            chat_id=koordinator.user_id, member_user_id=koordinator.user_id, forum_id=meeting.forum_id,
            text=view.text, reply_markup=view.bot_api_markup(),
            due_at=max(meeting.ends_at, now), now=now, priority=outbox.Priority.REMINDER,
            expires_at=meeting.ends_at + timedelta(days=30))


async def notify_host(tx: Unit, ctx: Context, meeting: Meeting) -> None:
    """Tell the kades of the host village that it is their turn, with a swap button."""
    services, now = ctx.services, ctx.now
    village = await village_label(services, meeting.host_village_code)
    for entry in ctx.members:
        if entry.member.village_code != meeting.host_village_code or entry.member.erased_at is not None:
            continue
        view = host_notice(meeting, village, entry.member.language)
        await outbox.enqueue(
            tx.conn, key=host_key(meeting.id, meeting.host_village_code or "", entry.member.user_id),
            chat_id=entry.member.user_id, member_user_id=entry.member.user_id, forum_id=meeting.forum_id,
            text=view.text, reply_markup=view.bot_api_markup(),
            due_at=now, now=now, expires_at=meeting.starts_at, priority=outbox.Priority.REMINDER)
    await tx.meetings.update(meeting.id, now, host_notified_at=now)


# -- the group tally -------------------------------------------------------------------------------
async def queue_tally(tx: Unit, services: Services, meeting_id: int, members: Sequence[MemberInForum],
                      now: datetime) -> None:
    """Bring the group announcement's tally up to date: at most one edit per TALLY_EDIT_EVERY.

    If an edit is waiting (due later), its text is replaced (coalescing). Otherwise a new edit is
    queued no sooner than the interval after the last one. While the announcement itself has not
    been sent, nothing is queued: the next answer or the planner catches up once it has.
    """
    await queue_tally_of(tx, services, meeting_id, invitee_ids(members), now)


async def queue_tally_of(tx: Unit, services: Services, meeting_id: int, invited: Sequence[int],
                         now: datetime) -> None:
    """`queue_tally` with the invited members' ids (the RSVP path reads only those)."""
    meeting = await tx.meetings.get(meeting_id)
    forum = await services.forums.get(meeting.forum_id) if meeting else None
    if meeting is None or forum is None or forum.group_chat_id is None or meeting.tally_version <= meeting.tally_queued:
        return
    if await tx.meetings.outbox_status(announce_key(meeting.id)) != "sent":
        return
    sent = await tx.meetings.sent_message(announce_key(meeting.id))
    if sent is None:
        return  # in flight or failed; the planner looks again
    chat_id, _, message_id = sent
    rsvps = await tx.meetings.rsvps(meeting.id)
    counts = tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, list(invited))
    info = await meeting_info(services, meeting, tx.meetings)
    text = str(group_text(info, forum.language, counts))
    markup = None if meeting.cancelled else _markup(rsvp_buttons(meeting.id, forum.language))
    if meeting.tally_edit_due is not None:
        # The payload as `outbox.enqueue` writes it, so the dispatcher cannot tell the difference.
        payload: dict[str, Any] = {"message_id": message_id, **NO_PREVIEW, "text": text, "parse_mode": "HTML"}
        if markup:
            payload["reply_markup"] = markup
        if await tx.meetings.replace_pending_payload(tally_key(meeting.id, meeting.tally_edit_due), payload, now):
            await tx.meetings.update(meeting.id, now, tally_queued=meeting.tally_version)
            return
    due = now if meeting.tally_edit_due is None else max(now, meeting.tally_edit_due + TALLY_EDIT_EVERY)
    await outbox.enqueue(tx.conn, key=tally_key(meeting.id, due), chat_id=chat_id,
                         method="editMessageText", text=text, params={"message_id": message_id, **NO_PREVIEW},
                         reply_markup=markup, due_at=due, now=now, forum_id=forum.id,
                         expires_at=meeting.ends_at + timedelta(days=1))
    await tx.meetings.update(meeting.id, now, tally_queued=meeting.tally_version, tally_edit_due=due)


# -- changes ---------------------------------------------------------------------------------------
async def notify_change(tx: Unit, ctx: Context, meeting: Meeting, changes: Sequence[str],
                        *, cancelled: bool = False, reason: str | None = None) -> None:
    """Tell everyone invited (members and anyone who answered) what changed; group too."""
    services, forum, now = ctx.services, ctx.forum, ctx.now
    rsvps = await tx.meetings.rsvps(meeting.id)
    recipients: dict[int, str] = {e.member.user_id: e.member.language for e in ctx.members
                                  if e.member.erased_at is None}
    for r in rsvps:
        if r.user_id not in recipients:
            member = await services.members.get(r.user_id)
            if member is not None and member.erased_at is None:
                recipients[r.user_id] = member.language
    tag = change_tag(meeting, now, cancelled=cancelled)
    own = {r.user_id: r for r in rsvps}
    for user_id, lang in recipients.items():
        text = change_text(meeting, lang, list(changes), cancelled=cancelled, reason=reason)
        markup = None
        if not cancelled:
            markup = _markup(rsvp_buttons(meeting.id, lang))
            if user_id in own:
                text += "\n" + str(your_answer(own[user_id].answer, lang))
        await outbox.enqueue(tx.conn, key=notice_key(meeting.id, tag, user_id), chat_id=user_id,
                             member_user_id=user_id, forum_id=forum.id, text=text, reply_markup=markup,
                             due_at=now, now=now, expires_at=meeting.ends_at, urgent=cancelled)
    if forum.group_chat_id is not None:
        thread = await services.forums.topic(forum.id, "meetings")
        await outbox.enqueue(tx.conn, key=notice_key(meeting.id, tag), chat_id=forum.group_chat_id,
                             thread_id=thread, forum_id=forum.id,
                             text=change_text(meeting, forum.language, list(changes), cancelled=cancelled,
                                              reason=reason),
                             due_at=now, now=now, expires_at=meeting.ends_at)


async def replan_all(tx: Unit, ctx: Context, meeting: Meeting) -> None:
    """After a reschedule (version bumped): drop every old reminder, plan them anew from the answers."""
    services, now = ctx.services, ctx.now
    await outbox.cancel_prefix(tx.conn, reminders_prefix(meeting.id))
    await outbox.cancel_prefix(tx.conn, attendance_prefix(meeting.id))
    if meeting.announced_at is None or meeting.cancelled:
        return
    rsvps = {r.user_id: r for r in await tx.meetings.rsvps(meeting.id)}
    codes = await reminder_codes(tx.meetings, meeting)
    info = await meeting_info(services, meeting, tx.meetings)
    rendered = Rendered(info)
    for entry in ctx.members:
        if entry.member.erased_at is None:
            await plan_reminders(tx, info, entry.member, rsvps.get(entry.member.user_id), codes, now, rendered)
    await plan_attendance_prompt(tx, services, meeting, now)


# -- after the meeting: notulen, action items ------------------------------------------------------
async def post_minutes(tx: Unit, services: Services, meeting: Meeting, forum: Forum, members: Sequence[MemberInForum],
                       decisions: list[str], actions: Sequence[ActionLine], now: datetime) -> None:
    """The notulen to every member privately and to the group's meetings topic."""
    stamp = int(now.timestamp())
    names = {}
    for owner in {a[1] for a in actions}:
        member = await services.members.get(owner)
        if member is not None:
            names[owner] = member.full_name
    for entry in members:
        if entry.member.erased_at is not None:
            continue
        await outbox.enqueue(tx.conn, key=minutes_key(meeting.id, stamp, entry.member.user_id),
                             chat_id=entry.member.user_id, member_user_id=entry.member.user_id,
                             forum_id=forum.id, due_at=now, now=now, priority=outbox.Priority.BULK,
                             text=minutes_text(meeting.title, decisions, actions, names, entry.member.language))
    if forum.group_chat_id is not None:
        thread = await services.forums.topic(forum.id, "meetings")
        await outbox.enqueue(tx.conn, key=minutes_key(meeting.id, stamp), chat_id=forum.group_chat_id,
                             thread_id=thread, forum_id=forum.id, due_at=now, now=now,
                             text=minutes_text(meeting.title, decisions, actions, names, forum.language))


async def plan_action(tx: Unit, action_id: int, text: str, owner: Member, due: date, meeting: Meeting,
                      now: datetime) -> None:
    """Tell the owner now; remind at 09.00 (meeting's zone) H-3, H-1 and on the due day."""
    lang = owner.language
    view = action_assigned(action_id, text, meeting, due, lang)
    await outbox.enqueue(tx.conn, key=action_key(action_id, "assigned"), chat_id=owner.user_id,
                         member_user_id=owner.user_id, forum_id=meeting.forum_id, due_at=now, now=now,
                         reply_markup=view.bot_api_markup(), text=view.text)
    reminder = action_reminder(action_id, text, due, lang)
    for days, code in ((3, "h3"), (1, "h1"), (0, "h0")):
        at = datetime.combine(due - timedelta(days=days), time(9), tzinfo=meeting.zone)
        if at <= now:
            continue
        await outbox.enqueue(tx.conn, key=action_key(action_id, f"due:{code}"), chat_id=owner.user_id,
                             member_user_id=owner.user_id, forum_id=meeting.forum_id, due_at=at, now=now,
                             reply_markup=reminder.bot_api_markup(), priority=outbox.Priority.REMINDER,
                             expires_at=datetime.combine(due + timedelta(days=1), time(), tzinfo=meeting.zone),
                             text=reminder.text)


# -- host swaps ------------------------------------------------------------------------------------
async def swap_requests(tx: Unit, swap_id: int, meeting: Meeting, other: Meeting | None, village: str,
                        counterparts: Sequence[Member], now: datetime) -> None:
    """Ask the other village's kades (each of them) to agree to the swap."""
    for member in counterparts:
        view = swap_request(swap_id, meeting, other, village, member.language)
        await outbox.enqueue(tx.conn, key=swap_key(swap_id, f"req:u{member.user_id}"), chat_id=member.user_id,
                             member_user_id=member.user_id, forum_id=meeting.forum_id, text=view.text,
                             reply_markup=view.bot_api_markup(), due_at=now, now=now, expires_at=meeting.starts_at)


async def swap_result(tx: Unit, swap: HostSwap, meeting: Meeting, requester: Member, village: str, accept: bool,
                      now: datetime) -> None:
    """Tell the asker whether the other village agreed."""
    await outbox.enqueue(tx.conn, key=swap_key(swap.id, "result"), chat_id=requester.user_id,
                         member_user_id=requester.user_id, forum_id=meeting.forum_id, due_at=now, now=now,
                         text=str(t("meet.host.accepted" if accept else "meet.host.declined", requester.language,
                                    village=village, title=meeting.title)))


# -- the planner -----------------------------------------------------------------------------------
async def plan_meetings(services: Services, now: datetime) -> None:
    """Recurring work computed from the meetings: announce the next occurrence of each series when
    the previous one has started, tell next hosts ahead, and catch up group tallies."""
    meetings = repo(services)
    for meeting in await meetings.unannounced_due(now):
        ctx = await push_context(services, meeting.forum_id)
        async with services.write() as tx:
            fresh = await tx.meetings.get(meeting.id)
            if fresh is not None and fresh.announced_at is None and fresh.status == "scheduled":
                await announce(tx, ctx, fresh)
    for meeting in await meetings.host_notice_due(now, HOST_NOTICE_BEFORE):
        if meeting.announced_at is None:
            continue
        ctx = await push_context(services, meeting.forum_id)
        async with services.write() as tx:
            fresh = await tx.meetings.get(meeting.id)
            if fresh is not None and fresh.host_notified_at is None:
                await notify_host(tx, ctx, fresh)
    for meeting in await meetings.stale_tallies(now):
        members = await services.members.in_forum(meeting.forum_id)
        async with services.write() as tx:
            await queue_tally(tx, services, meeting.id, members, now)
