"""Joining a forum, creating one, approving members, invites and linking the Telegram group."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Message, ReplyKeyboardRemove, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import Conflict, NotPermitted, StaleAction
from bot.members import governance
from bot.members.forms import JOIN as JOIN_FORM
from bot.members.forms import NEW_FORUM as NEW_FORUM_FORM
from bot.members.forms import Join, NewForum
from bot.permissions import Action, refusal
from bot.texts import t
from handlers import forms
from handlers.applicant import applicant_notice
from handlers.common import (
    button_handler,
    command_args,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from storage.models import Draft, Forum

log = logging.getLogger(__name__)

FEATURE = "o"
PROFILE = "profile"


# -- /start and joining --------------------------------------------------------------------
@command_handler
async def start(update: Update, context: BotContext) -> None:
    """Greet; with an invite code (deep link), start the join form."""
    if not is_private(update):
        return
    user = user_of(update)
    services = context.services
    await services.members.mark_reachable(user.id)
    lang = await language(update, context)
    code = command_args(context)
    if not code:
        draft = await forms.current(context, user.id)
        if draft is not None:
            await forms.reprompt(update, context, draft)
            return
        if await applicant_notice(update, context, with_refusal=True):
            return
        member = await services.members.get(user.id)
        if member is not None and member.erased_at is None:
            await reply(update, t("core.welcome_member", lang, name=member.full_name))
        else:
            await reply(update, t("core.welcome", lang))
        return
    invite = await services.forums.invite(code[:32])
    forum = await services.forums.get(invite.forum_id) if invite else None
    if invite is None or invite.revoked_at is not None or forum is None:
        await reply(update, t("join.invalid_code", lang))
        return
    membership = await services.members.membership(forum.id, user.id)
    if membership is not None and membership.status == "active":
        await forms.finish(context, user.id)
        await reply(update, t("join.already_member", lang, forum=forum.name))
        return
    if membership is not None and membership.status == "pending":
        await reply(update, t("join.already_pending", lang, forum=forum.name))
        return
    member = await services.members.get(user.id)
    join = Join(forum_id=forum.id, role=invite.role)
    if member is not None and member.erased_at is None and member.village_code:
        join = Join(forum_id=forum.id, role=invite.role, name=member.full_name, jabatan=member.jabatan,
                    village_code=member.village_code)
    else:
        await reply(update, t("join.intro", lang, forum=forum.name))
    await forms.start_form(update, context, JOIN_FORM, join)


@button_handler
async def on_decide(update: Update, context: BotContext, data: CallbackData) -> None:
    """A koordinator approves or rejects a join request (once; a second decision is told who won)."""
    forum_id, applicant_id, verdict = data.int_arg(0), data.int_arg(1), data.arg(2)
    user = user_of(update)
    services = context.services
    lang = await language(update, context)
    approve = verdict == "y"
    query = update.callback_query
    assert query is not None
    try:
        await governance.decide_join(services, forum_id=forum_id, actor=user.id, applicant_id=applicant_id,
                                        approve=approve)
    except Conflict:
        await remove_buttons(query)
        membership = await services.members.membership(forum_id, applicant_id)
        if membership is not None and membership.status == "removed" and membership.decided_by == applicant_id:
            raise StaleAction("join.withdrawn") from None
        by = await services.members.get(membership.decided_by) if membership and membership.decided_by else None
        if by is None or by.user_id == user.id:
            raise StaleAction("join.already_decided") from None
        raise StaleAction("join.already_decided_by", by=by.full_name) from None
    deciding = await services.members.get(user.id)
    note = t("join.approved_note" if approve else "join.rejected_note", lang,
             by=deciding.full_name if deciding else user.full_name)
    original = query.message.text_html if isinstance(query.message, Message) and query.message.text else ""
    rows = None if approve else [[(t("gov.give_reason", lang),
                                   encode(governance.FEATURE, "why", forum_id, applicant_id))]]
    await edit_or_reply(update, f"{original}\n\n{note}", rows)


# -- /profil's phone: Telegram's contact keyboard, a hand-rolled one-step form ------------------------
async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """The shared contact at the phone step; anything else: use the button."""
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    if draft.step != "phone":  # a name/jabatan/village draft of the old hand-rolled /profil form
        await forms.finish(context, draft.user_id)
        await reply(update, t("form.outdated", lang))
        return
    if message.contact is not None:
        await save_contact(update, context, draft)
        return
    await reply(update, t("bad.use_buttons", lang))


# -- /forum_baru ---------------------------------------------------------------------------------
@command_handler
async def new_forum(update: Update, context: BotContext) -> None:
    """Start the form that creates a forum; its creator becomes koordinator."""
    if not await private_only(update, context, "forum_baru"):
        return
    user = user_of(update)
    services = context.services
    forums = await services.forums.of_member(user.id)
    home = forums[0].scope_code if forums else ""
    member = await services.members.get(user.id)
    form = NewForum(home_scope=home)
    if member is not None and member.erased_at is None and member.village_code:
        form = NewForum(home_scope=home, name=member.full_name, jabatan=member.jabatan,
                        village_code=member.village_code)
    await forms.start_form(update, context, NEW_FORUM_FORM, form)


@button_handler
async def on_cancel_form(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# -- /undang -------------------------------------------------------------------------------------
@command_handler
async def invite(update: Update, context: BotContext) -> None:
    """Give the koordinator the invite link and a text to forward to the WhatsApp group."""
    if not await private_only(update, context, "undang"):
        return
    await run_in_forum(update, context, "undang")


@forum_action("undang", Action.INVITE)
async def show_invite(update: Update, context: BotContext, forum: Forum) -> None:
    services = context.services
    user = user_of(update)
    current = await services.forums.active_invite(forum.id)
    if current is None:
        current = await services.forums.new_invite(forum.id, user.id, services.clock.now())
    await _send_invite(update, context, forum, current.code)


async def _send_invite(update: Update, context: BotContext, forum: Forum, code: str) -> None:
    lang = await language(update, context)
    link = f"https://t.me/{context.services.bot_username}?start={code}"
    rows = [[(t("invite.regenerate", lang), encode(FEATURE, "inv", "new", forum.id)),
             (t("invite.revoke", lang), encode(FEATURE, "inv", "rev", forum.id))]]
    await reply(update, t("invite.title", lang, forum=forum.name, link=link))
    await reply(update, t("invite.forward", lang, forum=forum.name, link=link), rows)


@button_handler
async def on_invite_button(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    services = context.services
    forum, _ = await services.access.require(data.int_arg(1), user.id, Action.INVITE)
    now = services.clock.now()
    if data.arg(0) == "rev":
        await services.forums.revoke_invites(forum.id, now)
        await edit_or_reply(update, t("invite.revoked", await language(update, context)))
        return
    fresh = await services.forums.new_invite(forum.id, user.id, now)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _send_invite(update, context, forum, fresh.code)


# -- the Telegram group ----------------------------------------------------------------------------
@command_handler
async def link_group(update: Update, context: BotContext) -> None:
    """In a group: a group admin who is a koordinator links the group to their forum."""
    chat = update.effective_chat
    user = user_of(update)
    lang = await language(update, context)
    if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await reply(update, t("err.group_only", lang))
        return
    admin = await chat.get_member(user.id)
    if admin.status not in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR):
        await reply(update, t("link.need_admin", lang))
        return
    forums = await context.services.access.forums_for(user.id, Action.LINK_GROUP)
    if not forums:
        raise refusal(Action.LINK_GROUP)
    if len(forums) == 1:
        await _link(update, context, forums[0])
        return
    rows = [[(f.name, encode(FEATURE, "link", f.id))] for f in forums]
    await reply(update, t("core.pick_forum", lang), rows)


@button_handler
async def on_link_pick(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    chat = update.effective_chat
    if chat is None:
        raise StaleAction()
    admin = await chat.get_member(user.id)
    if admin.status not in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR):
        raise NotPermitted("link.need_admin")
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.LINK_GROUP)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _link(update, context, forum)


async def _link(update: Update, context: BotContext, forum: Forum) -> None:
    chat = update.effective_chat
    assert chat is not None
    lang = await language(update, context)
    await context.services.forums.link_group(forum.id, chat.id)
    log.info("event=group_linked forum=%s chat=%s", forum.id, chat.id)
    text = str(t("link.done", lang, forum=forum.name))
    try:
        me = await chat.get_member(context.bot.id)
    except TelegramError as exc:  # only a hint follows; the link itself is done
        log.info("event=bot_status_unknown chat=%s error=%s", chat.id, type(exc).__name__)
    else:
        if me.status != ChatMemberStatus.ADMINISTRATOR:
            text += "\n\n" + t("link.bot_not_admin", lang)
    await reply(update, text)


# What koordinators type after /topik, and the feature names the other modules use.
TOPIC_FEATURES = {"pertemuan": "meetings", "berbagi": "posts", "kunjungan": "visits",
                  "kerjasama": "agreements", "siaran": "broadcasts"}


@command_handler
async def set_topic(update: Update, context: BotContext) -> None:
    """In a forum group with topics: `/topik pertemuan` sends meeting posts to this topic."""
    message = update.effective_message
    chat = update.effective_chat
    user = user_of(update)
    lang = await language(update, context)
    if chat is None or message is None or chat.type != ChatType.SUPERGROUP:
        await reply(update, t("err.group_only", lang))
        return
    forum = await context.services.forums.by_group(chat.id)
    if forum is None:
        await reply(update, t("core.group_not_linked", lang))
        return
    await context.services.access.require(forum.id, user.id, Action.MANAGE_FORUM)
    word = command_args(context).lower()
    if word not in TOPIC_FEATURES:
        await reply(update, t("topic.usage", lang, choices=", ".join(TOPIC_FEATURES)))
        return
    if not message.is_topic_message or message.message_thread_id is None:
        await reply(update, t("topic.not_in_topic", lang))
        return
    await context.services.forums.set_topic(forum.id, TOPIC_FEATURES[word], message.message_thread_id)
    await reply(update, t("topic.set", lang, feature=word))


async def on_my_membership(update: Update, context: BotContext) -> None:
    """Greet a group that added the bot; forget a group that removed it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    if change.chat.type == ChatType.PRIVATE:
        # A member who blocks the bot, or unblocks it again.
        if change.new_chat_member.status == ChatMember.BANNED:
            log.info("event=bot_blocked user=%s", change.chat.id)
        elif change.new_chat_member.status == ChatMember.MEMBER:
            await context.services.members.mark_reachable(change.chat.id)
        return
    was_in = change.old_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    now_in = change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
    if now_in and not was_in:
        lang = "en" if (change.from_user.language_code or "").startswith("en") else "id"
        await context.bot.send_message(change.chat.id, t("core.group_hello", lang), parse_mode="HTML")
    elif was_in and not now_in:
        forum = await context.services.forums.by_group(change.chat.id)
        if forum is not None:
            await context.services.forums.link_group(forum.id, None)
            log.info("event=group_unlinked forum=%s chat=%s", forum.id, change.chat.id)



async def save_contact(update: Update, context: BotContext, draft: Draft) -> None:
    """Keep the phone number the user shared with Telegram's contact button (their own only)."""
    message = update.effective_message
    user = user_of(update)
    lang = await language(update, context)
    contact = message.contact if message else None
    if contact is None or contact.user_id != user.id:
        await reply(update, t("profile.phone_not_own", lang))
        return
    await context.services.members.update(user.id, context.services.clock.now(), phone=contact.phone_number)
    await forms.finish(context, user.id)
    log.info("event=phone_saved user=%s", user.id)  # never the number itself
    await reply(update, t("profile.phone_saved", lang), markup=ReplyKeyboardRemove())


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    forms.register_form(PROFILE, on_input)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("forum_baru", new_forum))
    app.add_handler(CommandHandler("undang", invite))
    app.add_handler(CommandHandler("hubungkan", link_group))
    app.add_handler(CommandHandler("topik", set_topic))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    buttons = {
        "dec": on_decide,
        "x": on_cancel_form, "inv": on_invite_button,
        "link": on_link_pick,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
