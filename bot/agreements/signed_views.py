"""Views of a signed kerja sama (stage pelaksanaan/pelaporan): pure, loaded data in, a `View` out.

The card (registration review and detail), and the detail with its evaluations, follow-ups and history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.agreements import rules, running, views
from bot.bidang import bidang_label
from bot.callbacks import encode
from bot.texts import t
from bot.timefmt import format_date, format_date_short, format_rupiah
from bot.view import View, rows_of

FEATURE = views.RECORD_FEATURE


@dataclass(frozen=True)
class Viewer:
    """Who looks: what buttons they get depends on it."""
    user_id: int
    staff: bool
    village: str | None
    kades: bool


def card_lines(*, lang: str, title: str, parties: list[tuple[str, str | None]], bidang: str | None,
                objective: str | None, scope: str | None, fsource: str | None, famount: int | None,
                legal: str | None, start: date, end: date, body: str | None, rhythm: str,
                has_doc: bool) -> list[str]:
    dash = "-"
    lines = [str(t("agr.card.title", lang, title=title))]
    lines.append(str(t("agr.card.parties", lang)))
    for name, rights in parties:
        lines.append(str(t("agr.card.party", lang, name=name)))
        if rights:
            lines.append(str(t("agr.card.rights", lang, text=rights)))
    lines.append(str(t("agr.card.bidang", lang, bidang=bidang_label(bidang, lang) if bidang else dash)))
    lines.append(str(t("agr.card.objective", lang, text=objective or dash)))
    if scope:
        lines.append(str(t("agr.card.scope", lang, text=scope)))
    lines.append(str(t("agr.card.funding", lang, source=fsource or dash,
                       amount=format_rupiah(famount) if famount else dash)))
    lines.append(str(t("agr.card.legal", lang, text=legal or dash)))
    lines.append(str(t("agr.card.dates", lang, start=format_date(start, lang), end=format_date(end, lang))))
    lines.append(str(t("agr.card.body", lang, text=body or dash)))
    lines.append(str(t("agr.card.rhythm", lang, rhythm=rules.rhythm_label(rhythm, lang))))
    lines.append(str(t("agr.card.doc_yes" if has_doc else "agr.card.doc_no", lang)))
    return lines


def detail(d: running.Detail, viewer: Viewer, lang: str) -> View:
    """The signed agreement with its state, evaluations per period, follow-ups, history and actions."""
    agreement, opened, evaluations, followups, events, today, tz = (
        d.agreement, d.opened, d.evaluations, d.followups, d.events, d.today, d.zone)
    state = rules.state_of(agreement, opened, evaluations, today)
    lines = card_lines(lang=lang, title=agreement.title,
                       parties=[(p.name, p.rights_obligations) for p in agreement.parties],
                       bidang=agreement.bidang, objective=agreement.objective, scope=agreement.scope,
                       fsource=agreement.funding_source, famount=agreement.funding_amount,
                       legal=agreement.legal_basis, start=agreement.start_date, end=agreement.end_date,
                       body=agreement.executing_body, rhythm=agreement.rhythm,
                       has_doc=bool(agreement.document_file_id))
    lines.insert(1, str(t("agr.detail.state", lang, state=rules.state_label(state, lang))))
    if agreement.status == "ended":
        lines.append(str(t("agr.detail.ended_early", lang, date=format_date(agreement.end_date, lang),
                           reason=agreement.end_reason or "-")))
    upcoming = rules.next_evaluation(agreement, today)
    if upcoming:
        lines.append(str(t("agr.detail.next_eval", lang, date=format_date(upcoming, lang))))
    # Evaluations, period by period.
    averages = rules.period_averages(evaluations)
    lines.append("")
    lines.append(str(t("agr.detail.evaluations", lang)))
    if not opened:
        lines.append(str(t("agr.detail.no_evaluations", lang)))
    for period in opened:
        answers = {e.party_position: e for e in evaluations
                   if e.period_index == period.period_index and e.status == "submitted"}
        lines.append(str(rules.period_line(period.period_index, period.starts, period.ends, lang))
                     + (f" — ⌀ {rules.format_average(averages[period.period_index], lang)}"
                        if period.period_index in averages else ""))
        for party in agreement.villages:
            answer = answers.get(party.position)
            if answer is not None and answer.rating is not None:
                lines.append(str(t("agr.detail.eval_party", lang, party=party.name, stars=rules.stars(answer.rating))))
            else:
                late = period.overdue_at is not None
                lines.append(str(t("agr.detail.eval_missing_late" if late else "agr.detail.eval_missing", lang,
                                   party=party.name)))
    if followups:
        lines.append("")
        lines.append(str(t("agr.detail.followups", lang)))
        lines.extend(rules.followup_line(agreement, f, lang, today) for f in followups)
    lines.append("")
    lines.append(str(t("agr.detail.history", lang)))
    names = {p.position: p.name for p in agreement.parties}
    for event in events:
        when = format_date_short(event.at.astimezone(tz).date(), lang)
        if event.kind == "amended" and event.field in running.AMEND_FIELDS:
            lines.append(str(t("agr.history.amended", lang, date=when,
                               field=str(t(f"agr.field.{event.field}", lang)) if event.field else "-",
                               old=event.old_value or "-", new=event.new_value or "-", note=event.note or "-")))
        else:
            lines.append(views.event_line(event, names, lang, tz))
    rows: list[list[tuple[str, str]]] = []
    for period in opened:
        for party in agreement.villages:
            if party.village_code == viewer.village and party.position in rules.missing_positions(
                    agreement, [e for e in evaluations if e.period_index == period.period_index]):
                rows.append([(str(t("agr.detail.fill_button", lang, index=period.period_index)),
                              encode(FEATURE, "ev", agreement.id, period.period_index, party.position))])
    for item in followups:
        if item.done_at is None and running.may_close_followup(
                agreement, item.owner_position, item.created_by, user_id=viewer.user_id,
                staff=viewer.staff, village=viewer.village):
            rows.append([(str(t("agr.fu.done_short", lang, text=item.description[:30])),
                          encode(FEATURE, "fd", item.id))])
    rows.append([(str(t("ks.open_button", lang)), encode(views.FEATURE, "o", agreement.id))])
    if agreement.document_file_id:
        rows.append([(str(t("agr.detail.doc_button", lang)), encode(FEATURE, "doc", agreement.id))])
    if viewer.staff or viewer.kades:  # MAD and drafts: handlers.musyawarah
        rows.append([(str(t("mus.btn.agreement", lang)), encode("ms", "a", agreement.id))])
    if agreement.status == "active" and agreement.end_date >= today:
        rows.append([(str(t("agr.detail.amend_button", lang)), encode(FEATURE, "am", agreement.id)),
                     (str(t("agr.detail.renew_button", lang)), encode(FEATURE, "rn", agreement.id))])
        rows.append([(str(t("agr.detail.end_button", lang)), encode(FEATURE, "end", agreement.id))])
    return View("\n".join(lines), rows_of(rows))


def listing(listed: running.Listed, lang: str) -> View:
    """/kerjasama: each agreement with its state (or its stage before signing) and a button to open it."""
    if not listed.items:
        return View(str(t("agr.list.empty", lang, forum=listed.forum_name)))
    today = listed.today
    lines = [str(t("agr.list.title", lang, forum=listed.forum_name, count=len(listed.items)))]
    rows: list[list[tuple[str, str]]] = []
    for number, (agreement, state) in enumerate(listed.items, start=1):
        upcoming = rules.next_evaluation(agreement, today)
        lines.append(str(t("agr.list.line", lang, number=number, title=agreement.title,
                           parties=", ".join(p.name for p in agreement.parties),
                           state=rules.state_label(state, lang) if agreement.stage in ("pelaksanaan", "pelaporan")
                           else views.stage_label(agreement.stage, lang),
                           end=format_date_short(agreement.end_date, lang))))
        if upcoming and state not in ("berakhir",):
            lines.append(str(t("agr.list.next_eval", lang, date=format_date_short(upcoming, lang))))
        rows.append([(f"{number}. {agreement.title[:40]}", encode(FEATURE, "o", agreement.id))])
    return View("\n".join(lines), rows_of(rows))
