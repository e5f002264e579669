"""Pushes of kerjasama antar desa, computed from the agreements into the outbox.

`plan_agreements(services, now)` is the planner (idempotent: every push has a key made of domain
data, and state changes are conditional updates), run by the delivery engine every minute or so:

* a period falls due -> each village party's kades gets the evaluation form;
* 3 days unanswered -> one reminder; 7 days -> the period is late (terlambat), the koordinator and
  pendamping are told who is missing, and the summary goes out with the answers in;
* all parties answered -> the summary to every party and the koordinator (also sent straight
  after the last answer by the handler; the planner only catches up after a crash);
* 90 and 30 days before the end -> a warning with Perpanjang / Biarkan berakhir.

Follow-up reminders are written when an evaluation is submitted (their due dates are known then).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.agreements import rules, service
from bot.callbacks import encode
from bot.services import Services
from bot.texts import t
from bot.textsplit import split_text
from bot.timefmt import format_date
from storage import outbox
from storage.agreements import Agreement, AgreementRepo, EvaluationPeriod, FollowUp
from storage.models import Forum, Member, MemberInForum
from storage.outbox import Priority
from storage.planning import PlanningRepo

log = logging.getLogger(__name__)

FEATURE = "k"
KADES_JABATAN = ("kades", "pj_kades")


def repo(services: Services) -> AgreementRepo:
    return AgreementRepo(services.db)


def key(agreement_id: int, *parts: object) -> str:
    return ":".join(["agr", str(agreement_id), *(str(p) for p in parts)])


def forum_zone(forum: Forum) -> ZoneInfo:
    return ZoneInfo(forum.timezone)


# -- who gets what ----------------------------------------------------------------------------
def village_members(members: list[MemberInForum], village_code: str | None) -> list[Member]:
    """Active members from this village, kades first."""
    found = [m.member for m in members if village_code and m.member.village_code == village_code
             and m.member.erased_at is None]
    return sorted(found, key=lambda m: (m.jabatan not in KADES_JABATAN, m.user_id))


def respondent(members: list[MemberInForum], village_code: str | None) -> Member | None:
    """The one person asked to answer for a village: its kades (or Pj), else another member from it."""
    found = village_members(members, village_code)
    return found[0] if found else None


def staff(members: list[MemberInForum], roles: tuple[str, ...] = ("koordinator",)) -> list[Member]:
    return [m.member for m in members if m.membership.role in roles and m.member.erased_at is None]


def recipients(village_codes: list[str | None], members: list[MemberInForum]) -> list[Member]:
    """Each village party's respondent and every koordinator, once each."""
    out: dict[int, Member] = {}
    for code in village_codes:
        person = respondent(members, code)
        if person is not None:
            out.setdefault(person.user_id, person)
    for person in staff(members):
        out.setdefault(person.user_id, person)
    return list(out.values())


def party_and_koordinator(agreement: Agreement, members: list[MemberInForum]) -> list[Member]:
    return recipients([p.village_code for p in agreement.villages], members)


# -- single pushes ----------------------------------------------------------------------------
async def push(conn: aiosqlite.Connection, *, key_: str, to: Member, text: str, now: datetime,
               forum_id: int, rows: list[list[tuple[str, str]]] | None = None, due_at: datetime | None = None,
               expires_at: datetime | None = None, priority: Priority = Priority.REMINDER) -> bool:
    return await outbox.enqueue(
        conn, key=key_, chat_id=to.user_id, member_user_id=to.user_id, forum_id=forum_id, text=text,
        reply_markup=outbox.inline_keyboard(rows) if rows else None, due_at=due_at or now, now=now,
        priority=priority, expires_at=expires_at,
    )


