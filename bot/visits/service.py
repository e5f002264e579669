"""Use cases of kunjungan kerja (work visits): one async function each, Services and plain values in.

- requesting: the cross-forum rule (requester and host are active members of a common forum
  where the requester may request visits; the visit is filed under the lowest-id one), one open
  request per village, the host is told and the waiting pushes are planned;
- every transition (accept, propose, reject, cancel, complete) reads the visit inside the one
  write transaction, applies the pure rules, writes a compare-and-set and the pushes it causes;
- after the visit: the report (published as an experience post through the posts feature's
  publisher, wired by the composition root) and the host's note.
Permission: only the two sides act, and only while active members of the visit's forum
(bot/access.py); the forum's staff may read every visit of the forum.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot import bidang
from bot.errors import Conflict, InvalidInput, KadesError, NotAMember, NotFound, StaleAction
from bot.permissions import Action
from bot.services import Services
from bot.view import View
from bot.visits import pushes, rules, views
from bot.visits.loaders import names, parties, repo, visit_today
from storage.directory import DirectoryRepo, DirectoryVillage
from storage.models import Forum, Region
from storage.unit import Unit
from storage.visits import Change, VisitRepo, VisitReport, VisitRow

log = logging.getLogger(__name__)


# -- who may ----------------------------------------------------------------------------------
async def shared_forum_id(services: Services, requester: int, host: int) -> int | None:
    """The lowest-id forum where both are active members and the requester may request visits."""
    mine = {forum.id for forum in await services.access.forums_for(requester, Action.REQUEST_VISIT)}
    theirs = {m.forum_id for m in await services.members.memberships_of(host)}
    common = sorted(mine & theirs)
    return common[0] if common else None


async def require_member(services: Services, user_id: int) -> None:
    if not await services.members.memberships_of(user_id):
        raise NotAMember("err.not_member_any")


async def require_village(services: Services, user_id: int) -> None:
    """Requesting a visit needs the asker's own village (and a forum)."""
    await require_member(services, user_id)
    member = await services.members.get(user_id)
    if member is None or not member.village_code:
        raise InvalidInput("dir.no_village")


async def _party_row(services: Services, visits: VisitRepo, visit_id: int, user_id: int) -> VisitRow:
    """The visit, if this person is one of its two sides and still an active member of its forum."""
    row = await visits.get(visit_id)
    if row is None:
        raise NotFound()
    if user_id not in (row.requester_user_id, row.host_user_id):
        raise rules.NotAParty()
    # Membership of the visit's own forum, not of any forum: leaving it ends the right to act on it.
    await services.access.member_in(row.forum_id, user_id)
    return row


async def load_for_party(services: Services, visit_id: int, user_id: int) -> VisitRow:
    return await _party_row(services, repo(services), visit_id, user_id)


# -- reading -----------------------------------------------------------------------------------
async def card_view(services: Services, row: VisitRow, viewer: int, lang: str, *, headline: str | None = None,
                    with_report: bool = False, buttons: bool = True) -> View:
    report = await repo(services).report(row.id)
    return views.card(row, await parties(services, row), lang, headline=headline,
                      viewer=viewer if buttons else None, today=visit_today(services, row), report=report,
                      with_report=with_report)


async def show(services: Services, visit_id: int, viewer: int, lang: str) -> View:
    """One visit's card: to its two sides with their buttons, to the forum's staff read-only."""
    row = await repo(services).get(visit_id)
    if row is None:
        raise NotFound()
    party = viewer in (row.requester_user_id, row.host_user_id)
    if party:
        await require_member(services, viewer)
    else:
        await services.access.require(row.forum_id, viewer, Action.VIEW_ALL_VISITS)
    return await card_view(services, row, viewer, lang, with_report=True, buttons=party)


