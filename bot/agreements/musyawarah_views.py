"""Pure views of the MAD / Musdes: loaded records in, `View` out (replies and outbox pushes alike)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.agreements.documents import PASAL_HEADINGS
from bot.callbacks import encode
from bot.texts import Html, t
from bot.timefmt import format_datetime
from bot.view import Button, View, per_row, rows_of
from storage.agreements import Agreement
from storage.models import MemberInForum
from storage.musyawarah import Delegate, Musyawarah

FEATURE = "ms"  # the callback prefix of handlers.musyawarah


def data(action: str, *args: object) -> str:
    return encode(FEATURE, action, *args)


def _when(musyawarah: Musyawarah, lang: str) -> str:
    return format_datetime(musyawarah.starts_at, ZoneInfo(musyawarah.timezone), lang)


def _kind(musyawarah: Musyawarah, lang: str) -> str:
    return str(t(f"mus.kind.{musyawarah.kind}", lang))


def _mark(delegate: Delegate) -> str:
    if delegate.present is not None:
        return "✅" if delegate.present else "❌"
    return {"hadir": "🙋", "tidak": "🚫"}.get(delegate.answer or "", "⏳")


def delegate_lines(musyawarah: Musyawarah, agreement: Agreement, lang: str) -> list[str]:
    lines = []
    for party in agreement.parties:
        people = [d for d in musyawarah.delegates if d.party_position == party.position]
        if not people:
            continue
        lines.append(str(t("mus.card.party", lang, party=party.name)))
        for d in people:
            lines.append(str(t("mus.card.delegate", lang, mark=_mark(d), name=d.name, role=d.role or "-",
                               how=t("mus.card.member" if d.user_id else "mus.card.not_telegram", lang))))
    return lines


def card(musyawarah: Musyawarah, agreement: Agreement, lang: str, *, may_manage: bool, delegate_id: int | None,
         now: datetime) -> View:
    lines = [str(t("mus.card.title", lang, kind=_kind(musyawarah, lang), title=agreement.title)),
             str(t("mus.card.when", lang, when=_when(musyawarah, lang))),
             str(t("mus.card.place", lang, place=musyawarah.place)),
             str(t("mus.card.agenda", lang))]
    lines += [str(t("mus.card.agenda_item", lang, n=n, item=item)) for n, item in enumerate(musyawarah.agenda, 1)]
    lines.append("")
    if musyawarah.delegates:
        lines.append(str(t("mus.card.delegates", lang, count=len(musyawarah.delegates))))
        lines += delegate_lines(musyawarah, agreement, lang)
        lines.append(str(t("mus.card.legend", lang)))
    else:
        lines.append(str(t("mus.card.no_delegates", lang)))
    if musyawarah.invited_at is not None:
        lines.append(str(t("mus.card.invited", lang)))
    if musyawarah.berita_at is not None:
        lines.append("")
        lines += berita_lines(musyawarah, lang)
    buttons: list[list[Button]] = []
    m = musyawarah.id
    if may_manage and musyawarah.status == "scheduled":
        buttons.append([Button(str(t("mus.btn.add_delegate", lang)), data=data("ad", m))])
        if musyawarah.delegates:
            buttons[-1].append(Button(str(t("mus.btn.remove_delegate", lang)), data=data("rl", m)))
        if musyawarah.delegates and musyawarah.invited_at is None:
            buttons.append([Button(str(t("mus.btn.invite", lang)), data=data("inv", m))])
    if may_manage and musyawarah.status != "cancelled" and musyawarah.delegates:
        buttons.append([Button(str(t("mus.btn.attendance", lang)), data=data("att", m)),
                        Button(str(t("mus.btn.berita", lang)), data=data("ba", m))])
    if may_manage and musyawarah.berita_at is not None:
        buttons.append([Button(str(t("mus.btn.download_berita", lang)), data=data("dba", m))])
    if delegate_id is not None and musyawarah.status == "scheduled" and now < musyawarah.starts_at:
        buttons.append(answer_row(m, delegate_id, lang))
    return View("\n".join(lines), rows_of(buttons))


def berita_lines(musyawarah: Musyawarah, lang: str) -> list[str]:
    present = [d for d in musyawarah.delegates if d.present]
    lines = [str(t("mus.berita.title", lang)),
             str(t("mus.berita.present", lang, count=len(present), total=len(musyawarah.delegates),
                   names=", ".join(d.name for d in present) or "-"))]
    for n, decision in enumerate(musyawarah.decisions, 1):
        label = str(t("mus.berita.clause_prefix", lang, clause=PASAL_HEADINGS.get(decision.clause, "")))\
            if decision.clause else ""
        lines.append(str(t("mus.berita.decision", lang, n=n, clause=Html(label), text=decision.text)))
    if musyawarah.notes:
        lines.append(str(t("mus.berita.notes", lang, notes=musyawarah.notes)))
    return lines


def answer_row(musyawarah_id: int, delegate_id: int, lang: str) -> list[Button]:
    return [Button(str(t("mus.btn.hadir", lang)), data=data("ans", musyawarah_id, delegate_id, "h")),
            Button(str(t("mus.btn.tidak", lang)), data=data("ans", musyawarah_id, delegate_id, "t"))]


def invitation(musyawarah: Musyawarah, agreement: Agreement, delegate_id: int, lang: str) -> View:
    delegate = musyawarah.delegate(delegate_id)
    party = agreement.party(delegate.party_position) if delegate else None
    text = t("mus.invite.text", lang, kind=_kind(musyawarah, lang), title=agreement.title,
             party=party.name if party else "-", when=_when(musyawarah, lang), place=musyawarah.place,
             agenda="\n".join(f"{n}. {item}" for n, item in enumerate(musyawarah.agenda, 1)))
    return View(str(text), rows_of([answer_row(musyawarah.id, delegate_id, lang)]))


def reminder(musyawarah: Musyawarah, agreement: Agreement, delegate: Delegate, lang: str) -> View:
    text = t("mus.remind.text", lang, kind=_kind(musyawarah, lang), title=agreement.title,
             when=_when(musyawarah, lang), place=musyawarah.place)
    rows = [] if delegate.answer == "hadir" else [answer_row(musyawarah.id, delegate.id, lang)]
    return View(str(text), rows_of(rows))


def answered(musyawarah: Musyawarah, agreement: Agreement, delegate_id: int, answer: str, lang: str) -> View:
    """The delegate's answer, keeping the buttons: they may change it until it starts."""
    key = "mus.answer.hadir" if answer == "hadir" else "mus.answer.tidak"
    return View(str(t(key, lang, kind=_kind(musyawarah, lang), title=agreement.title, when=_when(musyawarah, lang))),
                rows_of([answer_row(musyawarah.id, delegate_id, lang)]))


