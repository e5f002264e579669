"""/peran, /permintaan, /forum, handover, the koordinator vote and applicants' own requests.

Thin: each handler parses, calls bot.members.governance, and sends the answer.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import NotPermitted, StaleAction
from bot.members import governance, rules
from bot.members.governance import FEATURE
from bot.permissions import ROLES, Action
from bot.profile_rules import clean_name
from bot.render import jabatan_label, profile_card, role_label, scope_label, short_kabupaten
from bot.texts import t
from bot.timefmt import format_date, zone_label
from handlers import forms
from handlers.common import (
    Button,
    button_handler,
    command_handler,
    edit_or_reply,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from storage.models import Draft, Forum, MemberInForum

log = logging.getLogger(__name__)

PERAN, REASON = "peran", "reason"
ROLE_CODES = {"k": "koordinator", "a": "anggota", "p": "pendamping"}
CODE_OF_ROLE = {v: k for k, v in ROLE_CODES.items()}
MAX_BUTTONS = 40  # more than this: type a name or village to narrow
MAX_PENDING_SHOWN = 10


def _date(forum: Forum, when: Any, lang: str) -> str:
    return format_date(when.astimezone(ZoneInfo(forum.timezone)).date(), lang)


def _member_button(entry: MemberInForum, callback: str) -> Button:
    village = entry.village.name if entry.village else "-"
    return (f"{entry.member.full_name} — {village}", callback)


# -- /peran ----------------------------------------------------------------------------------------
@command_handler
async def roles_command(update: Update, context: BotContext) -> None:
    """Pick a member to give or take a role or an officer title; or hand the koordinator role over."""
    if not await private_only(update, context, "peran"):
        return
    await run_in_forum(update, context, "peran")


async def _may_manage(context: BotContext, forum: Forum, user_id: int) -> str:
    """'koordinator', or 'appoint' for a pendamping of a headless forum; otherwise refused."""
    services = context.services
    membership = await services.members.membership(forum.id, user_id)
    if membership is not None and membership.status == "active" and membership.role == "koordinator":
        return "koordinator"
    if await governance.may_appoint(services, forum, user_id, services.clock.now()):
        return "appoint"
    raise NotPermitted("gov.not_allowed_roles")


@forum_action("peran", Action.VIEW_MEMBERS)
async def show_roles(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    lang = await language(update, context)
    mode = await _may_manage(context, forum, user.id)
    await forms.begin(context, user.id, PERAN, "search", {"forum_id": forum.id, "mode": "pick"})
    members = governance.officers_first(await context.services.members.in_forum(forum.id))
    rows: list[list[Button]] = [[_member_button(e, encode(FEATURE, "pm", forum.id, e.member.user_id))]
                                for e in members[:MAX_BUTTONS]]
    if mode == "koordinator":
        rows.append([(t("gov.handover_button", lang), encode(FEATURE, "hand", forum.id)),
                     (t("gov.history_button", lang), encode(FEATURE, "hist", forum.id))])
        text = t("gov.peran_intro", lang, forum=forum.name)
    else:
        text = t("gov.appoint_intro", lang, forum=forum.name)
    await reply(update, text, rows)


async def on_search(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed text in /peran: members whose name or village contains it."""
    message = update.effective_message
    lang = await language(update, context)
    if message is None or not message.text:
        await reply(update, t("bad.text_expected", lang))
        return
    query = message.text.strip().lower()[:40]
    forum_id = int(draft.data["forum_id"])
    action = "hto" if draft.data.get("mode") == "handover" else "pm"
    found = [e for e in governance.officers_first(await context.services.members.in_forum(forum_id))
             if query in e.member.full_name.lower() or (e.village and query in e.village.name.lower())]
    if not found:
        await reply(update, t("gov.search_none", lang, query=query))
        return
    rows = [[_member_button(e, encode(FEATURE, action, forum_id, e.member.user_id))] for e in found[:MAX_BUTTONS]]
    await reply(update, t("gov.search_pick", lang), rows)


