"""Pure views of the visits feature: loaded data in, `View` (HTML + buttons) out.

Places are named the way the registry names them ("Desa Caruy", "Kelurahan Rantepao",
"Nagari Inderapura"), never a hard "Desa" in front of every village.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot import bidang
from bot.callbacks import encode
from bot.place_titles import place_name, place_title
from bot.render import jabatan_label, short_kabupaten
from bot.texts import Html, t, t_plain
from bot.timefmt import format_date, format_date_short
from bot.view import Button, Rows, View, per_row, rows_of
from bot.visits import rules
from storage.models import Member, Region
from storage.visits import ForumSummary, VisitReport, VisitRow

FEATURE = "v"
MAX_PURPOSE = 500
MIN_PURPOSE = 5
MAX_MESSAGE = 1000
MAX_REPORT_PART = 1500
MAX_NOTE = 1000
MAX_PHOTOS = 5
MAX_BIDANG = 3
LIST_LIMIT = 8


@dataclass(frozen=True)
class Parties:
    """The two sides of a visit and their villages, loaded before rendering."""

    requester: Member | None
    host: Member | None
    origin: Region | None  # the requester's village
    destination: Region | None  # the host village

    def village_of(self, side: rules.Side) -> Region | None:
        return self.origin if side == "requester" else self.destination


def place(region: Region | None) -> str:
    """'Desa Caruy', 'Kelurahan Rantepao', 'Nagari Inderapura' ('-' when unknown)."""
    return place_name(region.code, region.name) if region is not None else "-"


def area(region: Region | None) -> str:
    if region is None:
        return "-"
    return f"{place(region)} (Kec. {region.kecamatan}, {short_kabupaten(region.kabupaten)})"


def date_list(days: Sequence[date], lang: str) -> str:
    return "\n".join(f"• {format_date(d, lang)}" for d in days)


# -- the visit card ----------------------------------------------------------------------------
def card_text(row: VisitRow, who: Parties, lang: str) -> str:
    """The visit as a card: who, what, how many, dates, state."""
    requester, host = who.requester, who.host
    lines = [
        str(t("visit.card_title", lang, id=row.id)),
        str(t("visit.card_from", lang, village=area(who.origin), name=requester.full_name if requester else "-",
              jabatan=jabatan_label(requester.jabatan, lang, row.requester_village) if requester else "")),
        str(t("visit.card_to", lang, village=area(who.destination), name=host.full_name if host else "-")),
        str(t("visit.card_purpose", lang, purpose=row.purpose)),
        str(t("visit.card_bidang", lang, bidang=bidang.labels(row.bidang, lang))),
        str(t("visit.card_people", lang, people=row.people)),
    ]
    if row.message:
        lines.append(str(t("visit.card_message", lang, message=row.message)))
    if row.state in rules.OPEN:
        key = "visit.card_dates_from_host" if row.awaiting == "requester" else "visit.card_dates"
        lines.append(str(t(key, lang)) + "\n" + date_list(row.proposed_dates, lang))
    elif row.visit_date is not None:
        lines.append(str(t("visit.card_date", lang, date=format_date(row.visit_date, lang))))
    lines.append(str(t("visit.card_state", lang, state=t(f"visit.state.{row.state}", lang))))
    if row.reason and row.state in ("ditolak", "dibatalkan"):
        lines.append(str(t("visit.card_reason", lang, reason=row.reason)))
    if row.host_note:
        lines.append(str(t("visit.card_host_note", lang, note=row.host_note)))
    return "\n".join(lines)


def action_buttons(row: VisitRow, viewer: int, today: date, lang: str, report: VisitReport | None = None) -> Rows:
    """The buttons this person may press on this visit now (hiding is not checking: presses are checked)."""
    v = rules.of(row)
    rows: list[list[Button]] = []
    if rules.may(v, viewer, "accept", today):
        for day in row.proposed_dates:
            if day > today:
                rows.append([Button(str(t("visit.btn_accept", lang, date=format_date_short(day, lang))),
                                    data=encode(FEATURE, "acc", row.id, row.round, day.strftime("%Y%m%d")))])
    if rules.may(v, viewer, "propose", today):
        rows.append([Button(str(t("visit.btn_propose", lang)), data=encode(FEATURE, "prop", row.id, row.round))])
    if rules.may(v, viewer, "reject", today):
        rows.append([Button(str(t("visit.btn_reject", lang)), data=encode(FEATURE, "rej", row.id))])
    if rules.may(v, viewer, "cancel", today):
        key = "visit.btn_withdraw" if row.state in rules.OPEN else "visit.btn_cancel"
        rows.append([Button(str(t(key, lang)), data=encode(FEATURE, "can", row.id))])
    if rules.may(v, viewer, "complete", today):
        rows.append([Button(str(t("visit.btn_done", lang)), data=encode(FEATURE, "done", row.id))])
    after_visit = row.state == "selesai" or (row.state == "diterima" and row.visit_date is not None
                                             and today >= row.visit_date)
    if after_visit and viewer == row.requester_user_id and report is None:
        rows.append([Button(str(t("visit.btn_report", lang)), data=encode(FEATURE, "rep", row.id))])
    if report is not None and report.published_at is None and viewer == row.requester_user_id:
        rows.append([publish_button(row.id, lang)])
    if after_visit and viewer == row.host_user_id:
        rows.append([Button(str(t("visit.btn_note", lang)), data=encode(FEATURE, "note", row.id))])
    return rows_of(rows)


def publish_button(visit_id: int, lang: str) -> Button:
    return Button(str(t("visit.btn_publish", lang)), data=encode(FEATURE, "pub", visit_id))


def card(row: VisitRow, who: Parties, lang: str, *, headline: str | None = None, viewer: int | None = None,
         today: date | None = None, report: VisitReport | None = None, with_card: bool = True,
         with_report: bool = False) -> View:
    """A headline, the card, and (for one of the two sides) their buttons."""
    parts = [headline] if headline else []
    if with_card:
        parts.append(card_text(row, who, lang))
    if with_report and report is not None:
        parts.append(str(t("visit.report_block", lang, learned=report.learned, apply=report.will_apply)))
    buttons: Rows = ()
    if viewer is not None and today is not None:
        buttons = action_buttons(row, viewer, today, lang, report)
    return View("\n\n".join(parts), buttons)


# -- lists -------------------------------------------------------------------------------------
def list_line(row: VisitRow, names: dict[str, str], lang: str) -> str:
    day = row.visit_date or (row.proposed_dates[0] if row.proposed_dates else None)
    when = format_date_short(day, lang) if day else "-"
    if row.state in rules.OPEN and row.visit_date is None and row.proposed_dates:
        when = "? " + when
    return str(t("visit.list_line", lang, id=row.id, origin=names.get(row.requester_village, "-"),
                 host=names.get(row.host_village, "-"), bidang=bidang.labels(row.bidang[:1], lang), when=when,
                 state=t(f"visit.state.{row.state}", lang)))


def listing(rows: Sequence[VisitRow], names: dict[str, str], viewer: int, today_of: dict[int, date], lang: str,
            *, may_see_forum: bool) -> View:
    """/kunjungan: waiting for them, incoming, outgoing, upcoming, past; and a new-request button."""
    sections: dict[str, list[VisitRow]] = {"incoming": [], "outgoing": [], "upcoming": [], "past": []}
    for row in rows:
        if row.state in rules.OPEN:
            sections["incoming" if row.host_user_id == viewer else "outgoing"].append(row)
        elif row.state == "diterima" and row.visit_date is not None and row.visit_date >= today_of[row.id]:
            sections["upcoming"].append(row)
        else:
            sections["past"].append(row)
    sections["upcoming"].sort(key=lambda r: (r.visit_date or date.max, r.id))
    parts = [str(t("visit.list_title", lang))]
    buttons: list[Button] = []
    for name, items in sections.items():
        if not items:
            continue
        parts.append(str(t(f"visit.list_{name}", lang, count=len(items))))
        for row in items[:LIST_LIMIT]:
            line = list_line(row, names, lang)
            if row.state in rules.OPEN and row.awaiting == rules.of(row).side_of(viewer):
                line = "👉 " + line
            parts.append(line)
            if name != "past" or len(buttons) < LIST_LIMIT * 2:
                other = row.host_village if row.requester_user_id == viewer else row.requester_village
                buttons.append(Button(str(t("visit.btn_show", lang, id=row.id, village=names.get(other, "-"))),
                                      data=encode(FEATURE, "show", row.id)))
    if not rows:
        parts.append(str(t("visit.list_empty", lang)))
    shown = list(buttons[:12])
    shown.append(Button(str(t("visit.btn_new", lang)), data=encode(FEATURE, "new")))
    if may_see_forum:
        shown.append(Button(str(t("visit.btn_forum_summary", lang)), data=encode(FEATURE, "all")))
    return View("\n".join(parts), per_row(shown))


def forum_summary(forum_name: str, rows: Sequence[VisitRow], summary: ForumSummary, names: dict[str, str],
                  lang: str) -> View:
    """For koordinator and pendamping: all visits between the forum's villages, summarised."""
    if not rows:
        return View(str(t("visit.summary_empty", lang, forum=forum_name)))
    states = ", ".join(f"{t(f'visit.state_short.{s}', lang)} {n}" for s, n in
                       sorted(summary.by_state.items(), key=lambda kv: rules.STATES.index(kv[0])))  # type: ignore[arg-type]
    bidang_line = ", ".join(f"{bidang.bidang_label(code, lang)} ({n})" for code, n in summary.by_bidang[:6])
    hosts = "\n".join(str(t("visit.summary_host", lang, village=names.get(code, code), count=n))
                      for code, n in summary.top_hosts) or str(t("visit.summary_no_hosts", lang))
    parts = [str(t("visit.summary", lang, forum=forum_name, total=summary.total, states=states,
                   bidang=bidang_line or "-", hosts=Html(hosts))),
             str(t("visit.summary_recent", lang))]
    parts.extend(list_line(row, names, lang) for row in rows[:15])
    return View("\n".join(parts))


