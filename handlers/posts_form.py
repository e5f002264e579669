"""The posts forms (thin): /berbagi and the one-answer forms, started from buttons.

The forms themselves are declared in bot/posts/forms.py and driven by the form engine
(handlers/forms.py): typed input, stale buttons, /batal and restarts are the engine's. These
handlers check who may start which form (through bot/posts/service.py) and start it.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot import forms as engine
from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.errors import StaleAction
from bot.permissions import Action
from bot.posts import forms as post_forms
from bot.posts import service, views
from bot.posts.forms import NEW_POST, NewStory, OnPost, new_post
from bot.texts import t
from bot.view import View
from handlers import forms
from handlers.common import (
    answer,
    button_handler,
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
from storage.models import Forum


async def send(update: Update, view: View) -> None:
    await reply(update, view.text, markup=view.markup())


async def replace(update: Update, view: View) -> None:
    """After a button press: the pressed message becomes this view (else a new message)."""
    await edit_or_reply(update, view.text, [[(b.label, b.data or "") for b in row] for row in view.buttons])


async def _drop_buttons(update: Update) -> None:
    if update.callback_query:
        await remove_buttons(update.callback_query)


# == /berbagi =====================================================================================
@command_handler
async def share(update: Update, context: BotContext) -> None:
    """Start the guided form for a new post (private chat)."""
    if not await private_only(update, context, "berbagi"):
        return
    await run_in_forum(update, context, "berbagi")


@forum_action("berbagi", Action.POST)
async def _start_form(update: Update, context: BotContext, forum: Forum) -> None:
    """The declared /berbagi form (bot/posts/forms.py) with its review and "Ubah"."""
    await forms.start_form(update, context, NEW_POST, new_post(forum.id, user_of(update).id))


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    """Batal under "Tarik cerita?": nothing changes."""
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# == comments, questions, answers =================================================================
@button_handler
async def on_comment(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanggapi (private chat): the next message becomes a comment on the post."""
    user = user_of(update)
    post, _forum, _role = await service.published_post(context.services, data.int_arg(0), user.id)
    await forms.start_form(update, context, post_forms.COMMENT, OnPost(post_id=post.id, title=post.title))


@button_handler
async def on_ask(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanya penulis: the presser writes a question privately; the bot passes it to the author."""
    user = user_of(update)
    post = await service.may_ask(context.services, data.int_arg(0), user.id)
    question = OnPost(post_id=post.id, title=post.title)
    if is_private(update):
        await forms.start_form(update, context, post_forms.QUESTION, question)
        return
    # Pressed in the group: the question is written in the private chat.
    lang = await language(update, context)
    out = await engine.start(context.services, user.id, post_forms.QUESTION, question, lang)
    try:
        for view in out.send:
            await context.bot.send_message(user.id, view.text, parse_mode=ParseMode.HTML, reply_markup=view.markup())
    except (Forbidden, BadRequest) as exc:
        await forms.finish(context, user.id)
        raise StaleAction("post.start_bot_first", bot=context.services.bot_username) from exc
    assert update.callback_query is not None
    await answer(update.callback_query, t("post.sent_private", lang, bot=context.services.bot_username), alert=True)


@button_handler
async def on_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """The author answers a question; the answer goes to the asker through the bot."""
    if len(data.args) != 1:  # older buttons named the asker: never trusted
        raise StaleAction()
    user = user_of(update)
    post, asker_id = await service.may_answer(context.services, data.int_arg(0), user.id)
    await forms.start_form(update, context, post_forms.ANSWER, OnPost(post_id=post.id, asker=asker_id))


# == the author's edit and withdraw; the koordinator's hide =======================================
@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    post = await service.own_post(context.services, data.int_arg(0), user_of(update).id)
    await send(update, views.edit_menu(post, await language(update, context)))


@button_handler
async def on_edit_field(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await service.own_post(context.services, data.int_arg(0), user.id)
    field = data.arg(1)
    lang = await language(update, context)
    if field not in ("bidang", "kind", "title", "story"):
        raise StaleAction()
    await _drop_buttons(update)
    if field == "bidang":
        await send(update, View(str(t("post.ask_bidang", lang)), views.bidang_buttons("eb", post.id, lang=lang)))
    elif field == "kind":
        await send(update, View(str(t("post.ask_kind", lang)), views.kind_buttons("ek", post.id, lang=lang)))
    elif field == "title":
        await forms.start_form(update, context, post_forms.NEW_TITLE, OnPost(post_id=post.id, title=post.title))
    else:
        await forms.start_form(update, context, post_forms.NEW_STORY, NewStory(post_id=post.id))


async def _edited(update: Update, context: BotContext, post_id: int) -> None:
    await _drop_buttons(update)
    await reply(update, t("post.edit_saved", await language(update, context), id=post_id))


@button_handler
async def on_edit_bidang(update: Update, context: BotContext, data: CallbackData) -> None:
    post = await service.edit_post(context.services, data.int_arg(0), user_of(update).id, bidang=data.arg(1))
    await _edited(update, context, post.id)


@button_handler
async def on_edit_kind(update: Update, context: BotContext, data: CallbackData) -> None:
    post = await service.edit_post(context.services, data.int_arg(0), user_of(update).id, kind=data.arg(1))
    await _edited(update, context, post.id)


@button_handler
async def on_withdraw(update: Update, context: BotContext, data: CallbackData) -> None:
    post = await service.own_post(context.services, data.int_arg(0), user_of(update).id)
    await send(update, views.withdraw_confirm(post, await language(update, context)))


@button_handler
async def on_withdraw_yes(update: Update, context: BotContext, data: CallbackData) -> None:
    """The author takes the post back: out of search and lists, the group card says so."""
    post = await service.withdraw(context.services, data.int_arg(0), user_of(update).id)
    await edit_or_reply(update, t("post.withdrawn", await language(update, context), title=post.title))


@button_handler
async def on_hide(update: Update, context: BotContext, data: CallbackData) -> None:
    """A koordinator hides a post; the next message is the reason sent to the author."""
    user = user_of(update)
    post = await service.may_hide(context.services, data.int_arg(0), user.id)
    await forms.start_form(update, context, post_forms.HIDE, OnPost(post_id=post.id, title=post.title))


BUTTONS = {
    "fx": on_cancel,
    "cm": on_comment, "ask": on_ask, "ans": on_answer,
    "ed": on_edit, "ef": on_edit_field, "eb": on_edit_bidang, "ek": on_edit_kind,
    "wd": on_withdraw, "wdy": on_withdraw_yes, "hd": on_hide,
}
