"""Berbagi pengalaman (thin handlers): the group card's buttons, comments by reply, /baca, /cari,
/berbagi_terbaru, /tersimpan, /ringkasan; the forms are in handlers/posts_form.py.

Each handler parses the update, calls bot/posts/service.py and sends a view from
bot/posts/views.py. Every button checks on the server (in the service) that the presser is an
active member of the post's forum; members of one forum never see another forum's posts.
Other features create posts with `bot.posts.service.create_post`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.bidang import BIDANG
from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.errors import NotFound, StaleAction
from bot.permissions import Action
from bot.posts import rules, service, views
from bot.posts.loaders import load_digest_panel, load_full, load_listing, load_reader, load_saved
from bot.posts.pushes import plan_posts
from bot.texts import t
from bot.view import View
from handlers import forms
from handlers.common import (
    answer,
    button_handler,
    command_args,
    command_handler,
    is_private,
    language,
    private_only,
    reply,
    split_text,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from handlers.posts_form import BUTTONS as FORM_BUTTONS
from handlers.posts_form import replace, send, share
from storage.directory import register_search_source
from storage.models import Draft, Forum
from storage.posts import Post, village_hits

log = logging.getLogger(__name__)

FEATURE = views.FEATURE
SEARCH_WORDS = "post_search"  # the words after a bare /cari
# Drafts of the hand-rolled posts forms (before the form engine) that may be in a database at
# upgrade: their data no longer fits, so the user is told to start again. Remove after a release.
OLD_FLOWS = ("post", "post_edit", "post_comment", "post_ask", "post_answer", "post_hide")

__all__ = ["plan_posts", "register"]


def _group_of(update: Update) -> int | None:
    """The group chat the update came from (None in private chat)."""
    if is_private(update) or update.effective_chat is None:
        return None
    return update.effective_chat.id


async def _edit_markup(update: Update, view: View) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=view.markup())
    except BadRequest:
        pass  # unchanged, or too old to edit


# == reading: /baca, Baca selengkapnya ============================================================
@command_handler
async def read(update: Update, context: BotContext) -> None:
    """Show one post in full with its comments: /baca 12 (or the /baca_12 links in lists)."""
    lang = await language(update, context)
    message = update.effective_message
    arg = command_args(context)
    if not arg and message and message.text and message.text.startswith("/baca_"):
        arg = message.text.split()[0][len("/baca_"):].split("@")[0]
    arg = arg.lstrip("#")
    if not arg.isdigit():
        await reply(update, t("post.read_usage", lang))
        return
    user = user_of(update)
    post, forum, role = await service.visible_post(context.services, int(arg), user.id)
    group = _group_of(update)
    if group is not None and forum.group_chat_id != group:
        raise NotFound("post.not_found")  # a group only shows its own forum's posts
    await _send_full(update, context, post, role, lang, private=group is None)


async def _send_full(update: Update, context: BotContext, post: Post, role: str, lang: str, *,
                     private: bool, chat_id: int | None = None) -> None:
    """The full post, its attachments (in private chat) and comments, with the reader's buttons."""
    user = user_of(update)
    data = await load_full(context.services, post, reader_id=user.id if private else None, role=role)
    target = chat_id if chat_id is not None else (update.effective_chat.id if update.effective_chat else user.id)
    thread_id = None
    if chat_id is None and update.effective_message is not None and update.effective_message.is_topic_message:
        thread_id = update.effective_message.message_thread_id
    bot = context.bot
    messages = views.full_post(data, lang)
    for index, view in enumerate(messages):
        parts = split_text(view.text)
        for part_index, part in enumerate(parts):
            last = index == len(messages) - 1 and part_index == len(parts) - 1
            await bot.send_message(target, part, parse_mode=ParseMode.HTML, message_thread_id=thread_id,
                                   reply_markup=view.markup() if last else None, disable_web_page_preview=True)
    if private:
        for att in data.attachments:
            if att.kind == "photo":
                await bot.send_photo(target, att.file_id)
            else:
                await bot.send_document(target, att.file_id)


async def _to_private(update: Update, context: BotContext, send_it: Callable[[], Awaitable[None]]) -> None:
    """Run `send_it()` (which writes to the presser's private chat) and say so in the group; a user
    who never started the bot gets an alert asking them to open it first."""
    try:
        await send_it()
    except (Forbidden, BadRequest) as exc:
        log.info("event=private_send_refused reason=%s", type(exc).__name__)
        raise StaleAction("post.start_bot_first", bot=context.services.bot_username) from exc
    assert update.callback_query is not None
    lang = await language(update, context)
    await answer(update.callback_query, t("post.sent_private", lang, bot=context.services.bot_username), alert=True)