async def listing(services: Services, user_id: int, lang: str) -> View:
    await require_member(services, user_id)
    rows = await repo(services).of_user(user_id)
    village_names = await names(services, rows)
    today_of = {row.id: visit_today(services, row) for row in rows}
    may_see_forum = bool(await services.access.forums_for(user_id, Action.VIEW_ALL_VISITS))
    return views.listing(rows, village_names, user_id, today_of, lang, may_see_forum=may_see_forum)


async def forum_summary(services: Services, forum: Forum, lang: str) -> View:
    """Staff only (the caller's forum_action checked VIEW_ALL_VISITS for this forum)."""
    rows = await repo(services).between_forum_members(forum.id)
    return views.forum_summary(forum.name, rows, VisitRepo.summarise(rows), await names(services, rows), lang)


# -- choosing the host -------------------------------------------------------------------------
@dataclass(frozen=True)
class HostSearch:
    """What the host-village step found: villages whose head the asker shares a forum with."""

    choices: list[tuple[Region, int]]  # (village, head's user id), best first
    guessed: bool  # only near spellings fit: ask "Maksud Bapak/Ibu: …?"
    unreachable: Region | None  # the best village found has no head in a shared forum
    elsewhere: bool  # the search was limited to the asker's forums' areas: offer "Tidak ada di daftar"


async def find_hosts(services: Services, user_id: int, text: str, *, everywhere: bool) -> HostSearch:
    """The fuzzy national village search (spacing, hyphens, small typos, kode wilayah), the areas of
    the asker's forums first; only villages whose head is in a forum shared with the asker qualify."""
    heads = {e.village.code: e.head_user_id for e in await DirectoryRepo(services.db).villages_for(user_id)}
    found: list[tuple[Region, bool]] = []
    if not everywhere:
        for forum in await services.forums.of_member(user_id):
            for region, near in await services.regions.search_ranked(text, levels=(4,), within=forum.scope_code,
                                                                     limit=20):
                if all(region.code != seen.code for seen, _ in found):
                    found.append((region, near))
    if not found:  # nothing near home: the whole country (to name the village, even if it cannot be visited)
        found = await services.regions.search_ranked(text, levels=(4,), limit=30)
    fitting = [(region, near) for region, near in found if region.code in heads]
    choices = [(region, heads[region.code]) for region, _ in fitting][:10]
    guessed = bool(fitting) and all(near for _, near in fitting)
    unreachable = found[0][0] if found and not fitting else None
    return HostSearch(choices, guessed, unreachable, elsewhere=not everywhere)


async def host_entry(services: Services, user_id: int, host_user_id: int) -> DirectoryVillage:
    for entry in await DirectoryRepo(services.db).villages_for(user_id):
        if entry.head_user_id == host_user_id:
            return entry
    # Not in any of the asker's forums (or no village): the cross-forum rule refuses it.
    raise KadesError("visit.err.no_shared_forum")


async def check_can_request(services: Services, user_id: int, entry: DirectoryVillage) -> None:
    """Before the form starts: a common forum, and no open request to this village yet."""
    if await shared_forum_id(services, user_id, entry.head_user_id) is None:
        raise KadesError("visit.err.no_shared_forum")
    existing = await repo(services).open_between(user_id, entry.village.code)
    if existing is not None:
        raise Conflict("visit.err.already_open", id=existing.id, village=views.place(entry.village))


# -- requesting --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestDraft:
    """The request form's answers, as plain values."""

    host_user_id: int
    host_village: str
    host_name: str
    purpose: str
    bidang: tuple[str, ...]
    dates: tuple[date, ...]
    people: int
    message: str


@dataclass(frozen=True)
class Requested:
    visit_id: int
    crossing: VisitRow | None  # the host is asking to visit the requester too


class HostChanged(StaleAction):
    """The host (or the asker) is no longer approved for the village the form was filled in for."""