# -- the request form's prompts ----------------------------------------------------------------
# A form step's buttons answer that step: the caller passes how a (label, value) becomes a button.
ButtonOf = Callable[[str, str], Button]


def ask_host(lang: str, *, everywhere: bool = False) -> View:
    return View(str(t("ask.village_everywhere" if everywhere else "visit.ask_host", lang)))


def host_found(choices: Sequence[tuple[Region, int]], unreachable: Region | None, query: str, lang: str,
               button: ButtonOf, *, guessed: bool, elsewhere: bool) -> View:
    """What fits the typed host village: villages whose head shares a forum with the asker (a guess
    is asked as "Maksud Bapak/Ibu: …?"), else why the best match cannot be visited, else nothing found.
    "Tidak ada di daftar" searches the whole country (or takes a kode wilayah)."""
    buttons = [button(f"{place(region)} — Kec. {region.kecamatan}"[:60], str(head)) for region, head in choices]
    if elsewhere:
        buttons.append(button(str(t("village.not_listed", lang)), "all"))
    if choices:
        text = t("visit.host_did_you_mean", lang, village=place(choices[0][0])) if guessed else t("visit.host_pick",
                                                                                                   lang)
    elif unreachable is not None:
        text = t("visit.host_not_member", lang, head=place_title(unreachable.code).head, name=unreachable.name,
                 village=place(unreachable))
    else:
        text = t("visit.host_none", lang, query=query[:60])
    return View(str(text), per_row(buttons))


