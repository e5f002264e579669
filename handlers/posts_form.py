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
from bot.posts.loaders import load_preview
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

FORM = "post"
EDIT = "post_edit"
COMMENT = "post_comment"
ASK = "post_ask"
ANSWER = "post_answer"
HIDE = "post_hide"
FORMS = (FORM, EDIT, COMMENT, ASK, ANSWER, HIDE)


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
    draft = await forms.begin(context, user_of(update).id, FORM, "title", {"forum_id": forum.id, "parts": [], "atts": []})
    await ask_step(update, context, draft)


async def ask_step(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the question of the form's current step (also after a restart or /start)."""
    lang = await language(update, context)
    step = draft.step
    if draft.flow == FORM:
        if step == "title":
            await send(update, View(str(t("post.ask_title", lang))))
        elif step == "bidang":
            await send(update, View(str(t("post.ask_bidang", lang)), views.bidang_buttons("fb", lang=lang)))
        elif step == "kind":
            await send(update, View(str(t("post.ask_kind", lang)), views.kind_buttons("fk", lang=lang)))
        elif step == "story":
            await send(update, View(str(t("post.ask_story", lang, max=rules.STORY_MAX))))
        elif step == "attach":
            await send(update, View(str(t("post.ask_attach", lang, max=rules.MAX_ATTACHMENTS)),
                                    one_button(str(t("post.btn_next", lang)), "fa")))
        elif step == "link":
            await send(update, views.link_choice(lang))
        elif step == "link_id":
            what = t(f"post.link_{draft.data['link_type']}", lang)
            await send(update, View(str(t("post.ask_link_id", lang, what=what))))
        elif step == "preview":
            user = user_of(update)
            data = await load_preview(context.services, user.id, user.full_name, draft.data)
            await send(update, views.preview(data, lang))
    elif draft.flow == EDIT:
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


def _attachment_of(message: Message) -> tuple[str, str, str | None] | None:
    if message.photo:
        return ("photo", message.photo[-1].file_id, None)
    if message.document:
        return ("document", message.document.file_id, message.document.file_name)
    return None


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
        if draft.flow == FORM:
            await _form_input(update, context, draft, message, lang)
        elif draft.flow == EDIT:
            if draft.data["field"] == "title":
                post = await service.edit_post(services, post_id, user.id, title=_text_of(message))
                await send(update, View(str(t("post.edit_saved", lang, id=post.id))))
            else:
                await service.own_post(services, post_id, user.id)
                await _add_story_part(update, context, draft, message.text, None, lang, done_action="es")
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


async def _form_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    step = draft.step
    attachment = _attachment_of(message)
    next_button = one_button(str(t("post.btn_next", lang)), "fa")
    if step == "title":
        draft = await forms.advance(context, draft, "bidang", title=rules.clean_title(_text_of(message)))
        await ask_step(update, context, draft)
    elif step == "story":
        await _add_story_part(update, context, draft, message.text or message.caption, attachment, lang,
                              done_action="fs")
    elif step == "attach":
        if attachment is None:
            await send(update, View(str(t("post.attach_expected", lang)), next_button))
            return
        atts = list(draft.data.get("atts", []))
        if len(atts) >= rules.MAX_ATTACHMENTS:
            raise InvalidInput("post.attach_full", max=rules.MAX_ATTACHMENTS)
        atts.append(list(attachment))
        await forms.advance(context, draft, "attach", atts=atts)
        await send(update, View(str(t("post.attach_added", lang, count=len(atts), max=rules.MAX_ATTACHMENTS)),
                                next_button))
    elif step == "link_id":
        raw = (message.text or "").strip().lstrip("#")
        if not raw.isdigit() or not 0 < int(raw) < 10**12:
            raise InvalidInput("post.bad_link_id")
        await service.check_link(context.services, draft.data["link_type"], int(raw), int(draft.data["forum_id"]))
        draft = await forms.advance(context, draft, "preview", link_id=int(raw))
        await ask_step(update, context, draft)
    else:
        await reply(update, t("bad.use_buttons", lang))


async def _add_story_part(update: Update, context: BotContext, draft: Draft, text: str | None,
                          attachment: tuple[str, str, str | None] | None, lang: str, *, done_action: str) -> None:
    """Append one message to the story being written (and keep a photo/document sent with it)."""
    parts = list(draft.data.get("parts", []))
    atts = list(draft.data.get("atts", []))
    if text is None and attachment is None:
        raise InvalidInput("bad.text_expected")
    if text:
        piece = rules.clean_text(text)
        if len(rules.join_story([*parts, piece])) > rules.STORY_MAX:
            raise InvalidInput("post.story_long", max=rules.STORY_MAX)
        parts.append(piece)
    if attachment is not None and draft.flow == FORM:
        if len(atts) >= rules.MAX_ATTACHMENTS:
            raise InvalidInput("post.attach_full", max=rules.MAX_ATTACHMENTS)
        atts.append(list(attachment))
    await forms.advance(context, draft, draft.step, parts=parts, atts=atts)
    length = len(rules.join_story(parts))
    await send(update, View(str(t("post.story_received", lang, length=length, parts=len(parts))),
                            one_button(str(t("post.btn_done", lang)), done_action)))


@button_handler
async def on_form_bidang(update: Update, context: BotContext, data: CallbackData) -> None:
    draft = await forms.expect(context, user_of(update).id, FORM, "bidang")
    code = rules.check_bidang(data.arg(0))
    await _drop_buttons(update)
    await ask_step(update, context, await forms.advance(context, draft, "kind", bidang=code))


@button_handler
async def on_form_kind(update: Update, context: BotContext, data: CallbackData) -> None:
    draft = await forms.expect(context, user_of(update).id, FORM, "kind")
    kind = rules.check_kind(data.arg(0))
    await _drop_buttons(update)
    await ask_step(update, context, await forms.advance(context, draft, "story", kind=kind, parts=[]))


@button_handler
async def on_form_story_done(update: Update, context: BotContext, data: CallbackData) -> None:
    draft = await forms.expect(context, user_of(update).id, FORM, "story")
    lang = await language(update, context)
    try:
        rules.check_story(rules.join_story(draft.data.get("parts", [])))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    await _drop_buttons(update)
    await ask_step(update, context, await forms.advance(context, draft, "attach"))


@button_handler
async def on_form_attach_done(update: Update, context: BotContext, data: CallbackData) -> None:
    draft = await forms.expect(context, user_of(update).id, FORM, "attach")
    await _drop_buttons(update)
    await ask_step(update, context, await forms.advance(context, draft, "link"))


@button_handler
async def on_form_link(update: Update, context: BotContext, data: CallbackData) -> None:
    draft = await forms.expect(context, user_of(update).id, FORM, "link")
    choice = data.arg(0)
    if choice not in (*rules.LINK_TYPES, "none"):
        raise StaleAction()
    await _drop_buttons(update)
    if choice == "none":
        draft = await forms.advance(context, draft, "preview", link_type=None, link_id=None)
    else:
        draft = await forms.advance(context, draft, "link_id", link_type=choice)
    await ask_step(update, context, draft)


@button_handler
async def on_publish(update: Update, context: BotContext, data: CallbackData) -> None:
    """Publish the previewed post: save it, queue its card for the group, end the form."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    d = draft.data
    published = await service.publish_post(
        context.services, user_id=user.id, forum_id=int(d["forum_id"]), title=d["title"], bidang=d["bidang"],
        kind=d["kind"], story_parts=d["parts"], attachments=[(str(a[0]), str(a[1]), a[2]) for a in d.get("atts", [])],
        link_type=d.get("link_type"), link_id=d.get("link_id"))
    await _drop_buttons(update)
    key = "post.published_group" if published.in_group else "post.published"
    await reply(update, t(key, await language(update, context), id=published.post_id, title=published.title))


@button_handler
async def on_restart(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    await _drop_buttons(update)
    draft = await forms.begin(context, user.id, FORM, "title",
                              {"forum_id": draft.data["forum_id"], "parts": [], "atts": []})
    await ask_step(update, context, draft)


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
    "fb": on_form_bidang, "fk": on_form_kind, "fs": on_form_story_done, "fa": on_form_attach_done,
    "fl": on_form_link, "fp": on_publish, "fr": on_restart, "fx": on_cancel,
    "cm": on_comment, "ask": on_ask, "ans": on_answer,
    "ed": on_edit, "ef": on_edit_field, "eb": on_edit_bidang, "ek": on_edit_kind, "es": on_edit_story_done,
    "wd": on_withdraw, "wdy": on_withdraw_yes, "hd": on_hide,
}
