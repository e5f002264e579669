"""What the visits feature sends on its own: outbox rows with idempotency keys, written inside the
use case's unit of work so a visit change and the messages it causes commit together.

Keys (all start with `visit:{id}:`, so erasing a person or closing a visit can cancel by prefix):
  v{version}:{event}:to:{user}   the other side is told of a transition
  r{round}:nudge | r{round}:wait  an unanswered turn: nudge after 3 days, tell the asker after 7
  rem:{h-7|h-1}:{user}            reminders before the day
  after:report | after:note       the day after: ask the visitor for a report, the host for a note
  hostnote:{ts}                   the host's note, to the visitor
  post:photo:{n}                  the report's photos, to the forum group
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date
from bot.visits import rules
from bot.visits.loaders import lang_of, local_moment, parties, visit_zone
from bot.visits.views import Parties, card, place
from storage import outbox
from storage.unit import Unit
from storage.visits import VisitRow

REMINDER_HOUR = time(8, 0)
AFTER_HOUR = time(9, 0)


def prefix(visit_id: int) -> str:
    return f"visit:{visit_id}:"


def round_prefix(row: VisitRow) -> str:
    return f"visit:{row.id}:r{row.round}:"


def transition_key(row: VisitRow, event: str, recipient: int) -> str:
    return f"visit:{row.id}:v{row.version}:{event}:to:{recipient}"


async def card_to(tx: Unit, services: Services, row: VisitRow, who: Parties, recipient: int, *, key: str,
                  headline: str, due_at: datetime, now: datetime,
                  priority: outbox.Priority = outbox.Priority.INTERACTIVE, with_card: bool = True,
                  expires_at: datetime | None = None, today: date | None = None) -> None:
    """Queue a private message to one side: a headline, the card, and their buttons on that day."""
    lang = await lang_of(services, recipient)
    report = await tx.visits.report(row.id)
    day = today if today is not None else due_at.astimezone(visit_zone(row)).date()
    view = card(row, who, lang, headline=headline, viewer=recipient, today=day, report=report, with_card=with_card)
    await outbox.enqueue(tx.conn, key=key, chat_id=recipient, member_user_id=recipient, forum_id=row.forum_id,
                         text=view.text, reply_markup=view.bot_api_markup(), due_at=due_at, now=now,
                         priority=priority, expires_at=expires_at)


async def told_of(tx: Unit, services: Services, row: VisitRow, step: rules.Transition, *,
                  reason: str | None, now: datetime) -> None:
    """The other side learns what happened (with their card and buttons)."""
    who = await parties(services, row)
    recipient = row.user_of_side(step.notify)
    lang = await lang_of(services, recipient)
    after = step.after
    headline = str(t(f"visit.notify_{step.event}", lang, id=row.id, village=place(who.village_of(step.actor)),
                     date=format_date(after.visit_date, lang) if after.visit_date else "", reason=reason or ""))
    await card_to(tx, services, row, who, recipient, key=transition_key(row, step.event, recipient),
                  headline=headline, due_at=now, now=now)


async def request_to_host(tx: Unit, services: Services, row: VisitRow, *, today: date, now: datetime) -> None:
    who = await parties(services, row)
    lang = await lang_of(services, row.host_user_id)
    await card_to(tx, services, row, who, row.host_user_id, key=transition_key(row, "request", row.host_user_id),
                  headline=str(t("visit.notify_request", lang, id=row.id, village=place(who.origin))),
                  due_at=now, now=now, today=today)


async def cancel_stale(tx: Unit, row: VisitRow, step: rules.Transition) -> None:
    """A transition ends the round's waiting pushes; closing or completing ends the reminders."""
    await outbox.cancel_prefix(tx.conn, round_prefix(row))
    if step.after.state in ("dibatalkan", "ditolak"):
        await outbox.cancel_prefix(tx.conn, f"visit:{row.id}:rem:")
        await outbox.cancel_prefix(tx.conn, f"visit:{row.id}:after:")
    if step.event == "complete":
        await outbox.cancel_prefix(tx.conn, f"visit:{row.id}:rem:")


async def waiting(tx: Unit, services: Services, row: VisitRow, now: datetime) -> None:
    """An open turn: nudge the side that must answer after 3 days (once), tell the other after 7."""
    assert row.awaiting is not None
    who = await parties(services, row)
    waiting_on = row.user_of_side(row.awaiting)
    other_user = row.user_of_side(rules.other(row.awaiting))
    lang = await lang_of(services, waiting_on)
    await card_to(tx, services, row, who, waiting_on, key=f"{round_prefix(row)}nudge",
                  headline=str(t("visit.nudge", lang, id=row.id, village=place(who.village_of(
                      rules.other(row.awaiting))))),
                  due_at=now + rules.NUDGE_AFTER, now=now, priority=outbox.Priority.REMINDER)
    lang = await lang_of(services, other_user)
    await card_to(tx, services, row, who, other_user, key=f"{round_prefix(row)}wait",
                  headline=str(t("visit.no_answer", lang, id=row.id, village=place(who.village_of(row.awaiting)))),
                  due_at=now + rules.WAITING_NOTICE_AFTER, now=now, priority=outbox.Priority.REMINDER,
                  with_card=False)