@button_handler
async def on_pick_member(update: Update, context: BotContext, data: CallbackData) -> None:
    """A member's card with the roles and titles that can be given."""
    forum_id, target = data.int_arg(0), data.int_arg(1)
    user = user_of(update)
    services = context.services
    forum, _ = await services.access.require(forum_id, user.id, Action.VIEW_MEMBERS)
    mode = await _may_manage(context, forum, user.id)
    lang = await language(update, context)
    entry = next((e for e in await services.members.in_forum(forum_id) if e.member.user_id == target), None)
    if entry is None:
        raise StaleAction()
    role = entry.membership.role
    title = entry.membership.title
    text = t("gov.member_card", lang, card=profile_card(entry.member, entry.village, lang),
             role=role_label(role, lang),
             title=governance.title_label(title, lang) if title else t("gov.no_title", lang))
    rows: list[list[Button]] = []
    if mode == "appoint":
        if role != "koordinator":
            rows.append([(t("gov.make_role", lang, role=role_label("koordinator", lang)),
                          encode(FEATURE, "r", forum_id, target, "k"))])
    else:
        rows.append([(t("gov.make_role", lang, role=role_label(r, lang)), encode(FEATURE, "r", forum_id, target,
                                                                                CODE_OF_ROLE[r]))
                     for r in ROLES if r != role])
        titles = [(str(t(f"title.{x}", lang)), encode(FEATURE, "t", forum_id, target, x))
                  for x in rules.TITLES if x != title]
        rows += [titles[:2], titles[2:]]
        if title:
            rows.append([(t("gov.clear_title", lang), encode(FEATURE, "t", forum_id, target, "-"))])
    await reply(update, text, rows)


@button_handler
async def on_set_role(update: Update, context: BotContext, data: CallbackData) -> None:
    forum_id, target, code = data.int_arg(0), data.int_arg(1), data.arg(2)
    if code not in ROLE_CODES:
        raise StaleAction()
    user = user_of(update)
    lang = await language(update, context)
    change = await governance.change_role(context.services, forum_id=forum_id, actor=user.id, target=target,
                                             role=ROLE_CODES[code])
    member = await context.services.members.get(target)
    await forms.finish(context, user.id)
    await edit_or_reply(update, t("gov.role_set", lang, name=member.full_name if member else target,
                                  role=role_label(change.new, lang), forum=change.forum.name))


@button_handler
async def on_set_title(update: Update, context: BotContext, data: CallbackData) -> None:
    forum_id, target, code = data.int_arg(0), data.int_arg(1), data.arg(2)
    user = user_of(update)
    lang = await language(update, context)
    title = None if code == "-" else code
    forum = await governance.set_title(context.services, forum_id=forum_id, actor=user.id, target=target,
                                          title=title)
    member = await context.services.members.get(target)
    name = member.full_name if member else str(target)
    await forms.finish(context, user.id)
    if title is None:
        await edit_or_reply(update, t("gov.title_cleared", lang, name=name, forum=forum.name))
    else:
        await edit_or_reply(update, t("gov.title_set", lang, name=name, title=t(f"title.{title}", lang),
                                      forum=forum.name))


@button_handler
async def on_history(update: Update, context: BotContext, data: CallbackData) -> None:
    """Who held which role or title when."""
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.VIEW_MEMBERS)
    lang = await language(update, context)
    lines = [str(t("gov.history_title", lang, forum=forum.name))]
    for period in await governance.repo(context.services).history(forum.id):
        label = role_label(period.value, lang) if period.kind == "role" else governance.title_label(period.value,
                                                                                                         lang)
        until = _date(forum, period.ended_at, lang) if period.ended_at else t("gov.until_now", lang)
        lines.append(str(t("gov.history_line", lang, name=period.full_name, role=label,
                           since=_date(forum, period.started_at, lang), until=until)))
    if len(lines) == 1:
        lines.append(str(t("gov.history_empty", lang)))
    await reply(update, "\n".join(lines))


# -- handover --------------------------------------------------------------------------------------
@button_handler
async def on_handover(update: Update, context: BotContext, data: CallbackData) -> None:
    """Pick the successor (buttons, or type a name or village)."""
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.ASSIGN_ROLES)
    lang = await language(update, context)
    await forms.begin(context, user.id, PERAN, "search", {"forum_id": forum.id, "mode": "handover"})
    candidates = [e for e in await context.services.members.in_forum(forum.id)
                  if e.membership.role != "koordinator" and e.member.erased_at is None]
    if not candidates:
        await reply(update, t("gov.handover_nobody", lang))
        return
    rows = [[_member_button(e, encode(FEATURE, "hto", forum.id, e.member.user_id))] for e in candidates[:MAX_BUTTONS]]
    await reply(update, t("gov.handover_pick", lang, forum=forum.name), rows)


