"""A signed kerja sama's changes, thin: amend a clause, end early, renew, let lapse.

Parse the update, call bot.agreements.running (the use cases: rights, the one write, the pushes),
send the reply. The forms are declared in bot.agreements.running_forms.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.agreements import running, running_forms
from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import InvalidInput, StaleAction
from bot.texts import t
from bot.timefmt import format_date
from handlers.agreements import forum_of
from handlers.common import button_handler, edit_or_reply, language, remove_buttons, reply, user_of
from handlers.forms import start_form
from scheduler.agreements import FEATURE

log = logging.getLogger(__name__)



# -- amend -------------------------------------------------------------------------------------
@button_handler
async def on_amend(update: Update, context: BotContext, data: CallbackData) -> None:
    """Ask which part of the agreement changes."""
    agreement = await running.editable(context.services, data.int_arg(0), user_of(update).id)
    lang = await language(update, context)
    buttons = [(str(t(f"agr.field.{f}", lang)), encode(FEATURE, "af", agreement.id, f))
               for f in running.AMEND_FIELDS]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    await reply(update, t("agr.amend.pick", lang, title=agreement.title), rows)


@button_handler
async def on_amend_field(update: Update, context: BotContext, data: CallbackData) -> None:
    """The part to change was picked: the declared AMEND form (party for rights, value, note, review)."""
    agreement = await running.editable(context.services, data.int_arg(0), user_of(update).id)
    field = data.arg(1)
    if field not in running.AMEND_FIELDS:
        raise StaleAction()
    if field == "start_date" and await running.start_locked(context.services, agreement.id):
        raise InvalidInput("agr.amend.start_locked")
    forum = await forum_of(context, agreement.forum_id)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    prefill = {"agreement_id": agreement.id, "zone": forum.timezone, "field": field}
    if field != "rights":
        prefill["position"] = 0  # no party to ask
    await start_form(update, context, running_forms.AMEND, running_forms.AmendForm(**prefill))


# -- end early ---------------------------------------------------------------------------------
@button_handler
async def on_end(update: Update, context: BotContext, data: CallbackData) -> None:
    """End early: the last day, the reason, then the review (the declared END form)."""
    agreement = await running.editable(context.services, data.int_arg(0), user_of(update).id)
    forum = await forum_of(context, agreement.forum_id)
    await start_form(update, context, running_forms.END,
                     running_forms.EndForm(agreement_id=agreement.id, zone=forum.timezone))


# -- renew, let lapse --------------------------------------------------------------------------
@button_handler
async def on_renew(update: Update, context: BotContext, data: CallbackData) -> None:
    """Perpanjang: the new end date, then the review (the declared RENEW form)."""
    agreement = await running.editable(context.services, data.int_arg(0), user_of(update).id)
    forum = await forum_of(context, agreement.forum_id)
    await start_form(update, context, running_forms.RENEW,
                     running_forms.RenewForm(agreement_id=agreement.id, zone=forum.timezone))


@button_handler
async def on_lapse(update: Update, context: BotContext, data: CallbackData) -> None:
    """Biarkan berakhir: no more expiry warnings for this end date."""
    end = data.date_arg(1)
    agreement = await running.let_lapse(context.services, data.int_arg(0), user_of(update).id, end)
    lang = await language(update, context)
    await edit_or_reply(update, t("agr.exp.lapse_saved", lang, title=agreement.title, end=format_date(end, lang)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    buttons = {"am": on_amend, "af": on_amend_field, "end": on_end, "rn": on_renew, "lp": on_lapse}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
