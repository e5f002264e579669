"""Kerja sama lifecycle (issue #17), thin: parse the update, call bot.agreements.service, send the view.

/kerjasama_rintis starts one at persiapan; the record's buttons (ks:...) open the declared forms
(bot.agreements.forms) or run a step; partners answer offers with Terima / Tolak / Tanya.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.agreements import forms as kforms
from bot.agreements import service, step_forms, views
from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.errors import NotPermitted
from bot.permissions import Action
from bot.texts import t
from handlers.common import (
    button_handler,
    command_handler,
    language,
    private_only,
    reply,
    user_of,
)
from handlers.forms import send_view, start_form
from handlers.forums import forum_action, run_in_forum
from storage.models import Forum

FEATURE = views.FEATURE


@command_handler
async def rintis(update: Update, context: BotContext) -> None:
    """Start a kerja sama at persiapan (private chat, in the chosen forum)."""
    if not await private_only(update, context, "kerjasama_rintis"):
        return
    await run_in_forum(update, context, "kerjasama_rintis")


@forum_action("kerjasama_rintis", Action.VIEW_MEMBERS)
async def rintis_in(update: Update, context: BotContext, forum: Forum) -> None:
    await start_form(update, context, kforms.RINTIS, kforms.Rintis(forum_id=forum.id))


async def _show(update: Update, context: BotContext, agreement_id: int) -> None:
    loaded = await service.load(context.services, agreement_id, user_of(update).id)
    forum = await context.services.forums.get(loaded.agreement.forum_id)
    zone = ZoneInfo(forum.timezone if forum else "Asia/Jakarta")
    await send_view(update, views.record(loaded.record, loaded.standing, await language(update, context), zone))


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    """The record with its timeline, as far as the asker may see it."""
    await _show(update, context, data.int_arg(0))


@button_handler
async def on_offer_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """Terima / Tolak at once; Tanya asks for the question first."""
    agreement_id, position, answer = data.int_arg(0), data.int_arg(1), data.arg(2)
    user_id = user_of(update).id
    if answer == "tanya":
        await service.load(context.services, agreement_id, user_id)  # a stranger learns nothing
        await start_form(update, context, step_forms.QUESTION, step_forms.QuestionForm(agreement_id=agreement_id,
                                                                                 position=position))
        return
    await service.answer_offer(context.services, agreement_id, position, user_id, answer)  # type: ignore[arg-type]
    await reply(update, t("ks.offer.thanks", await language(update, context)))


async def _editor(context: BotContext, agreement_id: int, user_id: int) -> service.Loaded:
    loaded = await service.load(context.services, agreement_id, user_id)
    if not loaded.standing.may_edit:
        raise NotPermitted("ks.err.not_editor")
    return loaded


@button_handler
async def on_step(update: Update, context: BotContext, data: CallbackData) -> None:
    """A step without questions: begin perumusan, move to pelaporan, resume."""
    agreement_id, user_id = data.int_arg(0), user_of(update).id
    steps = {"fm": service.begin_formulation, "pl": service.to_reporting, "rs": service.resume}
    await steps[data.action](context.services, agreement_id, user_id)
    await _show(update, context, agreement_id)


@button_handler
async def on_form(update: Update, context: BotContext, data: CallbackData) -> None:
    """Open the form of a step (clauses, offer, perumusan, signing, report, suspend, cancel)."""
    agreement_id = data.int_arg(0)
    loaded = await _editor(context, agreement_id, user_of(update).id)
    a = loaded.agreement
    prefill: dict[str, Any] = {"agreement_id": agreement_id}
    known: dict[str, Any]
    form: Any
    model: type[BaseModel]
    if data.action == "ok":
        form, model = step_forms.OFFER, step_forms.OfferForm
        known = {"objective": a.objective, "bidang_uu": a.bidang_uu, "scope": a.scope}
        prefill.update({k: v for k, v in known.items() if v})
    elif data.action == "cl":
        form, model = kforms.CLAUSES, kforms.ClauseForm
        known = {"objective": a.objective, "scope": a.scope, "bidang_uu": a.bidang_uu,
                 "implementation_terms": a.implementation_terms, "change_terms": a.change_terms,
                 "dispute_terms": a.dispute_terms}
        if a.end_date > a.start_date:  # the offer proposed the duration: not asked twice, changeable at review
            known.update(start=a.start_date, end=a.end_date)
        prefill.update({k: v for k, v in known.items() if v})
    else:
        others: dict[str, tuple[Any, type[BaseModel]]] = {
            "fr": (step_forms.FORMULATE, step_forms.FormulateForm), "sg": (step_forms.SIGN, step_forms.SignForm),
            "rp": (step_forms.REPORT, step_forms.ReportForm), "sp": (step_forms.SUSPEND, step_forms.ReasonForm),
            "cx": (step_forms.CANCEL, step_forms.ReasonForm)}
        form, model = others[data.action]
    await start_form(update, context, form, model(**prefill))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("kerjasama_rintis", rintis))
    buttons = {"o": on_open, "of": on_offer_answer, "fm": on_step, "pl": on_step, "rs": on_step}
    buttons.update(dict.fromkeys(("ok", "cl", "fr", "sg", "rp", "sp", "cx"), on_form))
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