async def push_long(conn: aiosqlite.Connection, *, key_: str, to: Member, text: str, now: datetime,
                    forum_id: int, rows: list[list[tuple[str, str]]] | None = None) -> None:
    """A text that may need several messages; the buttons go on the last one."""
    parts = split_text(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await push(conn, key_=key_ if len(parts) == 1 else f"{key_}:part{index + 1}", to=to, text=part, now=now,
                   forum_id=forum_id, rows=rows if last else None)


def evaluation_button(lang: str, agreement_id: int, index: int, position: int) -> list[list[tuple[str, str]]]:
    return [[(str(t("agr.ev.open_button", lang)), encode(FEATURE, "ev", agreement_id, index, position))]]


async def open_period(services: Services, agreement: Agreement, forum: Forum, period: rules.Period,
                      members: list[MemberInForum], now: datetime) -> None:
    """Open one evaluation period and ask each village party's kades for the evaluation."""
    tz = forum_zone(forum)
    async with services.db.transaction() as conn:
        opened = await repo(services).open_period(conn, agreement_id=agreement.id, forum_id=forum.id,
                                                  index=period.index, starts=period.starts, ends=period.ends,
                                                  now=now)
        if not opened:
            return
        for party in agreement.villages:
            person = respondent(members, party.village_code)
            if person is None:
                continue
            lang = person.language
            text = t("agr.ev.prompt", lang, title=agreement.title, party=party.name,
                     period=rules.period_line(period.index, period.starts, period.ends, lang),
                     deadline=format_date((rules.prompt_at(period, tz) + rules.LATE_AFTER).date(), lang))
            await push(conn, key_=key(agreement.id, f"p{period.index}", f"v{party.position}", "prompt"), to=person,
                       text=text, now=now, forum_id=forum.id,
                       rows=evaluation_button(lang, agreement.id, period.index, party.position))
    log.info("event=agreement_period_opened agreement=%s period=%s", agreement.id, period.index)


async def summarize(services: Services, agreement: Agreement, period: EvaluationPeriod, now: datetime) -> bool:
    """Send the period's summary if it has more answers than the last one sent; True if sent."""
    agreements = repo(services)
    evaluations = await agreements.evaluations(agreement.id)
    answered = [e for e in evaluations if e.period_index == period.period_index and e.status == "submitted"]
    if not answered or len(answered) <= period.summarized_count:
        return False
    forum = await services.forums.get(agreement.forum_id)
    if forum is None:
        return False
    members = await services.members.in_forum(forum.id)
    followups = await agreements.followups(agreement.id, open_only=True)
    today = now.astimezone(forum_zone(forum)).date()
    data = rules.SummaryInput(agreement=agreement, period=period, evaluations=evaluations,
                              open_followups=followups, today=today)
    koordinators = {m.user_id for m in staff(members)}
    async with services.db.transaction() as conn:
        if not await agreements.mark_summarized(conn, agreement.id, period.period_index, len(answered)):
            return False
        for person in party_and_koordinator(agreement, members):
            lang = person.language
            rows: list[list[tuple[str, str]]] = []
            if person.user_id in koordinators:
                rows.append([(str(t("agr.sum.meeting_button", lang)),
                              encode(FEATURE, "rf", agreement.id, period.period_index))])
            rows.append([(str(t("agr.open_button", lang)), encode(FEATURE, "o", agreement.id))])
            text = rules.render_summary(data, lang)
            await push_long(conn, key_=key(agreement.id, f"p{period.period_index}", "sum", len(answered),
                                           "to", person.user_id),
                            to=person, text=text, now=now, forum_id=forum.id, rows=rows)
    log.info("event=agreement_summary agreement=%s period=%s answers=%d", agreement.id, period.period_index,
             len(answered))
    return True


async def schedule_followup_reminders(conn: aiosqlite.Connection, services: Services, agreement: Agreement,
                                      forum: Forum, items: list[FollowUp], members: list[MemberInForum],
                                      now: datetime) -> None:
    """Reminders H-3 and H-1 before each follow-up's due date to its owner (or who wrote it)."""
    tz = forum_zone(forum)
    for item in items:
        party = agreement.party(item.owner_position) if item.owner_position else None
        owner = respondent(members, party.village_code) if party and party.village_code else None
        if owner is None:
            owner = next((m.member for m in members if m.member.user_id == item.created_by), None)
        if owner is None:
            continue
        for days, at in rules.followup_reminder_times(item.due_date, tz, now):
            lang = owner.language
            text = t("agr.fu.reminder", lang, title=agreement.title, text=item.description, days=days,
                     due=format_date(item.due_date, lang))
            await push(conn, key_=key(agreement.id, "fu", item.id, f"h{days}"), to=owner, text=text, now=now,
                       due_at=at, forum_id=forum.id,
                       expires_at=rules.at_local(item.due_date + timedelta(days=1), tz),
                       rows=[[(str(t("agr.fu.done_button", lang)), encode(FEATURE, "fd", item.id))]])


async def notify_parties(conn: aiosqlite.Connection, agreement: Agreement | tuple[int, int, str, list[str | None]],
                         members: list[MemberInForum], *, key_prefix: str, text_key: str, now: datetime,
                         exclude: int | None = None, **params: object) -> None:
    """Tell each party's respondent and the koordinator something about the agreement.

    `agreement` may be (id, forum_id, title, village codes) while it is being created.
    """
    if isinstance(agreement, Agreement):
        agreement_id, forum_id, title = agreement.id, agreement.forum_id, agreement.title
        codes = [p.village_code for p in agreement.villages]
    else:
        agreement_id, forum_id, title, codes = agreement
    for person in recipients(codes, members):
        if person.user_id == exclude:
            continue
        lang = person.language
        await push(conn, key_=f"{key_prefix}:to:{person.user_id}", to=person,
                   text=t(text_key, lang, title=title, **params), now=now, forum_id=forum_id,
                   priority=Priority.INTERACTIVE,
                   rows=[[(str(t("agr.open_button", lang)), encode(FEATURE, "o", agreement_id))]])


# -- the planner ------------------------------------------------------------------------------
PLANNER = "agreements"
# A safety net: even with nothing computed ahead, each agreement is looked at once a day.
RECHECK = timedelta(days=1)
BATCH = 500


async def plan_agreements(services: Services, now: datetime) -> None:
    """Write every agreement push that is due by `now` into the outbox (safe to run any number of times).

    Only agreements whose next due time has come are loaded (`planner_due`); after planning one,
    the next moment it needs attention is stored.
    """
    agreements = repo(services)
    planning = PlanningRepo(services.db)
    # Every item gets a next due time after `now`, so each batch moves on and the loop ends.
    while due := await planning.due(PLANNER, now, limit=BATCH):
        planned = {a.id: a for a in await agreements.to_plan((now - rules.PLAN_AFTER_END).date(), due)}
        nexts: list[tuple[int, datetime | None]] = []
        for agreement_id in due:
            agreement = planned.get(agreement_id)
            if agreement is None:  # over and summarized: nothing until it changes
                nexts.append((agreement_id, None))
                continue
            try:
                at = await _plan_one(services, agreement, now)
            except Exception:  # one broken agreement must not stop the others
                log.exception("event=agreement_plan_failed agreement=%s", agreement.id)
                at = now + timedelta(hours=1)  # try again in an hour
            nexts.append((agreement_id, min(at, now + RECHECK) if at is not None else now + RECHECK))
        await planning.set_next(PLANNER, nexts)


async def plan_resumes(services: Services, now: datetime) -> None:
    """Resume each suspended kerja sama whose resume date has come (ditunda -> its stage)."""
    await service.resume_due(services)


class _Members:
    """The forum's members, loaded only when a message must be built."""

    def __init__(self, services: Services, forum_id: int) -> None:
        self.services, self.forum_id = services, forum_id
        self._loaded: list[MemberInForum] | None = None

    async def __call__(self) -> list[MemberInForum]:
        if self._loaded is None:
            self._loaded = await self.services.members.in_forum(self.forum_id)
        return self._loaded


async def _plan_one(services: Services, agreement: Agreement, now: datetime) -> datetime | None:
    """Plan what is due for one agreement; returns when it next needs looking at."""
    agreements = repo(services)
    forum = await services.forums.get(agreement.forum_id)
    if forum is None:
        return None
    tz = forum_zone(forum)
    today = now.astimezone(tz).date()
    members = _Members(services, forum.id)
    opened = await agreements.periods(agreement.id)
    to_open = rules.due_to_open(agreement, [o.period_index for o in opened], now, tz)
    for due in to_open:
        await open_period(services, agreement, forum, due, await members(), now)
    if to_open:
        opened = await agreements.periods(agreement.id)
    evaluations = await agreements.evaluations(agreement.id)
    for period in opened:
        missing = rules.missing_positions(agreement, [e for e in evaluations if e.period_index == period.period_index])
        age = now - period.opened_at
        if missing and rules.REMIND_AFTER <= age < rules.LATE_AFTER:
            await _remind(services, agreement, forum, period, missing, await members(), now)
        if age >= rules.LATE_AFTER:
            if missing and period.overdue_at is None:
                await _escalate(services, agreement, forum, period, missing, await members(), now)
            await summarize(services, agreement, period, now)
        elif not missing:
            await summarize(services, agreement, period, now)
    await _warn_expiry(services, agreement, forum, members, today, now)
    return rules.next_plan_at(agreement, opened, evaluations, tz, now)


async def _remind(services: Services, agreement: Agreement, forum: Forum, period: EvaluationPeriod,
                  missing: list[int], members: list[MemberInForum], now: datetime) -> None:
    deadline = (period.opened_at + rules.LATE_AFTER).date()
    async with services.db.transaction() as conn:
        for position in missing:
            party = agreement.party(position)
            person = respondent(members, party.village_code if party else None)
            if party is None or person is None:
                continue
            lang = person.language
            await push(conn, key_=key(agreement.id, f"p{period.period_index}", f"v{position}", "remind"), to=person,
                       text=t("agr.ev.reminder", lang, title=agreement.title, party=party.name,
                              period=rules.period_line(period.period_index, period.starts, period.ends, lang),
                              deadline=format_date(deadline, lang)),
                       now=now, forum_id=forum.id,
                       rows=evaluation_button(lang, agreement.id, period.period_index, position))


async def _escalate(services: Services, agreement: Agreement, forum: Forum, period: EvaluationPeriod,
                    missing: list[int], members: list[MemberInForum], now: datetime) -> None:
    async with services.db.transaction() as conn:
        if not await repo(services).mark_overdue(conn, agreement.id, period.period_index, now):
            return
        names = []
        for position in missing:
            party = agreement.party(position)
            person = respondent(members, party.village_code if party else None)
            name = party.name if party else "?"
            names.append(f"{name} ({person.full_name})" if person else name)
        for person in staff(members, ("koordinator", "pendamping")):
            lang = person.language
            await push(conn, key_=key(agreement.id, f"p{period.period_index}", "late", "to", person.user_id),
                       to=person, now=now, forum_id=forum.id,
                       text=t("agr.ev.late_staff", lang, title=agreement.title,
                              period=rules.period_line(period.period_index, period.starts, period.ends, lang),
                              missing=", ".join(names)),
                       rows=[[(str(t("agr.open_button", lang)), encode(FEATURE, "o", agreement.id))]])
    log.info("event=agreement_evaluation_late agreement=%s period=%s missing=%d", agreement.id,
             period.period_index, len(missing))


async def _warn_expiry(services: Services, agreement: Agreement, forum: Forum, load_members: _Members,
                       today: date, now: datetime) -> None:
    if agreement.status != "active" or agreement.lapse_accepted_for == agreement.end_date:
        return
    days = rules.expiry_warning(agreement.end_date, today)
    if days is None:
        return
    members = await load_members()
    end = agreement.end_date
    expires = rules.at_local(end + timedelta(days=1), forum_zone(forum))
    async with services.db.transaction() as conn:
        for person in party_and_koordinator(agreement, members):
            lang = person.language
            rows = [[(str(t("agr.exp.renew_button", lang)), encode(FEATURE, "rn", agreement.id)),
                     (str(t("agr.exp.lapse_button", lang)), encode(FEATURE, "lp", agreement.id, end.isoformat()))]]
            await push(conn, key_=key(agreement.id, "exp", end.isoformat(), f"h{days}", "to", person.user_id),
                       to=person, now=now, forum_id=forum.id, expires_at=expires, rows=rows,
                       text=t("agr.exp.warning", lang, title=agreement.title, days=(end - today).days,
                              end=format_date(end, lang)))
