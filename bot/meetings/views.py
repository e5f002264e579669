"""How meetings read on a phone: pure functions, loaded data in, text or a `View` out.

Nothing here touches the database: a loader (bot.meetings.loaders) fetches what a view needs
first (the host village's label, the series rule), so the same view serves replies and pushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.callbacks import encode
from bot.meetings.rules import Answer, Tally
from bot.recurrence import Recurrence, describe
from bot.render import short_kabupaten
from bot.texts import Html, t
from bot.timefmt import format_datetime, format_time, zone_label
from bot.view import Button, Rows, View
from storage.meetings import Meeting, Series
from storage.models import Region

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
