"""/profil, /anggota, /keluar and /hapus_data."""

from __future__ import annotations

import logging
from typing import Any

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import StaleAction
from bot.members import service, views
from bot.members.forms import PROFILE as PROFILE_FORM
from bot.members.forms import ProfileEdit
from bot.permissions import Action
from bot.render import profile_card, role_label
from bot.texts import t
from bot.timefmt import (
    member_zone,
    zone_from_label,
    zone_label,
)
from handlers import forms
from handlers.common import (
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from handlers.governance import send_pending_requests
from storage.models import Forum

log = logging.getLogger(__name__)

FEATURE = "p"
PROFILE = "profile"


# -- /profil ---------------------------------------------------------------------------------
@command_handler
async def show_profile(update: Update, context: BotContext) -> None:
    """Show the user's profile with buttons to change each part."""
    if not is_private(update):
        return
    user = user_of(update)
    services = context.services
    lang = await language(update, context)
    member = await services.members.get(user.id)
    if member is None or member.erased_at is not None:
        await reply(update, t("profile.not_registered", lang))
        return
    village = await services.regions.get(member.village_code) if member.village_code else None
    memberships = await services.members.memberships_of(user.id, ("active", "pending"))
    lines = []
    for membership in memberships:
        forum = await services.forums.get(membership.forum_id)
        if forum is not None:
            role = role_label(membership.role, lang)
            if membership.status == "pending":
                role += " ⏳"
            lines.append(str(t("profile.forum_line", lang, forum=forum.name, role=role)))
    for change in await services.members.pending_village_changes(user.id):
        forum = await services.forums.get(change.forum_id)
        region = await services.regions.get(change.new_code)
        if forum is not None:
            lines.append(str(t("vc.pending_line", lang, village=region.name if region else change.new_code,
                               forum=forum.name)))
    zone = member_zone(member.timezone, member.village_code)
    text = t("profile.title", lang, card=profile_card(member, village, lang),
             phone=member.phone or t("profile.no_phone", lang),
             language="Bahasa Indonesia" if member.language == "id" else "English",
             zone=f"{zone_label(zone)} ({zone.key})",
             forums="\n".join(lines) if lines else t("profile.no_forums", lang))
    rows = [
        [(t("profile.edit_name", lang), encode(FEATURE, "ed", "name")),
         (t("profile.edit_jabatan", lang), encode(FEATURE, "ed", "jabatan"))],
        [(t("profile.edit_village", lang), encode(FEATURE, "ed", "village")),
         (t("profile.edit_zone", lang), encode(FEATURE, "zone"))],
        [(t("profile.share_phone", lang), encode(FEATURE, "ed", "phone"))]
        + ([(t("profile.remove_phone", lang), encode(FEATURE, "nophone"))] if member.phone else []),
    ]
    await reply(update, text, rows)


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start a one-question form that changes one part of the profile."""
    field = data.arg(0)
    if field not in ("name", "jabatan", "village", "phone"):
        raise StaleAction()
    user = user_of(update)
    member = await context.services.members.get(user.id)
    if member is None or member.erased_at is not None:
        raise StaleAction()
    if field == "phone":  # Telegram's contact keyboard: a hand-rolled one-step form
        await forms.begin(context, user.id, PROFILE, field)
        lang = await language(update, context)
        markup = ReplyKeyboardMarkup([[KeyboardButton(t("profile.phone_button", lang), request_contact=True)],
                                      [KeyboardButton("/batal")]], resize_keyboard=True, one_time_keyboard=True)
        await reply(update, t("profile.phone_ask", lang), markup=markup)
        return
    forums = await context.services.forums.of_member(user.id)
    edit = ProfileEdit(changing=field, home_scope=forums[0].scope_code if forums else "", name=member.full_name,
                       jabatan=member.jabatan, village_code=member.village_code or "")
    await forms.start_form(update, context, PROFILE_FORM, edit, only=field)


@button_handler
async def on_remove_phone(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await context.services.members.update(user.id, context.services.clock.now(), phone=None)
    await edit_or_reply(update, t("profile.phone_removed", await language(update, context)))


@button_handler
async def on_zone(update: Update, context: BotContext, data: CallbackData) -> None:
    """Pick WIB/WITA/WIT, or follow the village; shown times use it."""
    user = user_of(update)
    lang = await language(update, context)
    if not data.args:
        rows: list[list[tuple[str, str]]] = [
            [(label, encode(FEATURE, "zone", label)) for label in ("WIB", "WITA", "WIT")],
            [(t("profile.zone_auto", lang), encode(FEATURE, "zone", "auto"))],
        ]
        await reply(update, t("profile.zone_pick", lang), rows)
        return
    choice = data.arg(0)
    zone = None if choice == "auto" else zone_from_label(choice).key
    await context.services.members.update(user.id, context.services.clock.now(), timezone=zone)
    await edit_or_reply(update, t("profile.saved", lang))


@button_handler
async def on_village_decision(update: Update, context: BotContext, data: CallbackData) -> None:
    """A koordinator approves (Setujui) or rejects (Tolak) a member's change of village."""
    user = user_of(update)
    services = context.services
    lang = await language(update, context)
    await service.decide_village_change(services, data.int_arg(0), user.id, data.arg(1) == "y")
    deciding = await services.members.get(user.id)
    approve = data.arg(1) == "y"
    note = t("vc.approved_note" if approve else "vc.rejected_note", lang,
             by=deciding.full_name if deciding else user.full_name)
    query = update.callback_query
    original = query.message.text_html if query and isinstance(query.message, Message) and query.message.text else ""
    await edit_or_reply(update, f"{original}\n\n{note}")


# -- /anggota --------------------------------------------------------------------------------------
@command_handler
async def list_members(update: Update, context: BotContext) -> None:
    """Active members of the forum, grouped by kecamatan."""
    await run_in_forum(update, context, "anggota")


@forum_action("anggota", Action.VIEW_MEMBERS)
async def show_members(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    lang = await language(update, context)
    data = await service.member_list(context.services, forum.id, user.id)
    if data.is_koordinator and is_private(update):
        # Waiting join requests first, each decidable here even if its notification was lost.
        await send_pending_requests(update, context, forum, empty_note=False)
    view = views.member_list(forum.name, data, lang)
    await reply(update, view.text, markup=view.markup())


@button_handler
async def on_confirm_creator(update: Update, context: BotContext, data: CallbackData) -> None:
    """A pendamping confirms the village of the forum's creator."""
    user = user_of(update)
    forum = await service.confirm_creator_village(context.services, data.int_arg(0), user.id)
    await edit_or_reply(update, t("vc.creator_confirmed", await language(update, context), forum=forum.name))


# -- /keluar ---------------------------------------------------------------------------------------
@command_handler
async def leave(update: Update, context: BotContext) -> None:
    """Ask which forum to leave and confirm."""
    if not is_private(update):
        return
    await run_in_forum(update, context, "keluar")


@forum_action("keluar", Action.VIEW_MEMBERS)
async def confirm_leave(update: Update, context: BotContext, forum: Forum) -> None:
    lang = await language(update, context)
    rows = [[(t("leave.button", lang), encode(FEATURE, "leave", forum.id)),
             (t("core.cancel", lang), encode(FEATURE, "nop"))]]
    await reply(update, t("leave.confirm", lang, forum=forum.name), rows)


@button_handler
async def on_leave(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    lang = await language(update, context)
    try:
        forum = await service.leave_forum(context.services, data.int_arg(0), user.id)
    except service.LastKoordinator as exc:
        await edit_or_reply(update, t(exc.message_key, lang, **exc.params))
        return
    await edit_or_reply(update, t("leave.done", lang, forum=forum.name))


@button_handler
async def on_nothing(update: Update, context: BotContext, data: CallbackData) -> None:
    if update.callback_query:
        await remove_buttons(update.callback_query)


# -- /hapus_data -----------------------------------------------------------------------------------
@command_handler
async def erase(update: Update, context: BotContext) -> None:
    """Ask to confirm erasing the user's personal data (UU 27/2022 PDP)."""
    if not is_private(update):
        return
    user = user_of(update)
    lang = await language(update, context)
    member = await context.services.members.get(user.id)
    if member is None or member.erased_at is not None:
        await reply(update, t("erase.nothing", lang))
        return
    sole = await service.sole_koordinator_of(context.services, user.id)
    if sole is not None:  # refuse before asking, with the way out
        await reply(update, t("erase.last_koordinator", lang, forum=sole.name))
        return
    rows = [[(t("erase.button", lang), encode(FEATURE, "erase")), (t("core.cancel", lang), encode(FEATURE, "nop"))]]
    await reply(update, t("erase.confirm", lang), rows)


@button_handler
async def on_erase(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    services = context.services
    lang = await language(update, context)
    member = await services.members.get(user.id)
    if member is None or member.erased_at is not None:
        raise StaleAction()
    try:
        await service.erase_member(services, user.id, str(t("erase.erased_name", lang)))
    except service.LastKoordinator as exc:
        await edit_or_reply(update, t(exc.message_key, lang, **exc.params))
        return
    await edit_or_reply(update, t("erase.done", lang))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("profil", show_profile))
    app.add_handler(CommandHandler("anggota", list_members))
    app.add_handler(CommandHandler("keluar", leave))
    app.add_handler(CommandHandler("hapus_data", erase))
    buttons = {"ed": on_edit, "nophone": on_remove_phone, "zone": on_zone, "leave": on_leave, "nop": on_nothing,
               "erase": on_erase, "vc": on_village_decision, "cc": on_confirm_creator}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
