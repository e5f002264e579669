"""The posts forms (thin): /berbagi, changing a post, a comment, a question, an answer, a hide reason.

Each step parses the message or button, calls bot/posts/service.py and shows a view from
bot/posts/views.py. The form's state lives in the drafts table (handlers/forms.py), so a
restart mid-form loses nothing; a button from an earlier step is refused as stale.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.errors import InvalidInput, StaleAction
from bot.permissions import Action
from bot.posts import rules, service, views
from bot.posts.forms import NEW_POST, new_post
from bot.posts.views import one_button
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
from storage.models import Draft, Forum

EDIT = "post_edit"
COMMENT = "post_comment"
ASK = "post_ask"
ANSWER = "post_answer"
HIDE = "post_hide"
FORMS = (EDIT, COMMENT, ASK, ANSWER, HIDE)


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


async def ask_step(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the question of the form's current step (also after a restart or /start)."""
    lang = await language(update, context)
    if draft.flow == EDIT:
        key = "post.ask_new_title" if draft.data["field"] == "title" else "post.ask_new_story"
        await send(update, View(str(t(key, lang, max=rules.STORY_MAX))))
    elif draft.flow == COMMENT:
        await send(update, View(str(t("post.ask_comment", lang, title=draft.data.get("title", "")))))
    elif draft.flow == ASK:
        await send(update, View(str(t("post.ask_question", lang, title=draft.data.get("title", "")))))
    elif draft.flow == ANSWER:
        await send(update, View(str(t("post.ask_answer", lang))))
    elif draft.flow == HIDE:
        await send(update, View(str(t("post.ask_hide_reason", lang))))


def _text_of(message: Message) -> str:
    if not message.text:
        raise InvalidInput("bad.text_expected")
    return message.text


async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed answers (and photos/documents) for the post forms."""
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    services = context.services
    user = user_of(update)
    post_id = int(draft.data.get("post_id", 0))
    try:
        if draft.flow == EDIT:
            if draft.data["field"] == "title":
                post = await service.edit_post(services, post_id, user.id, title=_text_of(message))
                await send(update, View(str(t("post.edit_saved", lang, id=post.id))))
            else:
                await service.own_post(services, post_id, user.id)
                await _add_story_part(update, context, draft, message.text, lang)
        elif draft.flow == COMMENT:
            post = await service.comment(services, post_id, user.id, _text_of(message))
            await send(update, View(str(t("post.comment_saved", lang, id=post.id))))
        elif draft.flow == ASK:
            await service.ask_author(services, post_id, user.id, _text_of(message), fallback_name=user.full_name)
            await send(update, View(str(t("post.question_sent", lang))))
        elif draft.flow == ANSWER:
            await service.answer_asker(services, post_id, int(draft.data["asker"]), user.id, _text_of(message))
            await send(update, View(str(t("post.answer_sent", lang))))
        elif draft.flow == HIDE:
            post = await service.hide(services, post_id, user.id, _text_of(message))
            await send(update, View(str(t("post.hidden_done", lang, title=post.title))))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


async def _add_story_part(update: Update, context: BotContext, draft: Draft, text: str | None, lang: str) -> None:
    """Append one message to the new story being written (it replaces the old one on Selesai)."""
    parts = list(draft.data.get("parts", []))
    if not text:
        raise InvalidInput("bad.text_expected")
    piece = rules.clean_text(text)
    if len(rules.join_story([*parts, piece])) > rules.STORY_MAX:
        raise InvalidInput("post.story_long", max=rules.STORY_MAX)
    parts.append(piece)
    await forms.advance(context, draft, draft.step, parts=parts)
    await send(update, View(str(t("post.story_received", lang, length=len(rules.join_story(parts)), parts=len(parts))),
                            one_button(str(t("post.btn_done", lang)), "es")))


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow in FORMS:
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# == comments, questions, answers =================================================================
@button_handler
async def on_comment(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanggapi (private chat): the next message becomes a comment on the post."""
    user = user_of(update)
    post, _forum, _role = await service.published_post(context.services, data.int_arg(0), user.id)
    draft = await forms.begin(context, user.id, COMMENT, "text", {"post_id": post.id, "title": post.title})
    await ask_step(update, context, draft)


@button_handler
async def on_ask(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanya penulis: the presser writes a question privately; the bot passes it to the author."""
    user = user_of(update)
    post = await service.may_ask(context.services, data.int_arg(0), user.id)
    lang = await language(update, context)
    draft = await forms.begin(context, user.id, ASK, "text", {"post_id": post.id, "title": post.title})
    if is_private(update):
        await ask_step(update, context, draft)
        return
    try:
        await context.bot.send_message(user.id, str(t("post.ask_question", lang, title=post.title)),
                                       parse_mode=ParseMode.HTML)
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
    draft = await forms.begin(context, user.id, ANSWER, "text", {"post_id": post.id, "asker": asker_id})
    await ask_step(update, context, draft)


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
    else:
        draft = await forms.begin(context, user.id, EDIT, "text", {"post_id": post.id, "field": field, "parts": []})
        await ask_step(update, context, draft)


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
async def on_edit_story_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, EDIT, "text")
    post = await service.edit_post(context.services, int(draft.data["post_id"]), user.id,
                                   story_parts=draft.data.get("parts", []))
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
    draft = await forms.begin(context, user.id, HIDE, "reason", {"post_id": post.id})
    await ask_step(update, context, draft)


BUTTONS = {
    "fx": on_cancel,
    "cm": on_comment, "ask": on_ask, "ans": on_answer,
    "ed": on_edit, "ef": on_edit_field, "eb": on_edit_bidang, "ek": on_edit_kind, "es": on_edit_story_done,
    "wd": on_withdraw, "wdy": on_withdraw_yes, "hd": on_hide,
}
