"""Views of onboarding and members (pure: loaded data in, a View out)."""

from __future__ import annotations

from bot.callbacks import encode
from bot.members import rules
from bot.members.governance import title_label
from bot.members.service import FEATURE, MemberList
from bot.render import jabatan_label, role_label, short_kabupaten
from bot.texts import Html, t
from bot.view import Button, View
from storage.models import RosterEntry


def officers(roster: list[RosterEntry]) -> list[RosterEntry]:
    """The forum's officers, ketua first (the order of rules.TITLES)."""
    order: dict[str, int] = {title: i for i, title in enumerate(rules.TITLES)}
    return sorted((e for e in roster if e.title in order), key=lambda e: order[e.title or ""])


def member_list(forum_name: str, data: MemberList, lang: str) -> View:
    """/anggota: officers first, then everyone grouped by kecamatan; koordinators also see who
    cannot be reached and how many wait; a pendamping may confirm the creator's village."""
    roster = data.roster
    lines = [str(t("members.title", lang, forum=forum_name, count=len(roster)))]
    for entry in officers(roster):
        lines.append(str(t("members.officer_line", lang, title=title_label(entry.title, lang), name=entry.full_name)))
    current_area: str | None = "-"
    any_unreachable = False
    for entry in roster:
        area = entry.kecamatan if entry.village else None
        if area != current_area:
            heading = (t("members.kecamatan", lang, kecamatan=f"{area}, {short_kabupaten(entry.kabupaten)}")
                       if area else t("members.other_area", lang))
            lines.append(str(heading))
            current_area = area
        mark = str(t("members.role_mark", lang, role=role_label(entry.role, lang))) if entry.role != "anggota" else ""
        if data.is_koordinator and entry.unreachable_reason:
            mark += str(t("members.unreachable_mark", lang))
            any_unreachable = True
        lines.append(str(t("members.line", lang, name=entry.full_name, jabatan=jabatan_label(entry.jabatan, lang),
                           village=entry.village or "-", role=Html(mark))))
    if data.is_koordinator:
        if data.pending:
            lines.append(str(t("members.pending_line", lang, count=data.pending)))
        if any_unreachable:
            lines.append(str(t("members.unreachable_note", lang)))
    buttons: tuple[tuple[Button, ...], ...] = ()
    creator = data.unconfirmed_creator
    if creator is not None:
        lines.append(str(t("vc.creator_unconfirmed", lang, name=creator.full_name, village=creator.village or "-")))
        buttons = ((Button(str(t("vc.creator_confirm", lang)), data=encode(FEATURE, "cc", data.forum_id)),),)
    return View("\n".join(lines), buttons)
