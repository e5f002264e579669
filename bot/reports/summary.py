"""The monthly numbers as a few phone-sized lines (HTML), for /laporan and the digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date as babel_format_date

from bot.bidang import bidang_label
from bot.reports.labels import state_text
from bot.reports.monthly import MonthlyReport, Person
from bot.texts import Html, escape, normalise_language, t

MAX_NAMES = 10


def month_title(month: date, lang: str) -> str:
    return babel_format_date(month, "MMMM y", locale=normalise_language(lang))


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def rating(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if normalise_language(lang) == "id" else text


def names(people: Sequence[Person], lang: str, *, limit: int = MAX_NAMES, with_reason: bool = False) -> Html:
    """"Budi (Sidasari), Sri (Caruy)" or a bulleted list; escaped; at most `limit` then "… and N more"."""
    parts: list[str] = []
    for person in people[:limit]:
        label = person.name + (f" ({person.village})" if person.village else "")
        if with_reason and person.detail:
            label += f" — {reason_text(person.detail, lang)}"
        parts.append(escape(label))
    text = ", ".join(parts) if not with_reason else "\n".join(f"• {p}" for p in parts)
    if len(people) > limit:
        more = str(t("rep.digest.more", lang, count=len(people) - limit))
        text += ("\n" if with_reason else " ") + more
    return Html(text)


def reason_text(reason: str, lang: str) -> str:
    key = {"blocked": "blocked", "not_started": "not_started", "chat_not_found": "not_started",
           "deactivated": "deactivated"}.get(reason, "other")
    return str(t(f"rep.reason.{key}", lang))


def report_lines(report: MonthlyReport, lang: str) -> list[str]:
    """The numbers of the report, one line each, sections only for data sources that exist."""
    lines = [str(t("rep.line.members", lang, active=report.members_active, new=report.members_new))]
    if report.pending:
        lines.append(str(t("rep.line.pending", lang, count=len(report.pending))))
    if report.unreachable:
        lines.append(str(t("rep.line.unreachable", lang, count=len(report.unreachable))))
    if report.attendance is not None:
        current = report.attendance_this_month
        if current is not None and current.meetings and current.rate is not None:
            lines.append(str(t("rep.line.attendance", lang, meetings=current.meetings, rate=percent(current.rate))))
        elif current is not None and current.meetings:
            lines.append(str(t("rep.line.attendance_unrecorded", lang, meetings=current.meetings)))
        else:
            lines.append(str(t("rep.line.attendance_none", lang)))
    if report.missed_last_three:
        lines.append(str(t("rep.line.missed", lang, names=names(report.missed_last_three, lang))))
    if report.visits is not None:
        total = sum(v.made for v in report.visits)
        top = ""
        if total:
            best = max(report.visits, key=lambda v: (v.made + v.hosted, v.village))
            top = str(t("rep.line.visits_top", lang, village=best.village))
        lines.append(str(t("rep.line.visits", lang, count=total, top=Html(top))))
    if report.posts_by_bidang is not None:
        total = sum(n.count for n in report.posts_by_bidang)
        top = ""
        if total:
            best_post = max(report.posts_by_bidang, key=lambda n: (n.count, n.label))
            top = str(t("rep.line.posts_top", lang, bidang=bidang_label(best_post.label, lang)))
        lines.append(str(t("rep.line.posts", lang, count=total, top=Html(top))))
    if report.agreements_by_state is not None:
        states = [n for n in report.agreements_by_state if n.count]
        if states:
            text = ", ".join(f"{escape(state_text(n.label, lang))} {n.count}" for n in states)
            lines.append(str(t("rep.line.agreements", lang, states=Html(text))))
        else:
            lines.append(str(t("rep.line.agreements_none", lang)))
    if report.ratings is not None:
        points = [p for s in report.ratings for p in s.points if p.day.replace(day=1) == report.month]
        count = sum(p.count for p in points)
        if count:
            average = sum(p.rating * p.count for p in points) / count
            lines.append(str(t("rep.line.rating", lang, rating=rating(average, lang), count=count)))
    return lines


def report_text(report: MonthlyReport, lang: str) -> str:
    title = t("rep.report_title", lang, forum=report.forum_name, month=month_title(report.month, lang))
    return "\n".join([str(title), "", *report_lines(report, lang)])


def digest_text(report: MonthlyReport, lang: str) -> str:
    """The monthly digest for a koordinator: the numbers, who is unreachable, who waits."""
    parts = [str(t("rep.digest.title", lang, forum=report.forum_name, month=month_title(report.month, lang))),
             "", *report_lines(report, lang)]
    if report.unreachable:
        parts += ["", str(t("rep.digest.unreachable", lang,
                            names=names(report.unreachable, lang, with_reason=True)))]
    if report.pending:
        parts += ["", str(t("rep.digest.pending", lang, names=names(report.pending, lang, with_reason=True)))]
    parts += ["", str(t("rep.digest.footer", lang))]
    return "\n".join(parts)
