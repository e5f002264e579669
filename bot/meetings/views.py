"""How meetings read on a phone: pure functions, loaded data in, text or a `View` out.

Nothing here touches the database: a loader (bot.meetings.loaders) fetches what a view needs
first (the host village's label, the series rule), so the same view serves replies and pushes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.callbacks import encode
from bot.meetings.rules import REMINDERS, Answer, Tally
from bot.recurrence import Recurrence, describe
from bot.render import short_kabupaten
from bot.texts import Html, escape, t
from bot.timefmt import format_date, format_date_short, format_datetime, format_time, zone_label
from bot.view import Button, Rows, View
from storage.meetings import ActionItem, Meeting, Rsvp, Series
from storage.models import MemberInForum, Region

FEATURE = "m"
ANSWER_CODES: dict[str, Answer] = {"y": "yes", "n": "no", "m": "maybe"}
CODE_OF: dict[str, str] = {v: k for k, v in ANSWER_CODES.items()}
ICONS = {"yes": "✅", "no": "❌", "maybe": "🤔"}


@dataclass(frozen=True)
class MeetingInfo:
    """A meeting with what its card shows besides its own fields (loaded first)."""

    meeting: Meeting
    village: str = ""  # the host village's label ("Desa, Kec. X, Kab. Y"), plain text
    series: Series | None = None


@dataclass(frozen=True)
class AgendaEntry:
    """One line of the agenda: the next meeting of a series (or a single meeting)."""

    meeting: Meeting
    more: int  # further dates of the same series
    answer: Rsvp | None
    host: str | None
    forum_name: str


def region_label(region: Region) -> str:
    parts = [region.name]
    if region.kecamatan:
        parts.append(f"Kec. {region.kecamatan}")
    if region.kabupaten:
        parts.append(short_kabupaten(region.kabupaten))
    return ", ".join(parts)


def rule_of(data: dict[str, Any]) -> Recurrence:
    """A series' stored rule (JSON) as a Recurrence."""
    fields = dict(data)
    if fields.get("until"):
        fields["until"] = date.fromisoformat(fields["until"])
    return Recurrence(**fields)


def place_text(meeting: Meeting, village: str, lang: str) -> Html:
    if meeting.place_kind == "village":
        place = t("meet.place.village", lang, village=village)
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


def zone_name(meeting: Meeting) -> str:
    return zone_label(meeting.zone)


