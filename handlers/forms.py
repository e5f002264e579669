"""Forms: multi-step conversations whose state lives in SQLite (the drafts table).

Declared forms (bot.forms) are driven here: `start_form` begins one, typed input and `f:` buttons
go to the engine, and its `Reply` is sent. The older hand-rolled forms below remain until each
feature is ported.

A hand-rolled form registers an input handler for its form name. Any private message that is not a
command goes to the input handler of the user's form in progress; buttons inside a form check
`expect()` so an old button from an earlier step is refused instead of corrupting the form.
A restart mid-form loses nothing: the next message continues where the user was.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import BaseModel
from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import forms as engine
from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.errors import StaleAction
from bot.texts import t
from bot.view import View
from handlers.common import answer, button_handler, command_handler, language, remove_buttons, reply, user_of
from storage.models import Draft

PATTERN = pattern(engine.FEATURE)

InputHandler = Callable[[Update, BotContext, Draft], Coroutine[Any, Any, None]]
_FORMS: dict[str, InputHandler] = {}
_REPROMPTS: dict[str, InputHandler] = {}


def register_form(name: str, on_input: InputHandler, reprompt: InputHandler | None = None) -> None:
    """`on_input` gets typed messages; `reprompt` asks the current step's question again."""
    if name in _FORMS and _FORMS[name] is not on_input:
        raise RuntimeError(f"form {name!r} registered twice")
    _FORMS[name] = on_input
    if reprompt is not None:
        _REPROMPTS[name] = reprompt


# -- declared forms ---------------------------------------------------------------------------------
async def send_view(update: Update, view: View) -> Message | None:
    return await reply(update, view.text, markup=view.markup())


async def _edit(update: Update, query: CallbackQuery, view: View) -> None:
    try:
        await query.edit_message_text(view.text, parse_mode=ParseMode.HTML, reply_markup=view.markup(),
                                      disable_web_page_preview=True)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await send_view(update, view)  # too old or too long to edit: say it anew


async def _send(update: Update, out: engine.Reply) -> None:
    query = update.callback_query
    if query is not None:
        if out.alert is not None:
            await answer(query, out.alert, alert=True)
            return
        if out.edit is not None:
            if isinstance(query.message, Message):
                await _edit(update, query, out.edit)
            else:  # too old to edit: say it anew
                await send_view(update, out.edit)
        elif out.close and isinstance(query.message, Message):
            await remove_buttons(query)
    elif out.edit is not None:
        await send_view(update, out.edit)
    for view in out.send:
        await send_view(update, view)


async def start_form(update: Update, context: BotContext, form: engine.Form[Any], data: BaseModel, *,
                     only: str | None = None) -> None:
    """Begin a declared form for the user (replacing any form in progress) and ask its first question."""
    lang = await language(update, context)
    out = await engine.start(context.services, user_of(update).id, form, data, lang, only=only)
    await _send(update, out)


@button_handler
async def on_button(update: Update, context: BotContext, data: CallbackData) -> None:
    """A button of a declared form (f:<form>:<seq>:...); stale ones are refused by the engine."""
    lang = await language(update, context)
    await _send(update, await engine.on_button(context.services, user_of(update).id, data, lang))


def _answer_of(message: Message) -> engine.Answer:
    if message.location is not None:
        return engine.Answer(location=(message.location.latitude, message.location.longitude))
    if message.document is not None:
        return engine.Answer(file_id=message.document.file_id, file_name=(message.document.file_name or "")[:100],
                             file_kind="document", text=message.caption, html=message.caption_html)
    if message.photo:
        return engine.Answer(file_id=message.photo[-1].file_id, file_kind="photo", text=message.caption,
                             html=message.caption_html)
    return engine.Answer(text=message.text, html=message.text_html if message.text else None)


# -- routing ------------------------------------------------------------------------------------------
async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    """Remind the user of the form in progress (e.g. after a second /start) and ask again."""
    lang = await language(update, context)
    if engine.declared(draft.flow):
        await _prompt_again(update, context, draft, lang, reminder=True)
        return
    await reply(update, t("core.form_in_progress", lang))
    if draft.flow in _REPROMPTS:
        await _REPROMPTS[draft.flow](update, context, draft)


async def _prompt_again(update: Update, context: BotContext, draft: Draft, lang: str, *, reminder: bool) -> None:
    """A declared form's current question again; a draft an older version left is dropped, with a word."""
    try:
        view = await engine.prompt_again(context.services, draft, lang)
    except engine.FormOutdated as exc:
        await reply(update, t(exc.message_key, lang))
        return
    if reminder:
        await reply(update, t("core.form_in_progress", lang))
    await send_view(update, view)


async def begin(context: BotContext, user_id: int, form: str, step: str, data: dict[str, Any] | None = None) -> Draft:
    """Start a form (replacing any other form in progress)."""
    return await context.services.drafts.save(user_id, form, step, data or {}, context.services.clock.now())


async def advance(context: BotContext, draft: Draft, step: str, **updates: Any) -> Draft:
    """Move a form to `step`, keeping what was typed so far plus `updates`."""
    data = {**draft.data, **updates}
    return await context.services.drafts.save(draft.user_id, draft.flow, step, data, context.services.clock.now())


async def finish(context: BotContext, user_id: int) -> None:
    await context.services.drafts.clear(user_id)


async def current(context: BotContext, user_id: int) -> Draft | None:
    return await context.services.drafts.get(user_id)


async def expect(context: BotContext, user_id: int, form: str, *steps: str) -> Draft:
    """The user's draft if it is this form at one of these steps; else the button is stale."""
    draft = await context.services.drafts.get(user_id)
    if draft is None or draft.flow != form or (steps and draft.step not in steps):
        raise StaleAction()
    return draft


@command_handler
async def route_input(update: Update, context: BotContext) -> None:
    """Send a private non-command message to the form in progress, or explain what to do."""
    user = user_of(update)
    draft = await context.services.drafts.get(user.id)
    if draft is not None and engine.declared(draft.flow) and update.effective_message is not None:
        lang = await language(update, context)
        out = await engine.on_input(context.services, draft, _answer_of(update.effective_message), lang)
        await _send(update, out)
        return
    if draft is None or draft.flow not in _FORMS:
        if draft is not None:  # a form this version no longer has: drop it so nothing waits on it
            await context.services.drafts.clear(user.id)
        lang = await language(update, context)
        # Not "I don't understand" alone: say what this person can do from here.
        registered = bool(await context.services.forums.of_member(user.id))
        await reply(update, t("core.not_understood_member" if registered else "core.not_understood", lang))
        return
    await _FORMS[draft.flow](update, context, draft)


async def answer_again(update: Update, app: Any) -> None:
    """After a restart: this update's change was saved but its reply may never have gone out.

    Running it again would change things twice, so the reply is derived from what was saved:
    in a form, the current step is asked again; otherwise a short "already recorded".
    """
    context = BotContext.from_update(update, app)
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return
    draft = await context.services.drafts.get(user.id)
    if draft is not None and engine.declared(draft.flow):
        await _prompt_again(update, context, draft, await language(update, context), reminder=False)
        return
    if draft is not None and draft.flow in _REPROMPTS:
        await _REPROMPTS[draft.flow](update, context, draft)
        return
    await reply(update, t("rel.replayed", await language(update, context)))
