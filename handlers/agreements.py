"""Kerjasama antar desa: /kerjasama_baru, /kerjasama, amendments, ending, renewal, evaluations.

Who may do what (checked on the server at every command and press):
* register: koordinator or pendamping, or a member whose village is one of the chosen parties;
* see an agreement, its evaluations and history; amend, end, renew: the parties' members, the
  koordinator and the pendamping of the forum (others are told it does not exist);
* answer an evaluation: a member from that party's village;
* mark a follow-up done: a member from the owner village, whoever wrote it, or the staff;
* call an aksi-refleksi meeting from the summary: the koordinator.

Every form keeps its state in the drafts table; an evaluation's answers are also saved in its own
row as they come, so a restart, a /batal or another form in between loses nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.agreements import rules, running, signed_views, views
from bot.agreements import service as kerjasama
from bot.agreements.forms import RINTIS, Rintis
from bot.agreements.signed_forms import SIGNED, SignedForm
from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, NotFound, StaleAction
from bot.permissions import STAFF, Action
from bot.render import date_problem
from bot.texts import t
from handlers.common import (
    button_handler,
    command_handler,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forms import send_view, start_form
from handlers.forums import forum_action, run_in_forum
from scheduler import agreements as pushes
from scheduler.agreements import FEATURE, forum_zone
from storage.agreements import Agreement, AgreementRepo
from storage.models import Forum, Member, Membership

log = logging.getLogger(__name__)

TEXT_LIMITS = {"title": rules.MAX_TITLE, "objective": rules.MAX_LONG, "scope": rules.MAX_LONG,
               "rights": rules.MAX_LONG, "fsource": rules.MAX_SHORT, "legal": rules.MAX_SHORT,
               "body": rules.MAX_SHORT, "third": rules.MAX_SHORT, "note": rules.MAX_LONG,
               "went_well": rules.MAX_LONG, "kendala": rules.MAX_LONG, "fu_text": rules.MAX_SHORT,
               "fu_owner_text": rules.MAX_SHORT, "reason": rules.MAX_LONG}
AMEND_FIELDS = running.AMEND_FIELDS


def agreements(context: BotContext) -> AgreementRepo:
    return AgreementRepo(context.services.db)


# -- permissions ------------------------------------------------------------------------------
async def membership_of(context: BotContext, forum_id: int, user_id: int) -> tuple[Membership, Member]:
    """The asker in the agreement's forum; `member.village_code` is the village approved there."""
    return await context.services.access.member_in(forum_id, user_id)


async def viewable(context: BotContext, agreement_id: int, user_id: int) -> tuple[Agreement, Membership, Member]:
    """The agreement if the user is a party's member, the koordinator or the pendamping; else NotFound."""
    agreement = await agreements(context).get(agreement_id)
    if agreement is None:
        raise NotFound()
    membership, member = await membership_of(context, agreement.forum_id, user_id)
    if membership.role in STAFF or (member.village_code and member.village_code in agreement.village_codes):
        return agreement, membership, member
    raise NotFound()