async def accepted(tx: Unit, services: Services, row: VisitRow, now: datetime) -> None:
    """H-7 and H-1 reminders to both sides, and the after-visit prompts (report, host note)."""
    assert row.visit_date is not None
    who = await parties(services, row)
    zone = visit_zone(row)
    end_of_day = local_moment(row.visit_date + timedelta(days=1), time(0, 0), zone)
    for label, days in rules.REMINDER_OFFSETS:
        due = local_moment(row.visit_date - timedelta(days=days), REMINDER_HOUR, zone)
        if due <= now:
            continue
        for user_id in (row.requester_user_id, row.host_user_id):
            lang = await lang_of(services, user_id)
            guest = user_id == row.requester_user_id
            other = who.destination if guest else who.origin
            headline = str(t("visit.reminder_guest" if guest else "visit.reminder_host", lang, id=row.id,
                             when=t(f"visit.when_{label.replace('-', '')}", lang),
                             date=format_date(row.visit_date, lang), village=place(other), people=row.people))
            await card_to(tx, services, row, who, user_id, key=f"visit:{row.id}:rem:{label}:{user_id}",
                          headline=headline, due_at=due, now=now, priority=outbox.Priority.REMINDER,
                          expires_at=end_of_day, with_card=False, today=row.visit_date - timedelta(days=days))
    after = local_moment(row.visit_date + timedelta(days=1), AFTER_HOUR, zone)
    expires = after + timedelta(days=30)
    done_view = row.model_copy(update={"state": "selesai"})
    day_after = row.visit_date + timedelta(days=1)
    lang = await lang_of(services, row.requester_user_id)
    await card_to(tx, services, done_view, who, row.requester_user_id, key=f"visit:{row.id}:after:report",
                  headline=str(t("visit.ask_report", lang, id=row.id, village=place(who.destination))),
                  due_at=after, now=now, priority=outbox.Priority.REMINDER, expires_at=expires,
                  with_card=False, today=day_after)
    lang = await lang_of(services, row.host_user_id)
    await card_to(tx, services, done_view, who, row.host_user_id, key=f"visit:{row.id}:after:note",
                  headline=str(t("visit.ask_note", lang, id=row.id, village=place(who.origin))),
                  due_at=after, now=now, priority=outbox.Priority.REMINDER, expires_at=expires,
                  with_card=False, today=day_after)


async def host_note(tx: Unit, services: Services, row: VisitRow, note: str, now: datetime) -> None:
    who = await parties(services, row)
    lang = await lang_of(services, row.requester_user_id)
    await outbox.enqueue(tx.conn, key=f"visit:{row.id}:hostnote:{int(now.timestamp())}",
                         chat_id=row.requester_user_id, member_user_id=row.requester_user_id,
                         forum_id=row.forum_id, due_at=now, now=now,
                         text=t("visit.notify_host_note", lang, id=row.id, village=place(who.destination),
                                note=note))


async def report_photos(tx: Unit, row: VisitRow, photos: tuple[str, ...], *, chat_id: int, thread_id: int | None,
                        now: datetime) -> None:
    """The report's photos follow the post's card into the forum group (posts take no attachments here)."""
    for index, file_id in enumerate(photos):
        await outbox.enqueue(tx.conn, key=f"visit:{row.id}:post:photo:{index}", chat_id=chat_id, thread_id=thread_id,
                             forum_id=row.forum_id, method="sendPhoto", params={"photo": file_id}, due_at=now,
                             now=now, priority=outbox.Priority.BULK)


async def ended_by_erasure(tx: Unit, services: Services, row: VisitRow, step: rules.Transition,
                           now: datetime) -> None:
    """One side erased their data: the visit's pushes stop and the other side is told."""
    await outbox.cancel_prefix(tx.conn, prefix(row.id))
    other_id = row.user_of_side(step.notify)
    other = await services.members.get(other_id)
    village = await services.regions.get(row.requester_village if step.notify == "host" else row.host_village)
    if other is not None and other.erased_at is None:
        await outbox.enqueue(
            tx.conn, key=f"visit:{row.id}:erased:to:{other_id}", chat_id=other_id, member_user_id=other_id,
            forum_id=row.forum_id, due_at=now, now=now,
            text=t("erase.visit_ended", other.language, id=row.id, village=place(village)),
        )