def ask_purpose(village: str, lang: str) -> View:
    return View(str(t("visit.ask_purpose", lang, village=village, max=MAX_PURPOSE)))


def bidang_picker(selected: Sequence[str], lang: str, button: ButtonOf) -> View:
    buttons = [button(("✅ " if b.code in selected else "") + b.label(lang), b.code) for b in bidang.BIDANG]
    rows = (*per_row(buttons, 2), (button(str(t("visit.btn_next", lang)), "ok"),))
    chosen = bidang.labels(selected, lang)
    text = str(t("visit.ask_bidang", lang, max=MAX_BIDANG)) + "\n\n" + str(
        t("dir.selected", lang, labels=chosen) if chosen else t("dir.selected_none", lang))
    return View(text, rows)


def date_prompt(dates: Sequence[date], lang: str, button: ButtonOf, *, minimum: int,
                counter_for: int | None = None) -> View:
    """Ask for the next date; once `minimum` are in, offer to stop ('Cukup N tanggal': value "ok")."""
    text = str(t("visit.ask_date", lang, n=len(dates) + 1))
    if dates:
        text = str(t("visit.dates_so_far", lang, dates=date_list(dates, lang))) + "\n\n" + text
    elif counter_for is not None:
        text = str(t("visit.ask_counter", lang, id=counter_for)) + "\n\n" + text
    buttons: list[Button] = []
    if len(dates) >= minimum:
        buttons.append(button(str(t("visit.btn_enough_dates", lang, count=len(dates))), "ok"))
    if counter_for is not None:
        buttons.append(button(str(t("core.cancel", lang)), "quit"))
    return View(text, per_row(buttons))