async def request(services: Services, user_id: int, form: RequestDraft) -> Requested:
    """Create the request and tell the host (checks the shared-forum rule again).

    Raises KadesError (no shared forum), HostChanged, Conflict (already open), InvalidInput (a
    date passed while the form was open: the caller asks for the dates again).
    """
    host = await services.members.get(form.host_user_id)
    forum_id = await shared_forum_id(services, user_id, form.host_user_id)
    if forum_id is None:
        raise KadesError("visit.err.no_shared_forum")
    # Both villages are the ones approved in the shared forum, never the profiles' fields.
    requester_village = await services.access.village_of(forum_id, user_id)
    if (not requester_village or host is None
            or await services.access.village_of(forum_id, form.host_user_id) != form.host_village):
        raise HostChanged("visit.err.host_changed")
    today = visit_today(services, form.host_village)
    visit = rules.new_request(user_id, form.host_user_id, form.dates, today)
    now = services.clock.now()
    async with services.write() as tx:
        existing = await tx.visits.open_between(user_id, form.host_village)
        if existing is not None:
            raise Conflict("visit.err.already_open", id=existing.id, village=form.host_name)
        crossing = await tx.visits.open_between(form.host_user_id, requester_village)
        visit_id = await tx.visits.create(
            forum_id=forum_id, requester_user_id=user_id, requester_village=requester_village,
            host_user_id=form.host_user_id, host_village=form.host_village, purpose=form.purpose,
            bidang=bidang.normalise(list(form.bidang)), people=form.people, message=form.message,
            state=visit.state, awaiting=visit.awaiting, proposed=visit.proposed, round=visit.round, now=now,
        )
        await tx.drafts.clear(user_id)
        row = await tx.visits.get(visit_id)
        assert row is not None
        await pushes.request_to_host(tx, services, row, today=today, now=now)
        await pushes.waiting(tx, services, row, now)
    services.delivery.wake()
    log.info("event=visit_requested visit=%s forum=%s requester=%s host=%s", visit_id, forum_id, user_id,
             form.host_user_id)
    return Requested(visit_id, crossing)


# -- transitions -------------------------------------------------------------------------------
async def _apply(tx: Unit, services: Services, row: VisitRow, step: rules.Transition, actor: int, *,
                 reason: str | None = None) -> VisitRow:
    """Write one transition with the pushes it causes; Conflict if it crossed another."""
    now = services.clock.now()
    after = step.after
    change = Change(event=step.event, state=after.state, awaiting=after.awaiting, proposed=after.proposed,
                    round=after.round, visit_date=after.visit_date, closes=after.state in rules.FINAL)
    if not await tx.visits.apply(row, change, actor=actor, now=now, reason=reason):
        raise Conflict("visit.err.changed")
    new_row = await tx.visits.get(row.id)
    assert new_row is not None
    await pushes.cancel_stale(tx, row, step)
    await pushes.told_of(tx, services, new_row, step, reason=reason, now=now)
    if after.state in rules.OPEN:
        await pushes.waiting(tx, services, new_row, now)
    if step.event == "accept":
        await pushes.accepted(tx, services, new_row, now)
    log.info("event=visit_%s visit=%s actor=%s state=%s", step.event, row.id, actor, after.state)
    return new_row


Decide = Callable[[VisitRow, date], rules.Transition]


async def _act(services: Services, visit_id: int, user_id: int, decide: Decide, *,
               reason: str | None = None) -> VisitRow:
    """Read the visit in the write transaction, let the rules decide, write it and its pushes."""
    async with services.write() as tx:
        row = await _party_row(services, tx.visits, visit_id, user_id)
        new_row = await _apply(tx, services, row, decide(row, visit_today(services, row)), user_id, reason=reason)
    services.delivery.wake()
    return new_row


def _current_round(row: VisitRow, round_: int) -> None:
    if row.state in rules.OPEN and row.round != round_:
        raise StaleAction("visit.err.old_proposal")