async def _open(update: Update, context: BotContext, post_id: int) -> None:
    user = user_of(update)
    post, _forum, role = await service.published_post(context.services, post_id, user.id)
    lang = await language(update, context)
    if is_private(update):
        await _send_full(update, context, post, role, lang, private=True)
        return
    await _to_private(update, context,
                      lambda: _send_full(update, context, post, role, lang, private=True, chat_id=user.id))


@button_handler
async def on_full(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Baca selengkapnya": the full post in the presser's private chat."""
    await _open(update, context, data.int_arg(0))


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    """A numbered result button: open that post (in a group, in the presser's private chat)."""
    await _open(update, context, data.int_arg(0))


# == buttons: thanks, bookmark ====================================================================
@button_handler
async def on_thanks(update: Update, context: BotContext, data: CallbackData) -> None:
    """Bermanfaat: one thanks per member; a double press or replayed update counts once."""
    user = user_of(update)
    query = update.callback_query
    assert query is not None
    message = query.message
    pressed_on = (message.chat.id, message.message_id) if message is not None else None
    services = context.services
    done = await service.thank(services, data.int_arg(0), user.id, pressed_on=pressed_on)
    lang = await language(update, context)
    if done.outcome == "own":
        await answer(query, t("post.thanks_own", lang), alert=True)
        return
    if done.outcome == "again":
        await answer(query, t("post.thanks_again", lang))
        return
    await answer(query, t("post.thanks_done", lang))
    if done.on_card:
        await _edit_markup(update, await service.card_of(services, done.post))
    elif message is not None and is_private(update):
        reader = await load_reader(services, done.post, user.id, done.role)
        await _edit_markup(update, View("", views.reader_buttons(done.post, reader, lang)))


@button_handler
async def on_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Simpan: bookmark (or un-bookmark) the post for /tersimpan."""
    user = user_of(update)
    services = context.services
    saved, post, role = await service.toggle_bookmark(services, data.int_arg(0), user.id)
    lang = await language(update, context)
    query = update.callback_query
    assert query is not None
    await answer(query, t("post.saved" if saved else "post.unsaved", lang), alert=not is_private(update))
    if is_private(update) and query.message is not None and post.status == "published":
        reader = await load_reader(services, post, user.id, role)
        await _edit_markup(update, View("", views.reader_buttons(post, reader, lang)))


# == comments by reply in the group ===============================================================
@command_handler
async def on_group_reply(update: Update, context: BotContext) -> None:
    """A member's reply to a post card in the group is kept as a comment (replays are ignored)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    target = message.reply_to_message
    if target.from_user is None or target.from_user.id != context.bot.id:
        return
    text = message.text or message.caption
    if not text or text.startswith("/"):
        return
    await service.group_reply(context.services, chat_id=chat.id, card_message_id=target.message_id,
                              message_id=message.message_id, user_id=user_of(update).id, text=text)


# == finding: /cari, /berbagi_terbaru, /tersimpan =================================================
@command_handler
async def search(update: Update, context: BotContext) -> None:
    """Full-text search across the asker's forums (the group's forum in a group)."""
    lang = await language(update, context)
    query = command_args(context)[:200]
    if not query:
        # From the menu /cari comes bare: ask for the words; the next message searches.
        user = user_of(update)
        if is_private(update) and await forms.current(context, user.id) is None:
            await forms.begin(context, user.id, SEARCH_WORDS, "words")
            await reply(update, t("post.search_ask", lang))
        else:
            await reply(update, t("post.search_usage", lang))
        return
    await _new_listing(update, context, query)


async def on_search_words(update: Update, context: BotContext, draft: Draft) -> None:
    """The words typed after a bare /cari."""
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    if not text:
        await reply(update, t("post.search_ask", await language(update, context)))
        return
    await forms.finish(context, draft.user_id)
    await _new_listing(update, context, text[:200])


async def search_reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    await reply(update, t("post.search_ask", await language(update, context)))


@command_handler
async def newest(update: Update, context: BotContext) -> None:
    """The newest posts across the asker's forums."""
    await _new_listing(update, context, "")


async def _new_listing(update: Update, context: BotContext, query: str) -> None:
    services = context.services
    search_id, forum_ids = await service.new_search(services, user_of(update).id, query, _group_of(update))
    data = await load_listing(services, search_id, query, forum_ids, 0, None, None)
    await send(update, views.listing(data, await language(update, context)))


def _filter_value(value: str, allowed_values: list[str] | tuple[str, ...]) -> str | None:
    if value == "-":
        return None
    if value not in allowed_values:
        raise StaleAction()
    return value


@button_handler
async def on_page(update: Update, context: BotContext, data: CallbackData) -> None:
    """A result page or a filter change: e:sr:<search>:<page>:<bidang|->:<kind|->."""
    search_id, page = data.int_arg(0), data.int_arg(1)
    bidang = _filter_value(data.arg(2), [b.code for b in BIDANG])
    kind = _filter_value(data.arg(3), rules.KINDS)
    if not 0 <= page <= 1000:
        raise StaleAction()
    services = context.services
    query, forum_ids = await service.saved_search(services, user_of(update).id, search_id)
    listing = await load_listing(services, search_id, query, forum_ids, page, bidang, kind)
    await replace(update, views.listing(listing, await language(update, context)))


@button_handler
async def on_filter(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show the bidang or kind choices for a listing: e:sf:<search>:<b|k>:<bidang>:<kind>."""
    search_id, which, b, k = data.int_arg(0), data.arg(1), data.arg(2), data.arg(3)
    if which not in ("b", "k"):
        raise StaleAction()
    await service.saved_search(context.services, user_of(update).id, search_id)
    await replace(update, views.filter_choice(search_id, which, b, k, await language(update, context)))


@command_handler
async def saved(update: Update, context: BotContext) -> None:
    """The user's bookmarks (/tersimpan)."""
    await send(update, await _saved_page(update, context, 0))


async def _saved_page(update: Update, context: BotContext, page: int) -> View:
    user = user_of(update)
    forum_ids = await service.my_forums(context.services, user.id)
    data = await load_saved(context.services, user.id, forum_ids, page)
    return views.saved_page(data, await language(update, context))


@button_handler
async def on_saved_page(update: Update, context: BotContext, data: CallbackData) -> None:
    page = data.int_arg(0)
    if not 0 <= page <= 1000:
        raise StaleAction()
    await replace(update, await _saved_page(update, context, page))


# == the weekly digest ============================================================================
@command_handler
async def digest_settings(update: Update, context: BotContext) -> None:
    """/ringkasan: the weekly digest's day; subscribe or unsubscribe; koordinator picks the day."""
    if not await private_only(update, context, "ringkasan"):
        return
    await run_in_forum(update, context, "ringkasan")


@forum_action("ringkasan", Action.POST)
async def _digest_panel(update: Update, context: BotContext, forum: Forum) -> None:
    await send(update, await _panel(update, context, forum))


async def _panel(update: Update, context: BotContext, forum: Forum) -> View:
    data = await load_digest_panel(context.services, forum, user_of(update).id)
    return views.digest_panel(data, await language(update, context))


@button_handler
async def on_digest_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    """Subscribe or unsubscribe from one forum's weekly digest (also the button on the digest)."""
    choice = data.arg(1)
    if choice not in ("on", "off"):
        raise StaleAction()
    forum = await service.set_digest(context.services, data.int_arg(0), user_of(update).id, subscribe=choice == "on")
    lang = await language(update, context)
    query = update.callback_query
    assert query is not None
    await answer(query, t("post.digest_now_off" if choice == "off" else "post.digest_now_on", lang), alert=True)
    if len(data.args) > 2 and data.arg(2) == "p":  # pressed on the /ringkasan panel
        await replace(update, await _panel(update, context, forum))
        return
    await _edit_markup(update, View("", views.digest_toggle(forum.id, choice == "off", lang)))


@button_handler
async def on_digest_day(update: Update, context: BotContext, data: CallbackData) -> None:
    forum = await service.set_digest_day(context.services, data.int_arg(0), user_of(update).id, data.int_arg(1))
    await replace(update, await _panel(update, context, forum))


BUTTONS = {
    "full": on_full, "ty": on_thanks, "sv": on_save,
    "sr": on_page, "sf": on_filter, "rd": on_open, "bm": on_saved_page,
    "dg": on_digest_toggle, "dw": on_digest_day,
}


async def on_old_draft(update: Update, context: BotContext, draft: Draft) -> None:
    """A form begun before the upgrade: drop it and say how to start again."""
    await forms.finish(context, draft.user_id)
    await reply(update, t("post.form_outdated", await language(update, context)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Villages are also found in /cari_desa through the experience they shared.
    register_search_source(village_hits)
    forms.register_form(SEARCH_WORDS, on_search_words, search_reprompt)
    for flow in OLD_FLOWS:
        forms.register_form(flow, on_old_draft, on_old_draft)
    app.add_handler(CommandHandler("berbagi", share))
    app.add_handler(CommandHandler("baca", read))
    app.add_handler(MessageHandler(filters.Regex(r"^/baca_\d+(@\w+)?$"), read))
    app.add_handler(CommandHandler("cari", search))
    app.add_handler(CommandHandler("berbagi_terbaru", newest))
    app.add_handler(CommandHandler("tersimpan", saved))
    app.add_handler(CommandHandler("ringkasan", digest_settings))
    for action, callback in {**FORM_BUTTONS, **BUTTONS}.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
    # Replies to the bot's cards in groups: in a group of their own so other features' group
    # handlers still see every message.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND, on_group_reply),
                    group=1)