def ask_people(lang: str) -> View:
    return View(str(t("visit.ask_people", lang, max=rules.MAX_PEOPLE)))


def ask_message(lang: str, button: ButtonOf) -> View:
    return View(str(t("visit.ask_message", lang, max=MAX_MESSAGE)), ((button(str(t("core.skip", lang)), "skip"),),))


def request_review_head(lang: str) -> str:
    return str(t("visit.review_head", lang))


def sent(visit_id: int, village: str, crossing_id: int | None, lang: str) -> View:
    text = str(t("visit.sent", lang, id=visit_id, village=village))
    if crossing_id is not None:
        text += "\n\n" + str(t("visit.crossing", lang, id=crossing_id, village=village))
    return View(text)


def ask_reason(event: str, visit_id: int, lang: str) -> View:
    return View(str(t(f"visit.ask_reason_{event}", lang, id=visit_id, max=rules.MAX_REASON)),
                ((Button(str(t("core.cancel", lang)), data=encode(FEATURE, "quit")),),))


def ask_report_part(step: str, lang: str, button: ButtonOf, *, photos: int = 0) -> View:
    if step == "learned":
        return View(str(t("visit.ask_learned", lang, max=MAX_REPORT_PART)))
    if step == "apply":
        return View(str(t("visit.ask_apply", lang, max=MAX_REPORT_PART)))
    text = (t("visit.photo_saved", lang, count=photos, max=MAX_PHOTOS) if photos
            else t("visit.ask_photos", lang, max=MAX_PHOTOS))
    return View(str(text), ((button(str(t("visit.btn_report_done", lang)), "ok"),),))


def report_saved(report_learned: str, report_apply: str, visit_id: int, lang: str) -> View:
    text = str(t("visit.report_saved", lang)) + "\n\n" + str(
        t("visit.report_block", lang, learned=report_learned, apply=report_apply))
    return View(text, ((publish_button(visit_id, lang),),))


# -- the report as an experience post ----------------------------------------------------------
def post_title(who: Parties, lang: str) -> str:
    return t_plain("visit.post_title", lang, origin=place(who.origin), host=place(who.destination))


def post_story(row: VisitRow, report: VisitReport, who: Parties, lang: str) -> str:
    parts = [t_plain("visit.post_story", lang, purpose=row.purpose, learned=report.learned, apply=report.will_apply)]
    if row.host_note:
        parts.append(t_plain("visit.post_host_note_plain", lang, village=place(who.destination), note=row.host_note))
    return "\n\n".join(parts)