async def accept(services: Services, visit_id: int, user_id: int, round_: int, day: date) -> VisitRow:
    """Fix one of the offered dates (the side whose turn it is, on the proposal still standing)."""
    def decide(row: VisitRow, today: date) -> rules.Transition:
        _current_round(row, round_)
        return rules.accept(rules.of(row), user_id, day, today)
    return await _act(services, visit_id, user_id, decide)


async def may_propose(services: Services, visit_id: int, user_id: int, round_: int) -> VisitRow:
    """Before asking for other dates: is it this person's turn on this proposal?"""
    row = await load_for_party(services, visit_id, user_id)
    _current_round(row, round_)
    rules.precheck(rules.of(row), user_id, "propose")
    return row


async def propose(services: Services, visit_id: int, user_id: int, round_: int,
                  dates: Sequence[date]) -> tuple[VisitRow, Region | None]:
    """Offer other dates (1-3); returns the visit and the other side's village."""
    def decide(row: VisitRow, today: date) -> rules.Transition:
        if row.state in rules.OPEN and row.round != round_:
            raise Conflict("visit.err.changed")
        return rules.propose(rules.of(row), user_id, dates, today)
    row = await _act(services, visit_id, user_id, decide)
    other = row.requester_village if row.host_user_id == user_id else row.host_village
    return row, await services.regions.get(other)


async def may_close(services: Services, visit_id: int, user_id: int, event: rules.Event) -> VisitRow:
    """Before asking for a reason: may this person reject / cancel now?"""
    row = await load_for_party(services, visit_id, user_id)
    rules.precheck(rules.of(row), user_id, event)
    return row


def check_reason(event: rules.Event, row: VisitRow, user_id: int, reason: str) -> None:
    """The reason's own checks (empty, too long) before the transaction: the form asks again."""
    (rules.reject if event == "reject" else rules.cancel)(rules.of(row), user_id, reason)


async def close(services: Services, visit_id: int, user_id: int, event: rules.Event, reason: str) -> VisitRow:
    """Refuse (the host, while open) or call off (the requester while open, either side once accepted)."""
    def decide(row: VisitRow, today: date) -> rules.Transition:
        return (rules.reject if event == "reject" else rules.cancel)(rules.of(row), user_id, reason)
    return await _act(services, visit_id, user_id, decide, reason=reason)


async def complete(services: Services, visit_id: int, user_id: int) -> VisitRow:
    """Mark the visit done (from its day on); the visitor is then asked for the report."""
    return await _act(services, visit_id, user_id, lambda row, today: rules.complete(rules.of(row), user_id, today))


async def _ensure_done(services: Services, row: VisitRow, user_id: int) -> VisitRow:
    """Writing a report or a note after the day means the visit happened: mark it done if needed."""
    if row.state == "selesai":
        return row
    if row.state != "diterima":
        raise rules.IllegalTransition(row.state, "complete")
    return await complete(services, row.id, user_id)


# -- after the visit ---------------------------------------------------------------------------
async def start_report(services: Services, visit_id: int, user_id: int) -> VisitRow:
    """The visitor may write the report once, from the visit day on (which confirms it happened)."""
    row = await load_for_party(services, visit_id, user_id)
    if user_id != row.requester_user_id:
        raise rules.WrongSide("visit.err.only_guest_reports")
    if await repo(services).report(row.id) is not None:
        raise Conflict("visit.err.report_exists")
    return await _ensure_done(services, row, user_id)


async def save_report(services: Services, visit_id: int, user_id: int, *, learned: str, will_apply: str,
                      photos: Sequence[str]) -> None:
    row = await load_for_party(services, visit_id, user_id)
    if user_id != row.requester_user_id:
        raise rules.WrongSide("visit.err.only_guest_reports")
    async with services.write() as tx:
        await tx.visits.save_report(visit_id=row.id, author_user_id=user_id, learned=learned,
                                    will_apply=will_apply, photos=photos, now=services.clock.now())
        await tx.drafts.clear(user_id)
    log.info("event=visit_report_saved visit=%s", row.id)


