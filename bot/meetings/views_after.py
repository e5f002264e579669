"""Views of what follows a meeting: daftar hadir, notulen, action items, host swaps, past meetings.

Pure like bot.meetings.views: names and labels are loaded first and passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from bot.callbacks import encode
from bot.meetings.views import FEATURE, MeetingInfo, card, when_text
from bot.texts import Html, escape, t
from bot.timefmt import format_date, format_datetime
from bot.view import Button, Rows, View
from storage.meetings import ActionItem, Attendance, Meeting, MeetingAttendance, Minutes

# A declared form's button answering its step with a value (bot.forms.Ctx.button).
ButtonFor = Callable[[str, str | int], Button]

# (text, owner user id, due date) of an action item, saved or still in the minutes form.
ActionLine = tuple[str, int, date]


# -- daftar hadir ------------------------------------------------------------------------------------
def attendance_sheet(title: str, people: Sequence[tuple[int, str]], present: set[int], lang: str,
                     button: ButtonFor, save: str) -> View:
    """Every listed person as a toggle (✅ present / ⬜ absent), then Simpan.

    `button(label, value)` makes the form's button answering with `value` (a user id, or `save`).
    """
    rows = [(button(f"{'✅' if uid in present else '⬜'} {name}"[:60], uid),) for uid, name in people]
    rows.append((button(str(t("meet.btn.save_attendance", lang)), save),))
    return View(str(t("meet.att.title", lang, title=title, present=len(present), total=len(people))), tuple(rows))


def attendance_saved(meeting: Meeting, present: int, total: int, lang: str) -> View:
    return View(str(t("meet.att.saved", lang, title=meeting.title, present=present, total=total)),
                ((Button(str(t("meet.btn.minutes", lang)), data=encode(FEATURE, "min", meeting.id)),),))


# -- notulen and action items ---------------------------------------------------------------------------
def minutes_text(title: str, decisions: Sequence[str], actions: Sequence[ActionLine], names: Mapping[int, str],
                 lang: str) -> str:
    """The notulen: decisions, then action items with owner and due date."""
    lines = [str(t("meet.min.title", lang, title=title)), str(t("meet.min.decisions", lang))]
    lines += [f"{i}. {escape(x)}" for i, x in enumerate(decisions, 1)] or ["—"]
    lines.append(str(t("meet.min.actions", lang)))
    for i, (text, owner, due) in enumerate(actions, 1):
        lines.append(str(t("meet.min.action_line", lang, n=i, text=text, owner=names.get(owner, "-"),
                           due=format_date(due, lang))))
    if not actions:
        lines.append("—")
    return "\n".join(lines)


def owner_choices(people: Sequence[tuple[int, str]], pending_action: str, lang: str, button: ButtonFor) -> View:
    return View(str(t("meet.min.ask_owner", lang, text=pending_action)),
                tuple((button(label[:60], uid),) for uid, label in people))


def action_buttons(action_id: int, lang: str) -> Rows:
    return ((Button(str(t("meet.btn.mark_done", lang)), data=encode(FEATURE, "done", action_id)),),)


def action_assigned(action_id: int, text: str, meeting: Meeting, due: date, lang: str) -> View:
    return View(str(t("meet.actions.assigned", lang, text=text, title=meeting.title, due=format_date(due, lang))),
                action_buttons(action_id, lang))


def action_reminder(action_id: int, text: str, due: date, lang: str) -> View:
    return View(str(t("meet.actions.reminder", lang, text=text, due=format_date(due, lang))),
                action_buttons(action_id, lang))


# -- host swaps ------------------------------------------------------------------------------------------
def swap_choices(meeting: Meeting, villages: Mapping[str, str], lang: str) -> View:
    return View(str(t("meet.host.pick", lang)),
                tuple((Button(name, data=encode(FEATURE, "hsv", meeting.id, code)),) for code, name in villages.items()))


def swap_request(swap_id: int, meeting: Meeting, other: Meeting | None, village: str, lang: str) -> View:
    """To the other village's kades: host instead of us (trading turns when `other` is theirs)."""
    if other is not None:
        text = t("meet.host.swap_request", lang, village=village, title=meeting.title,
                 when=when_text(meeting, lang), other_when=when_text(other, lang))
    else:
        text = t("meet.host.take_request", lang, village=village, title=meeting.title, when=when_text(meeting, lang))
    return View(str(text), ((Button(str(t("meet.btn.agree", lang)), data=encode(FEATURE, "hsa", swap_id, "y")),
                             Button(str(t("meet.btn.decline", lang)), data=encode(FEATURE, "hsa", swap_id, "n"))),))


# -- /pertemuan: past meetings -----------------------------------------------------------------------------
def past_list(forum_name: str, held: Sequence[MeetingAttendance], with_minutes: set[int],
              open_items: Sequence[ActionItem], names: Mapping[int, str], lang: str) -> View:
    """Past meetings with attendance rate and whether notulen exist, then open action items."""
    lines = [str(t("meet.past.title", lang, forum=forum_name))]
    rows = []
    if not held:
        lines.append(str(t("meet.past.empty", lang)))
    for item in held:
        m = item.meeting
        rate = (t("meet.past.rate", lang, present=item.present, total=item.recorded,
                  pct=round(100 * (item.rate or 0))) if item.recorded else t("meet.past.no_attendance", lang))
        has = "meet.past.has_minutes" if m.id in with_minutes else "meet.past.no_minutes"
        lines.append(str(t("meet.past.line", lang, title=m.title, when=format_datetime(m.starts_at, m.zone, lang),
                           rate=rate, minutes=t(has, lang))))
        rows.append((Button(m.title[:50], data=encode(FEATURE, "past", m.id)),))
    if open_items:
        lines += ["", str(t("meet.past.open_actions", lang, count=len(open_items)))]
        for a in open_items[:15]:
            lines.append(str(t("meet.past.action_line", lang, text=a.text, owner=names.get(a.owner_user_id, "-"),
                               due=format_date(a.due_date, lang))))
    return View("\n".join(lines), tuple(rows))


def past_detail(info: MeetingInfo, forum_name: str, attendance: Sequence[Attendance], minutes: Minutes | None,
                actions: Sequence[ActionItem], names: Mapping[int, str], lang: str) -> Html:
    """One past meeting: card, who was present, notulen and the state of its action items."""
    meeting = info.meeting
    lines = [str(card(info, lang, forum_name=forum_name))]
    if attendance:
        present = [a for a in attendance if a.present]
        lines.append(str(t("meet.past.rate", lang, present=len(present), total=len(attendance),
                           pct=round(100 * len(present) / len(attendance)))))
        lines.append(escape(", ".join(names.get(a.user_id, str(a.user_id)) for a in present)))
    else:
        lines.append(str(t("meet.past.no_attendance", lang)))
    if minutes:
        lines.append("")
        lines.append(minutes_text(meeting.title, minutes.decisions,
                                  [(a.text, a.owner_user_id, a.due_date) for a in actions], names, lang))
        for item in actions:
            lines.append(str(t("meet.past.action_status", lang, text=item.text,
                               status=t(f"meet.actions.status_{item.status}", lang))))
    return Html("\n".join(lines))