def agreement_list(agreement: Agreement, found: Sequence[Musyawarah], lang: str) -> View:
    lines = [str(t("mus.list.title", lang, title=agreement.title))]
    if not found:
        lines.append(str(t("mus.list.none" if agreement.stage == "perumusan" else "mus.list.none_stage", lang)))
    buttons: list[list[Button]] = []
    for item in found:
        state = str(t(f"mus.status.{item.status}", lang))
        lines.append(str(t("mus.list.line", lang, kind=_kind(item, lang), when=_when(item, lang), state=state)))
        buttons.append([Button(str(t("mus.btn.open", lang, kind=_kind(item, lang),
                                     when=_when(item, lang))), data=data("o", item.id))])
    if agreement.stage == "perumusan":
        buttons.append([Button(str(t("mus.btn.new", lang)), data=data("new", agreement.id))])
    buttons.append([Button(str(t("mus.btn.download_draft", lang)), data=data("dr", agreement.id))])
    return View("\n".join(lines), rows_of(buttons))


def party_choice(musyawarah: Musyawarah, agreement: Agreement, lang: str) -> View:
    buttons = [Button(p.name, data=data("pp", musyawarah.id, p.position)) for p in agreement.parties]
    buttons.append(Button(str(t("core.back", lang)), data=data("o", musyawarah.id)))
    return View(str(t("mus.add.ask_party", lang)), per_row(buttons, 1))


def member_choice(musyawarah: Musyawarah, position: int, party_name: str, members: Sequence[MemberInForum],
                  lang: str) -> View:
    invited = {d.user_id for d in musyawarah.delegates if d.user_id}
    buttons = [Button(m.member.full_name, data=data("pm", musyawarah.id, position, m.member.user_id))
               for m in members if m.member.user_id not in invited]
    buttons.append(Button(str(t("mus.btn.named", lang)), data=data("pn", musyawarah.id, position)))
    buttons.append(Button(str(t("core.back", lang)), data=data("o", musyawarah.id)))
    key = "mus.add.ask_member" if members else "mus.add.ask_member_none"
    return View(str(t(key, lang, party=party_name)), per_row(buttons, 1))


def removal_choice(musyawarah: Musyawarah, lang: str) -> View:
    buttons = [Button(f"➖ {d.name}", data=data("rm", musyawarah.id, d.id)) for d in musyawarah.delegates]
    buttons.append(Button(str(t("core.back", lang)), data=data("o", musyawarah.id)))
    return View(str(t("mus.remove.ask", lang)), per_row(buttons, 1))


def attendance(musyawarah: Musyawarah, agreement: Agreement, lang: str) -> View:
    lines = [str(t("mus.att.title", lang, kind=_kind(musyawarah, lang), title=agreement.title))]
    buttons = []
    for d in musyawarah.delegates:
        mark = "✅" if d.present else ("❌" if d.present is False else "⬜")
        buttons.append(Button(f"{mark} {d.name}", data=data("pr", musyawarah.id, d.id, 0 if d.present else 1)))
    buttons.append(Button(str(t("mus.btn.done", lang)), data=data("o", musyawarah.id)))
    return View("\n".join(lines), per_row(buttons, 1))


def clause_lines(values: dict[str, str], lang: str) -> str:
    """The berita acara's first question: the record's draft clauses, to tick those agreed."""
    lines = [str(t("mus.ba.ask_clauses", lang))]
    lines += [str(t("mus.ba.clause_line", lang, clause=PASAL_HEADINGS[key], value=value[:200]))
              for key, value in values.items()]
    return "\n".join(lines)