async def publish_report(services: Services, visit_id: int, user_id: int) -> int:
    """The visitor shares the report as an experience post credited to both villages; returns the post id.

    The post is created by the posts feature (services.publish_post: its own transaction and group
    card); the publication is claimed first so a double tap cannot create two posts, and released
    again if the post cannot be created. The report's photos follow the card into the group.
    """
    row = await load_for_party(services, visit_id, user_id)
    if user_id != row.requester_user_id:
        raise rules.WrongSide("visit.err.only_guest_reports")
    report = await repo(services).report(visit_id)
    if report is None:
        raise NotFound()
    if report.published_at is not None:
        raise Conflict("visit.err.already_published")
    forum = await services.forums.get(row.forum_id)
    if forum is None:
        raise NotFound()
    if services.publish_post is None:
        raise RuntimeError("the posts feature is not wired (services.publish_post)")
    who = await parties(services, row)
    lang = forum.language
    async with services.write() as tx:
        if not await tx.visits.mark_published(visit_id, services.clock.now()):
            raise Conflict("visit.err.already_published")
    try:
        post_id = await services.publish_post(
            services, forum_id=forum.id, author_user_id=row.requester_user_id, title=views.post_title(who, lang),
            bidang=row.bidang[0] if row.bidang else bidang.BIDANG[0].code, kind="pelajaran",
            story=views.post_story(row, report, who, lang),
            credited_village_codes=[row.requester_village, row.host_village], link_type="visit", link_id=row.id,
            publish=True)
    except BaseException:
        async with services.write() as tx:
            await tx.visits.unpublish(visit_id)
        raise
    thread = await services.forums.topic(forum.id, "visits")
    async with services.write() as tx:
        await tx.visits.set_post_id(visit_id, post_id)
        if forum.group_chat_id is not None:
            await pushes.report_photos(tx, row, report.photos, chat_id=forum.group_chat_id, thread_id=thread,
                                       now=services.clock.now())
    services.delivery.wake()
    log.info("event=visit_report_published visit=%s forum=%s post=%s", visit_id, forum.id, post_id)
    return post_id


async def start_note(services: Services, visit_id: int, user_id: int) -> VisitRow:
    row = await load_for_party(services, visit_id, user_id)
    if user_id != row.host_user_id:
        raise rules.WrongSide("visit.err.only_host_notes")
    return await _ensure_done(services, row, user_id)


async def save_note(services: Services, visit_id: int, user_id: int, note: str) -> None:
    """The host's note: shown on the card and in the published report; the visitor is told."""
    row = await load_for_party(services, visit_id, user_id)
    if user_id != row.host_user_id:
        raise rules.WrongSide("visit.err.only_host_notes")
    now = services.clock.now()
    async with services.write() as tx:
        await tx.visits.set_host_note(row.id, note, now)
        await tx.drafts.clear(user_id)
        await pushes.host_note(tx, services, row, note, now)
    services.delivery.wake()


async def report_of(services: Services, visit_id: int) -> VisitReport | None:
    return await repo(services).report(visit_id)


# -- erasure -----------------------------------------------------------------------------------
async def end_for_erasure(tx: Unit, services: Services, user_id: int) -> int:
    """Inside the erasure's unit of work: the person's open or accepted visits end, the other side is told."""
    now = services.clock.now()
    ended = 0
    for row in await tx.visits.of_user(user_id, limit=10_000):
        if row.state not in rules.OPEN | {"diterima"}:
            continue
        step = rules.end_for_erasure(rules.of(row), user_id)
        change = Change(event=step.event, state=step.after.state, awaiting=None, proposed=step.after.proposed,
                        round=step.after.round, visit_date=step.after.visit_date, closes=True)
        if not await tx.visits.apply(row, change, actor=user_id, now=now):
            continue  # changed meanwhile; its own transition told the other side
        await pushes.ended_by_erasure(tx, services, row, step, now)
        ended += 1
    return ended