def clean(text: str | None, step: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput("agr.bad.text")
    limit = TEXT_LIMITS.get(step, rules.MAX_LONG)
    if len(value) > limit:
        raise InvalidInput("agr.bad.too_long", max=limit, length=len(value))
    return value


async def forum_of(context: BotContext, forum_id: int) -> Forum:
    forum = await context.services.forums.get(forum_id)
    if forum is None:
        raise StaleAction()
    return forum


def parse_day(text: str, context: BotContext, forum: Forum, *, end: bool = False) -> date:
    """A typed day; at a step asking for an end date, the examples shown are end dates."""
    try:
        return parse_date(text, now=context.services.clock.now(), tz=forum_zone(forum), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "agr.bad.date_") from None
        raise InvalidInput("agr.bad.end_date" if end else "agr.bad.date") from None


async def message_text(update: Update) -> str | None:
    message = update.effective_message
    return message.text if message is not None else None


# =============================================================================================
# /kerjasama_baru: the registration form
# =============================================================================================
@command_handler
async def new_agreement(update: Update, context: BotContext) -> None:
    """Start registering an agreement (in private chat, in the chosen forum)."""
    if not await private_only(update, context, "kerjasama_baru"):
        return
    await run_in_forum(update, context, "kerjasama_baru")


@forum_action("kerjasama_baru", Action.VIEW_MEMBERS)
async def begin_new(update: Update, context: BotContext, forum: Forum) -> None:
    """One way in: rintis from persiapan, or record one already signed (lands in pelaksanaan)."""
    await send_view(update, views.start_choice(forum.name, forum.id, await language(update, context)))


@button_handler
async def on_new_choice(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    forum = await forum_of(context, data.int_arg(0))
    await context.services.access.require(forum.id, user.id, Action.VIEW_MEMBERS)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if data.arg(1) == "r":
        await start_form(update, context, RINTIS, Rintis(forum_id=forum.id))
    elif data.arg(1) == "s":
        await _begin_signed(update, context, forum)
    else:
        raise StaleAction()


async def _begin_signed(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    villages = await _forum_villages(context, forum.id)
    lang = await language(update, context)
    if len(villages) < 2:
        await reply(update, t("agr.new.too_few_villages", lang))
        return
    membership, member = await membership_of(context, forum.id, user.id)
    await reply(update, t("agr.new.intro", lang, forum=forum.name))
    await start_form(update, context, SIGNED, SignedForm(
        forum_id=forum.id, zone=str(forum_zone(forum)), staff=membership.role in STAFF,
        own_village=member.village_code or "", choices=villages))


async def _forum_villages(context: BotContext, forum_id: int) -> list[list[str]]:
    """[code, name, kecamatan] of the villages of the forum's active members."""
    seen: dict[str, list[str]] = {}
    for entry in await context.services.members.in_forum(forum_id):
        if entry.village is not None and entry.village.code not in seen:
            seen[entry.village.code] = [entry.village.code, entry.village.name, entry.village.kecamatan or ""]
    return list(seen.values())


# =============================================================================================
# /kerjasama: list and detail
# =============================================================================================
@command_handler
async def list_agreements(update: Update, context: BotContext) -> None:
    """The user's agreements with their state; buttons open each one."""
    if not await private_only(update, context, "kerjasama"):
        return
    await run_in_forum(update, context, "kerjasama")


@forum_action("kerjasama", Action.VIEW_MEMBERS)
async def show_list(update: Update, context: BotContext, forum: Forum) -> None:
    listed = await running.listing(context.services, forum, user_of(update).id)
    await send_view(update, signed_views.listing(listed, await language(update, context)))


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show one agreement with its whole history (for parties, koordinator and pendamping)."""
    user = user_of(update)
    agreement, membership, member = await viewable(context, data.int_arg(0), user.id)
    if agreement.stage not in ("pelaksanaan", "pelaporan"):
        # Not signed yet, suspended or cancelled: the lifecycle record (its stages and timeline).
        loaded = await kerjasama.load(context.services, agreement.id, user.id)
        forum = await forum_of(context, agreement.forum_id)
        view = views.record(loaded.record, loaded.standing, await language(update, context), forum_zone(forum))
        await reply(update, view.text, markup=view.markup())
        return
    await show_agreement(update, context, agreement, membership, member)


async def show_agreement(update: Update, context: BotContext, agreement: Agreement, membership: Membership,
                         member: Member) -> None:
    forum = await forum_of(context, agreement.forum_id)
    loaded = await running.detail(context.services, agreement, forum_zone(forum))
    viewer = signed_views.Viewer(user_id=member.user_id, staff=membership.role in STAFF, village=member.village_code,
                                 kades=member.jabatan in pushes.KADES_JABATAN)
    await send_view(update, signed_views.detail(loaded, viewer, await language(update, context)))


@button_handler
async def on_document(update: Update, context: BotContext, data: CallbackData) -> None:
    """Send the signed document (PDF or photo) again."""
    user = user_of(update)
    agreement, _, _ = await viewable(context, data.int_arg(0), user.id)
    chat = update.effective_chat
    if not agreement.document_file_id or chat is None:
        raise NotFound()
    caption = str(t("agr.detail.doc_caption", await language(update, context), title=agreement.title))
    if agreement.document_kind == "photo":
        await chat.send_photo(agreement.document_file_id, caption=caption, parse_mode="HTML")
    else:
        await chat.send_document(agreement.document_file_id, caption=caption, parse_mode="HTML")


# =============================================================================================
# wiring
# =============================================================================================
def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("kerjasama_baru", new_agreement))
    app.add_handler(CommandHandler("kerjasama", list_agreements))
    buttons = {"nw": on_new_choice, "o": on_open, "doc": on_document}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