def card(info: MeetingInfo, lang: str, *, forum_name: str | None = None, with_agenda: bool = True) -> Html:
    """The meeting as a message: title, time, place, agenda, limits."""
    meeting = info.meeting
    lines = [str(t("meet.card.title", lang, title=meeting.title))]
    if meeting.cancelled:
        lines.insert(0, str(t("meet.card.cancelled", lang)))
    if forum_name is not None:
        lines.append(str(t("meet.card.forum", lang, forum=forum_name)))
    lines.append(str(t("meet.card.when", lang, when=when_text(meeting, lang))))
    lines.append(str(t("meet.card.where", lang, place=place_text(meeting, info.village, lang))))
    if info.series is not None:
        lines.append(str(t("meet.card.series", lang, rule=describe(rule_of(info.series.rule), lang),
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


def tally_line(counts: Tally, lang: str) -> Html:
    return t("meet.tally", lang, yes=counts.yes, people=counts.people, maybe=counts.maybe, no=counts.no,
             pending=counts.pending)


def rsvp_buttons(meeting_id: int, lang: str, *, extras: bool = True) -> Rows:
    """Hadir / Tidak / Mungkin (and, with extras, who is coming and the calendar file)."""
    rows: list[tuple[Button, ...]] = [(
        Button(str(t("meet.btn.yes", lang)), data=encode(FEATURE, "r", meeting_id, "y")),
        Button(str(t("meet.btn.no", lang)), data=encode(FEATURE, "r", meeting_id, "n")),
        Button(str(t("meet.btn.maybe", lang)), data=encode(FEATURE, "r", meeting_id, "m")))]
    if extras:
        rows.append((Button(str(t("meet.btn.who", lang)), data=encode(FEATURE, "who", meeting_id)),
                     Button(str(t("meet.btn.ics", lang)), data=encode(FEATURE, "ics", meeting_id))))
    return tuple(rows)


def rsvp_rows(meeting_id: int, lang: str, *, extras: bool = True) -> list[list[tuple[str, str]]]:
    """The RSVP buttons as (label, data) rows, for replies that still take that shape."""
    return [[(b.label, b.data or "") for b in row] for row in rsvp_buttons(meeting_id, lang, extras=extras)]


def group_text(info: MeetingInfo, lang: str, counts: Tally) -> Html:
    """The group announcement: the card and the live tally."""
    head = t("meet.announce.group_head", lang) if not info.meeting.cancelled else Html("")
    return Html(f"{head}{card(info, lang)}\n\n{tally_line(counts, lang)}")


def private_announcement(info: MeetingInfo, lang: str, forum_name: str) -> Html:
    return Html(f"{t('meet.announce.private_head', lang, forum=forum_name)}"
                f"{card(info, lang)}\n\n{t('meet.announce.ask', lang)}")


def your_answer(answer: Answer, lang: str) -> Html:
    return t("meet.remind.your_answer", lang, answer=t("meet.answer." + answer, lang))


def reminder_text(info: MeetingInfo, lang: str, answer: Answer | None) -> Html:
    meeting = info.meeting
    key = "meet.remind.pending" if answer is None else "meet.remind.coming"
    text = Html(f"{t(key, lang, title=meeting.title, when=when_text(meeting, lang))}"
                f"\n{t('meet.card.where', lang, place=place_text(meeting, info.village, lang))}")
    if answer is not None:
        text = Html(f"{text}\n{your_answer(answer, lang)}")
    return text


def attendance_prompt(meeting: Meeting, lang: str) -> View:
    return View(str(t("meet.att.prompt", lang, title=meeting.title)), (
        (Button(str(t("meet.btn.attendance", lang)), data=encode(FEATURE, "att", meeting.id)),),
        (Button(str(t("meet.btn.minutes", lang)), data=encode(FEATURE, "min", meeting.id)),)))


def host_notice(meeting: Meeting, village: str, lang: str) -> View:
    return View(str(t("meet.host.notice", lang, village=village, title=meeting.title, when=when_text(meeting, lang))),
                ((Button(str(t("meet.btn.host_ok", lang)), data=encode(FEATURE, "hok", meeting.id)),
                  Button(str(t("meet.btn.host_swap", lang)), data=encode(FEATURE, "hsw", meeting.id))),))


def change_text(meeting: Meeting, lang: str, changes: list[str] | tuple[str, ...], *, cancelled: bool,
                reason: str | None) -> str:
    """What changed (or that the meeting is cancelled, with the reason)."""
    if cancelled:
        head = t("meet.cancel.notice", lang, title=meeting.title, when=when_text(meeting, lang))
        if reason:
            head = Html(f"{head}\n{t('meet.cancel.reason', lang, reason=reason)}")
        return str(head)
    lines = [str(t("meet.change.notice", lang, title=meeting.title))]
    lines += [str(t(f"meet.change.{c}", lang)) for c in changes]
    lines.append(str(t("meet.card.when", lang, when=when_text(meeting, lang))))
    return "\n".join(lines)


# -- screens ----------------------------------------------------------------------------------------
def date_button(icon: str, meeting: Meeting, host: str | None, lang: str) -> str:
    """'✅ Sab 12 Des 09.00 · Sidasari': the date and host, so a series' buttons differ."""
    day = format_date_short(meeting.starts_at.astimezone(meeting.zone).date(), lang)
    label = f"{icon} {day} {format_time(meeting.starts_at, meeting.zone, lang)} · {meeting.title[:24]}"
    return f"{label} · {host[:18]}" if host else label


def _icon(own: Rsvp | None) -> str:
    return ICONS.get(own.answer, "❔") if own else "❔"


def agenda(entries: Sequence[AgendaEntry], actions: Sequence[ActionItem], lang: str) -> View:
    """Upcoming meetings, one line per series with its next date and host, and open follow-ups."""
    lines = [str(t("meet.agenda.title", lang))]
    rows: list[tuple[Button, ...]] = []
    if not entries:
        lines.append(str(t("meet.agenda.empty", lang)))
    for entry in entries:
        m, own = entry.meeting, entry.answer
        answer = t(f"meet.answer.{own.answer}", lang) if own else t("meet.answer.none", lang)
        lines.append(str(t("meet.agenda.line", lang, title=m.title, when=when_text(m, lang),
                           forum=entry.forum_name, answer=answer)))
        if entry.host:
            lines.append(str(t("meet.agenda.host", lang, village=entry.host)))
        if entry.more:
            lines.append(str(t("meet.agenda.series_more", lang, n=entry.more)))
        rows.append((Button(date_button(_icon(own), m, entry.host, lang), data=encode(FEATURE, "d", m.id)),))
        if entry.more and m.series_id is not None:
            rows.append((Button(str(t("meet.btn.all_dates", lang, title=m.title[:24])),
                                data=encode(FEATURE, "ser", m.series_id)),))
    if actions:
        lines.append("")
        lines.append(str(t("meet.actions.yours", lang)))
        for item in actions[:10]:
            lines.append(str(t("meet.actions.line", lang, text=item.text, due=format_date(item.due_date, lang))))
            rows.append((Button(str(t("meet.btn.done_action", lang, text=item.text[:30])),
                                data=encode(FEATURE, "done", item.id)),))
    return View("\n".join(lines), tuple(rows))


def series_dates(entries: Sequence[AgendaEntry], lang: str) -> View:
    rows = [(Button(date_button(_icon(e.answer), e.meeting, e.host, lang), data=encode(FEATURE, "d", e.meeting.id)),)
            for e in entries]
    rows.append((back_to_agenda(lang),))
    return View(str(t("meet.agenda.series_title", lang, title=entries[0].meeting.title, n=len(entries))), tuple(rows))


def back_to_agenda(lang: str) -> Button:
    return Button(str(t("meet.btn.back", lang)), data=encode(FEATURE, "ag"))


def forum_agenda(forum_name: str, meetings: Sequence[tuple[Meeting, Tally]], lang: str) -> View:
    lines = [str(t("meet.agenda.title_forum", lang, forum=forum_name))]
    if not meetings:
        lines.append(str(t("meet.agenda.empty", lang)))
    rows = []
    for m, counts in meetings:
        lines.append(str(t("meet.agenda.group_line", lang, title=m.title, when=when_text(m, lang),
                           tally=tally_line(counts, lang))))
        rows.append((Button(m.title[:50], data=encode(FEATURE, "d", m.id)),))
    return View("\n".join(lines), tuple(rows))


def detail_text(info: MeetingInfo, forum_name: str, counts: Tally, own: Rsvp | None, lang: str) -> Html:
    lines = [str(card(info, lang, forum_name=forum_name)), "", str(tally_line(counts, lang))]
    if own is not None:
        extra = ""
        if own.answer == "yes" and own.party_size > 1:
            extra = str(t("meet.rsvp.party_note", lang, n=own.party_size))
        lines.append(str(your_answer(own.answer, lang)) + extra)
    else:
        lines.append(str(t("meet.rsvp.not_yet", lang)))
    return Html("\n".join(lines))


def detail_buttons(meeting: Meeting, lang: str, *, koordinator: bool, started: bool) -> Rows:
    rows: list[tuple[Button, ...]] = []
    if not started and not meeting.cancelled:
        rows += rsvp_buttons(meeting.id, lang)
    else:
        rows.append((Button(str(t("meet.btn.who", lang)), data=encode(FEATURE, "who", meeting.id)),))
    if meeting.documents:
        rows.append((Button(str(t("meet.btn.docs", lang)), data=encode(FEATURE, "docs", meeting.id)),))
    if koordinator and not meeting.cancelled:
        if started:
            rows.append((Button(str(t("meet.btn.attendance", lang)), data=encode(FEATURE, "att", meeting.id)),
                         Button(str(t("meet.btn.minutes", lang)), data=encode(FEATURE, "min", meeting.id))))
        else:
            rows.append((Button(str(t("meet.btn.manage", lang)), data=encode(FEATURE, "mg", meeting.id)),))
    return tuple(rows)


def who_text(meeting: Meeting, people: Sequence[tuple[MemberInForum, Rsvp | None]], lang: str) -> str:
    """Who said Hadir / Mungkin / Tidak / nothing yet, with their village."""
    groups: dict[str, list[str]] = {"yes": [], "maybe": [], "no": [], "none": []}
    for entry, r in people:
        village = entry.village.name if entry.village else "-"
        line = f"• {entry.member.full_name} ({village})"
        if r is not None and r.answer == "yes" and r.party_size > 1:
            line += str(t("meet.rsvp.party_note", lang, n=r.party_size))
        groups[r.answer if r else "none"].append(line)
    out = [str(t("meet.who.title", lang, title=meeting.title))]
    for key in ("yes", "maybe", "no", "none"):
        out.append(str(t(f"meet.who.{key}", lang, count=len(groups[key]))))
        out += [escape(x) for x in groups[key]] or ["  —"]
    return "\n".join(out)


def after_answer(meeting: Meeting, answer: Answer, lang: str) -> View:
    """The answer saved, and its follow-up: how many come (Hadir) or why not (Tidak hadir)."""
    follow = {"yes": "meet.rsvp.ask_party", "no": "meet.rsvp.ask_reason", "maybe": "meet.rsvp.maybe_note"}[answer]
    text = (f"{t('meet.rsvp.saved', lang, title=meeting.title, answer=t(f'meet.answer.{answer}', lang))}\n"
            f"{t(follow, lang)}")
    rows: list[tuple[Button, ...]] = []
    if answer == "yes":
        rows.append(tuple(Button(str(n) if n < 5 else "5+", data=encode(FEATURE, "ppl", meeting.id, n))
                          for n in (1, 2, 3, 4, 5)))
    if answer == "no":
        rows.append((Button(str(t("meet.btn.reason", lang)), data=encode(FEATURE, "why", meeting.id)),))
    rows += rsvp_buttons(meeting.id, lang)
    return View(text, tuple(rows))


def manage_menu(meeting: Meeting, lang: str) -> View:
    mid = meeting.id

    def b(key: str, action: str, *args: str | int) -> Button:
        return Button(str(t(key, lang)), data=encode(FEATURE, action, *args))

    return View(str(t("meet.manage.title", lang, title=meeting.title)), (
        (b("meet.btn.change_when", "ed", mid, "when"), b("meet.btn.change_place", "ed", mid, "place")),
        (b("meet.btn.change_title", "ed", mid, "title"), b("meet.btn.change_agenda", "ed", mid, "agenda")),
        (b("meet.btn.max", "ed", mid, "limits"), b("meet.btn.deadline", "ed", mid, "deadline")),
        (b("meet.btn.reminders", "rm", mid),),
        (b("meet.btn.cancel_meeting", "cx", mid),)))


def edit_scope(meeting_id: int, field: str, lang: str) -> View:
    """In a series: change this meeting only, or all that follow?"""
    return View(str(t("meet.edit.scope_ask", lang)), (
        (Button(str(t("meet.btn.scope_one", lang)), data=encode(FEATURE, "ed", meeting_id, field, "one")),),
        (Button(str(t("meet.btn.scope_all", lang)), data=encode(FEATURE, "ed", meeting_id, field, "all")),)))


def reminder_buttons(codes: Sequence[str], lang: str, data_for: Callable[[str], str]) -> Rows:
    return tuple((Button(("✅ " if code in codes else "⬜ ") + str(t(f"meet.rem.{code}", lang)), data=data_for(code)),)
                 for code in REMINDERS)


def meeting_reminders(meeting: Meeting, codes: Sequence[str], lang: str) -> View:
    return View(str(t("meet.reminders.title", lang, title=meeting.title)),
                reminder_buttons(codes, lang, lambda code: encode(FEATURE, "rm", meeting.id, code)))


def forum_reminders(forum_id: int, forum_name: str, codes: Sequence[str], lang: str) -> View:
    return View(str(t("meet.reminders.forum_title", lang, forum=forum_name)),
                reminder_buttons(codes, lang, lambda code: encode(FEATURE, "rmf", forum_id, code)))


def cancel_ask(meeting: Meeting, lang: str) -> View:
    rows = [(Button(str(t("meet.btn.cancel_one", lang)), data=encode(FEATURE, "cxy", meeting.id, "one")),)]
    if meeting.series_id is not None:
        rows.append((Button(str(t("meet.btn.cancel_all", lang)), data=encode(FEATURE, "cxy", meeting.id, "all")),))
    rows.append((Button(str(t("core.back", lang)), data=encode(FEATURE, "mg", meeting.id)),))
    return View(str(t("meet.cancel.ask", lang, title=meeting.title)), tuple(rows))
