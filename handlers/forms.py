"""Forms: multi-step conversations whose state lives in SQLite (the drafts table).

A feature registers an input handler for its form name. Any private message that is not a
command goes to the input handler of the user's form in progress; buttons inside a form check
`expect()` so an old button from an earlier step is refused instead of corrupting the form.
A restart mid-form loses nothing: the next message continues where the user was.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.errors import StaleAction
from bot.texts import t
from handlers.common import command_handler, language, reply, user_of
from storage.models import Draft

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


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    """Remind the user of the form in progress (e.g. after a second /start) and ask again."""
    lang = await language(update, context)
    await reply(update, t("core.form_in_progress", lang))
    if draft.flow in _REPROMPTS:
        await _REPROMPTS[draft.flow](update, context, draft)


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
    if draft is None or draft.flow not in _FORMS:
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
    if draft is not None and draft.flow in _REPROMPTS:
        await _REPROMPTS[draft.flow](update, context, draft)
        return
    await reply(update, t("rel.replayed", await language(update, context)))