@button_handler
async def on_handover_to(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    lang = await language(update, context)
    successor = data.int_arg(1)
    forum = await governance.offer_handover(context.services, forum_id=data.int_arg(0), actor=user.id,
                                               successor=successor)
    member = await context.services.members.get(successor)
    await forms.finish(context, user.id)
    await edit_or_reply(update, t("gov.handover_sent", lang, name=member.full_name if member else successor,
                                  forum=forum.name))


@button_handler
async def on_handover_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    lang = await language(update, context)
    accept = data.arg(1) == "y"
    forum = await governance.answer_handover(context.services, handover_id=data.int_arg(0), actor=user.id,
                                                accept=accept)
    await edit_or_reply(update, t("gov.handover_you_accepted" if accept else "gov.handover_you_refused", lang,
                                  forum=forum.name))


@button_handler
async def on_handover_stay(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    lang = await language(update, context)
    stay = data.arg(1) == "stay"
    forum = await governance.finish_handover(context.services, handover_id=data.int_arg(0), actor=user.id,
                                                stay=stay)
    await edit_or_reply(update, t("gov.handover_stayed" if stay else "gov.handover_left", lang, forum=forum.name))


# -- join requests ---------------------------------------------------------------------------------
async def send_pending_requests(update: Update, context: BotContext, forum: Forum, *, empty_note: bool) -> None:
    """One message per waiting request, with Setujui / Tolak that work like the notification's."""
    lang = await language(update, context)
    pending = await governance.pending_requests(context.services, forum.id)
    if not pending:
        if empty_note:
            await reply(update, t("gov.no_pending", lang, forum=forum.name))
        return
    await reply(update, t("gov.pending_title", lang, forum=forum.name, count=len(pending)))
    for entry in pending[:MAX_PENDING_SHOWN]:
        village = entry.village
        text = t("gov.pending_line", lang, name=entry.member.full_name,
                 jabatan=jabatan_label(entry.member.jabatan, lang), village=village.name if village else "-",
                 kecamatan=village.kecamatan or "-" if village else "-",
                 kabupaten=short_kabupaten(village.kabupaten) if village else "",
                 since=_date(forum, entry.membership.requested_at, lang),
                 role=role_label(entry.membership.role, lang))
        await reply(update, text, governance.decision_buttons(forum.id, entry.member.user_id, lang))
    if len(pending) > MAX_PENDING_SHOWN:
        await reply(update, t("gov.pending_more", lang, count=len(pending) - MAX_PENDING_SHOWN))


@command_handler
async def requests_command(update: Update, context: BotContext) -> None:
    """Only the waiting join requests."""
    if not await private_only(update, context, "permintaan"):
        return
    await run_in_forum(update, context, "permintaan")


@forum_action("permintaan", Action.VIEW_MEMBERS)
async def show_requests(update: Update, context: BotContext, forum: Forum) -> None:
    await governance.may_decide_join(context.services, forum.id, user_of(update).id)
    await send_pending_requests(update, context, forum, empty_note=True)


@button_handler
async def on_give_reason(update: Update, context: BotContext, data: CallbackData) -> None:
    """After Tolak: ask for the reason the applicant will read."""
    user = user_of(update)
    forum = await governance.may_decide_join(context.services, data.int_arg(0), user.id)
    lang = await language(update, context)
    await forms.begin(context, user.id, REASON, "text", {"forum_id": forum.id, "applicant": data.int_arg(1)})
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("gov.reason_ask", lang))


async def on_reason(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    lang = await language(update, context)
    if message is None or not message.text:
        await reply(update, t("bad.text_expected", lang))
        return
    reason = clean_name(message.text, max_length=300)
    await governance.give_reason(context.services, forum_id=int(draft.data["forum_id"]), actor=draft.user_id,
                                    applicant_id=int(draft.data["applicant"]), reason=reason)
    await forms.finish(context, draft.user_id)
    await reply(update, t("gov.reason_sent", lang))


@button_handler
async def on_cancel_request(update: Update, context: BotContext, data: CallbackData) -> None:
    """The applicant withdraws their waiting request."""
    user = user_of(update)
    lang = await language(update, context)
    forum = await governance.cancel_request(context.services, forum_id=data.int_arg(0), user_id=user.id)
    await edit_or_reply(update, t("gov.request_cancelled", lang, forum=forum.name))


# -- /forum ----------------------------------------------------------------------------------------
@command_handler
async def forum_command(update: Update, context: BotContext) -> None:
    """Who leads the forum, where it is, how many members per kecamatan."""
    await run_in_forum(update, context, "forum")


@forum_action("forum", Action.VIEW_FORUM)
async def show_forum(update: Update, context: BotContext, forum: Forum) -> None:
    services = context.services
    user = user_of(update)
    lang = await language(update, context)
    scope = await services.regions.get(forum.scope_code)
    members = await services.members.in_forum(forum.id)
    koordinators = [e.member.full_name for e in members if e.membership.role == "koordinator"]
    officers = [e for e in governance.officers_first(members) if e.membership.title]
    counts: dict[str, int] = {}
    for entry in members:
        area = entry.village.kecamatan if entry.village and entry.village.kecamatan else str(t("gov.other_area", lang))
        counts[area] = counts.get(area, 0) + 1
    zone = ZoneInfo(forum.timezone)
    lines = [str(t("gov.forum_title", lang, forum=forum.name, area=scope_label(scope, lang) if scope else "-",
                   zone=f"{zone_label(zone)} ({zone.key})", count=len(members))),
             str(t("gov.forum_koordinators", lang, names=", ".join(koordinators) or "-"))]
    for entry in officers:
        lines.append(str(t("members.officer_line", lang, title=governance.title_label(entry.membership.title, lang),
                           name=entry.member.full_name)))
    lines.append(str(t("gov.forum_per_kecamatan", lang)))
    for area, count in sorted(counts.items()):
        lines.append(str(t("gov.forum_area_line", lang, area=area, count=count)))
    lines.append(str(t("gov.forum_group_linked" if forum.group_chat_id else "gov.forum_group_none", lang)))
    if governance.rules.is_headless(await governance.headless_since(services, forum), services.clock.now()):
        lines.append(str(t("gov.forum_headless", lang)))
    membership = await services.members.membership(forum.id, user.id)
    if membership is not None and membership.role == "koordinator":
        invite = await services.forums.active_invite(forum.id)
        if invite is not None:
            link = f"https://t.me/{services.bot_username}?start={invite.code}"
            lines.append(str(t("gov.forum_invite", lang, link=link)))
        else:
            lines.append(str(t("gov.forum_no_invite", lang)))
    await reply(update, "\n".join(lines))


# -- the koordinator vote --------------------------------------------------------------------------
@button_handler
async def on_vote(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show the members who can be named (the voter may change their choice until the vote closes)."""
    user = user_of(update)
    lang = await language(update, context)
    vote_id = data.int_arg(0)
    forum, members = await governance.vote_candidates(context.services, vote_id, user.id)
    rows = [[_member_button(e, encode(FEATURE, "vc", vote_id, e.member.user_id))] for e in members[:MAX_BUTTONS]]
    await reply(update, t("gov.vote_pick", lang, forum=forum.name), rows)


@button_handler
async def on_vote_cast(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    lang = await language(update, context)
    name = await governance.cast_ballot(context.services, vote_id=data.int_arg(0), voter=user.id,
                                           candidate=data.int_arg(1))
    await edit_or_reply(update, t("gov.vote_cast", lang, name=name))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    forms.register_form(PERAN, on_search)
    forms.register_form(REASON, on_reason)
    app.add_handler(CommandHandler("peran", roles_command))
    app.add_handler(CommandHandler("permintaan", requests_command))
    app.add_handler(CommandHandler("forum", forum_command))
    buttons = {
        "pm": on_pick_member, "r": on_set_role, "t": on_set_title, "hist": on_history, "hand": on_handover,
        "hto": on_handover_to, "ho": on_handover_answer, "hs": on_handover_stay, "why": on_give_reason,
        "cx": on_cancel_request, "vt": on_vote, "vc": on_vote_cast,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))

