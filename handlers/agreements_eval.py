"""A signed kerja sama's evaluations, thin: a party's form per period (rating, what went well,
kendala, follow-ups, photo), submit, follow-ups done, and the aksi-refleksi meeting from the summary.

Answers are kept in the evaluation row as they come (a restart, a /batal or another form in between
loses nothing); submitting and closing a follow-up are use cases in bot.agreements.running.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.agreements import rules, running
from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import InvalidInput, NotFound, NotPermitted, StaleAction
from bot.meetings.forms import NEW_MEETING, aksi_refleksi
from bot.meetings.rules import MAX_AGENDA_ITEMS, MAX_ITEM, MAX_TITLE
from bot.permissions import Action
from bot.texts import Html, t
from bot.timefmt import format_date_short
from handlers import forms
from handlers.agreements import agreements, clean, forum_of, membership_of, message_text, parse_day
from handlers.common import button_handler, edit_or_reply, language, remove_buttons, reply, user_of
from handlers.forms import start_form
from scheduler.agreements import FEATURE, forum_zone
from storage.agreements import Agreement, Evaluation, EvaluationPeriod
from storage.models import Draft, Forum, Member

log = logging.getLogger(__name__)

EVAL = "agr_eval"


def _skip(lang: str, step: str) -> list[tuple[str, str]]:
    return [(str(t("core.skip", lang)), encode(FEATURE, "sv", step))]


@button_handler
async def on_skip(update: Update, context: BotContext, data: CallbackData) -> None:
    """Skip the evaluation's notes or photo."""
    user = user_of(update)
    step = data.arg(0)
    draft = await forms.current(context, user.id)
    if draft is None or draft.step != step or draft.flow != EVAL or step not in ("went_well", "kendala", "photo"):
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _save_eval_answer(update, context, draft, **{("photo_file_id" if step == "photo" else step): ""})


# =============================================================================================
# Evaluations
# =============================================================================================
async def _eval_target(context: BotContext, user_id: int, agreement_id: int, index: int,
                       position: int) -> tuple[Agreement, EvaluationPeriod, Member]:
    """The agreement and opened period if the user may answer for this party; else an error."""
    agreement = await agreements(context).get(agreement_id)
    if agreement is None:
        raise NotFound()
    _, member = await membership_of(context, agreement.forum_id, user_id)
    party = agreement.party(position)
    if party is None or party.kind != "desa" or party.village_code != member.village_code:
        raise NotPermitted("agr.err.not_your_party")
    period = await agreements(context).period(agreement_id, index)
    if period is None:
        raise StaleAction()
    return agreement, period, member


def _eval_step(evaluation: Evaluation | None) -> str:
    """The first question not answered yet (answers live in the evaluation row)."""
    if evaluation is None or evaluation.rating is None:
        return "rating"
    if evaluation.went_well is None:
        return "went_well"
    if evaluation.kendala is None:
        return "kendala"
    return "fu"


@button_handler
async def on_evaluate(update: Update, context: BotContext, data: CallbackData) -> None:
    """Open (or continue) a party's evaluation form for one period."""
    user = user_of(update)
    agreement_id, index, position = data.int_arg(0), data.int_arg(1), data.int_arg(2)
    agreement, period, _ = await _eval_target(context, user.id, agreement_id, index, position)
    lang = await language(update, context)
    evaluation = await agreements(context).evaluation(agreement.id, index, position)
    if evaluation is not None and evaluation.status == "submitted":
        await reply(update, t("agr.ev.already", lang, title=agreement.title, index=index))
        return
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow == EVAL and draft.data.get("key") == [agreement_id, index, position]:
        step = draft.step  # continue exactly where the user was (a follow-up half typed)
    else:
        step = _eval_step(evaluation)
    draft = await forms.begin(context, user.id, EVAL, step, {"key": [agreement_id, index, position]}
                              | ({k: v for k, v in draft.data.items() if k.startswith("fu_")}
                                 if draft is not None and draft.flow == EVAL and step.startswith("fu") else {}))
    party = agreement.party(position)
    await reply(update, t("agr.ev.intro", lang, title=agreement.title, party=party.name if party else "-",
                          period=rules.period_line(period.period_index, period.starts, period.ends, lang)))
    await ask_eval(update, context, draft)


async def ask_eval(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    agreement_id, index, position = draft.data["key"]
    step = draft.step
    if step == "rating":
        rows = [[(f"{n}", encode(FEATURE, "rt", n)) for n in rules.RATINGS]]
        await reply(update, t("agr.ev.ask_rating", lang), rows)
    elif step in ("went_well", "kendala"):
        await reply(update, t(f"agr.ev.ask_{step}", lang), [_skip(lang, step)])
    elif step == "fu":
        evaluation = await agreements(context).evaluation(agreement_id, index, position)
        items = await agreements(context).followups_of_evaluation(evaluation.id) if evaluation else []
        listing = "\n".join(f"• {i.description} — {i.owner_name}, {format_date_short(i.due_date, lang)}"
                            for i in items)
        text = t("agr.ev.ask_fu", lang, count=len(items), items=Html(
            "\n".join(str(t("agr.ev.fu_item", lang, text=i.description, owner=i.owner_name,
                            due=format_date_short(i.due_date, lang))) for i in items)) if listing else "")
        await reply(update, text, [[(str(t("agr.ev.fu_done", lang)), encode(FEATURE, "fx"))]])
    elif step == "fu_owner":
        agreement = await agreements(context).get(agreement_id)
        parties = agreement.parties if agreement else ()
        rows = [[(p.name, encode(FEATURE, "fo", p.position))] for p in parties]
        rows.append([(str(t("agr.ev.fu_owner_other", lang)), encode(FEATURE, "fo", 0))])
        await reply(update, t("agr.ev.ask_fu_owner", lang, text=draft.data.get("fu_text", "")), rows)
    elif step == "fu_owner_text":
        await reply(update, t("agr.ev.ask_fu_owner_text", lang))
    elif step == "fu_due":
        await reply(update, t("agr.ev.ask_fu_due", lang))
    elif step == "photo":
        await reply(update, t("agr.ev.ask_photo", lang), [_skip(lang, "photo")])
    elif step == "confirm":
        await _eval_confirm(update, context, draft)


async def _eval_context(context: BotContext, user_id: int, draft: Draft) -> tuple[Agreement, EvaluationPeriod]:
    agreement_id, index, position = draft.data["key"]
    agreement, period, _ = await _eval_target(context, user_id, agreement_id, index, position)
    evaluation = await agreements(context).evaluation(agreement_id, index, position)
    if evaluation is not None and evaluation.status == "submitted":
        await forms.finish(context, user_id)
        raise StaleAction("agr.ev.already_short")
    return agreement, period


async def _save_eval_answer(update: Update, context: BotContext, draft: Draft, **fields: Any) -> None:
    """Keep one answer in the evaluation row and move on to the next question."""
    user = user_of(update)
    agreement, period = await _eval_context(context, user.id, draft)
    position = draft.data["key"][2]
    evaluation = await agreements(context).save_answer(agreement=agreement, period=period, position=position,
                                                       user_id=user.id, now=context.services.clock.now(), **fields)
    if "photo_file_id" in fields:
        step = "confirm"
    else:
        step = _eval_step(evaluation)
    draft = await forms.advance(context, draft, step)
    await ask_eval(update, context, draft)


@button_handler
async def on_rating(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, EVAL, "rating")
    rating = data.int_arg(0)
    if rating not in rules.RATINGS:
        raise StaleAction()
    lang = await language(update, context)
    await edit_or_reply(update, t("agr.ev.rating_chosen", lang, stars=rules.stars(rating), rating=rating))
    await _save_eval_answer(update, context, draft, rating=rating)


async def on_eval_input(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed answer (or the photo) of the evaluation form."""
    lang = await language(update, context)
    message = update.effective_message
    step = draft.step
    user = user_of(update)
    try:
        if step == "photo":
            if message is not None and message.photo:
                await _save_eval_answer(update, context, draft, photo_file_id=message.photo[-1].file_id)
                return
            raise InvalidInput("agr.bad.photo")
        if step in ("rating", "fu_owner", "confirm"):
            raise InvalidInput("bad.use_buttons")
        text = await message_text(update)
        if text is None:
            raise InvalidInput("bad.text_expected")
        if step in ("went_well", "kendala"):
            await _save_eval_answer(update, context, draft, **{step: clean(text, step)})
        elif step == "fu":
            await _eval_context(context, user.id, draft)
            draft = await forms.advance(context, draft, "fu_owner", fu_text=clean(text, "fu_text"))
            await ask_eval(update, context, draft)
        elif step == "fu_owner_text":
            draft = await forms.advance(context, draft, "fu_due", fu_owner=0,
                                        fu_owner_name=clean(text, "fu_owner_text"))
            await ask_eval(update, context, draft)
        elif step == "fu_due":
            await _add_followup(update, context, draft, text)
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


@button_handler
async def on_fu_owner(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, EVAL, "fu_owner")
    agreement, _ = await _eval_context(context, user.id, draft)
    position = data.int_arg(0)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if position == 0:
        draft = await forms.advance(context, draft, "fu_owner_text")
    else:
        party = agreement.party(position)
        if party is None:
            raise StaleAction()
        draft = await forms.advance(context, draft, "fu_due", fu_owner=position, fu_owner_name=party.name)
    await ask_eval(update, context, draft)


async def _add_followup(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    user = user_of(update)
    agreement, period = await _eval_context(context, user.id, draft)
    forum = await forum_of(context, agreement.forum_id)
    now = context.services.clock.now()
    due = parse_day(text, context, forum)
    if due < now.astimezone(forum_zone(forum)).date():
        raise InvalidInput("agr.bad.fu_past")
    repo = agreements(context)
    position = draft.data["key"][2]
    evaluation = await repo.save_answer(agreement=agreement, period=period, position=position, user_id=user.id,
                                        now=now)
    await repo.add_followup(agreement=agreement, evaluation=evaluation, description=draft.data["fu_text"],
                            owner_position=int(draft.data["fu_owner"]) or None,
                            owner_name=draft.data["fu_owner_name"], due_date=due, created_by=user.id, now=now)
    data = {k: v for k, v in draft.data.items() if not k.startswith("fu_")}
    draft = await context.services.drafts.save(user.id, EVAL, "fu", data, now)
    await ask_eval(update, context, draft)


@button_handler
async def on_fu_finished(update: Update, context: BotContext, data: CallbackData) -> None:
    """No more follow-ups: on to the optional photo."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, EVAL, "fu")
    await _eval_context(context, user.id, draft)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "photo")
    await ask_eval(update, context, draft)


async def _eval_confirm(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    agreement_id, index, position = draft.data["key"]
    repo = agreements(context)
    evaluation = await repo.evaluation(agreement_id, index, position)
    if evaluation is None or evaluation.rating is None:
        raise StaleAction()
    items = await repo.followups_of_evaluation(evaluation.id)
    lines = [str(t("agr.ev.confirm", lang)),
             str(t("agr.ev.review_rating", lang, stars=rules.stars(evaluation.rating), rating=evaluation.rating)),
             str(t("agr.sum.went_well", lang, text=evaluation.went_well or "-")),
             str(t("agr.sum.kendala", lang, text=evaluation.kendala or "-"))]
    for item in items:
        lines.append(str(t("agr.ev.fu_item", lang, text=item.description, owner=item.owner_name,
                           due=format_date_short(item.due_date, lang))))
    if evaluation.photo_file_id:
        lines.append(str(t("agr.sum.photo", lang)))
    rows = [[(str(t("agr.ev.submit", lang)), encode(FEATURE, "es"))],
            [(str(t("agr.ev.restart", lang)), encode(FEATURE, "er"))]]
    await reply(update, "\n".join(lines), rows)


@button_handler
async def on_eval_restart(update: Update, context: BotContext, data: CallbackData) -> None:
    """Answer again from the rating (the follow-ups typed so far are dropped)."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, EVAL, "confirm")
    agreement, period = await _eval_context(context, user.id, draft)
    repo = agreements(context)
    evaluation = await repo.evaluation(agreement.id, period.period_index, draft.data["key"][2])
    if evaluation is not None:
        await repo.reset_evaluation(evaluation.id)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "rating")
    await ask_eval(update, context, draft)


@button_handler
async def on_eval_submit(update: Update, context: BotContext, data: CallbackData) -> None:
    """Submit: follow-up reminders are scheduled; the summary goes out when every party answered."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, EVAL, "confirm")
    agreement, period = await _eval_context(context, user.id, draft)
    lang = await language(update, context)
    await running.submit_evaluation(context.services, agreement, period, int(draft.data["key"][2]), user.id)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("agr.ev.thanks", lang, title=agreement.title))


# -- follow-ups -------------------------------------------------------------------------------
@button_handler
async def on_followup_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """Mark a follow-up done (its owner, who wrote it, or the staff); later reminders are cancelled."""
    text = await running.close_followup(context.services, data.int_arg(0), user_of(update).id)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await remove_buttons(query)
    await reply(update, t("agr.fu.done_saved", await language(update, context), text=text))


# -- aksi-refleksi ----------------------------------------------------------------------------
@button_handler
async def on_reflection_meeting(update: Update, context: BotContext, data: CallbackData) -> None:
    """From the summary: the koordinator calls an aksi-refleksi meeting in one step."""
    user = user_of(update)
    agreement = await agreements(context).get(data.int_arg(0))
    if agreement is None:
        raise NotFound()
    forum, _ = await context.services.access.require(agreement.forum_id, user.id, Action.CREATE_MEETING)
    period = await agreements(context).period(agreement.id, data.int_arg(1))
    if period is None:
        raise StaleAction()
    await call_aksi_refleksi(update, context, forum, agreement, period)


async def call_aksi_refleksi(update: Update, context: BotContext, forum: Forum, agreement: Agreement,
                             period: EvaluationPeriod) -> None:
    """Integration with the meetings feature: its /pertemuan_baru form, prefilled.

    The title and the agenda (the evaluation summary as points) are filled in; the koordinator
    continues with the date, the place and the rest of the meetings form. Meetings invite the whole
    forum, so the agreement's parties are among the invitees.
    """
    lang = await language(update, context)
    user = user_of(update)
    repo = agreements(context)
    today = context.services.clock.now().astimezone(forum_zone(forum)).date()
    data = rules.SummaryInput(agreement=agreement, period=period, evaluations=await repo.evaluations(agreement.id),
                              open_followups=await repo.followups(agreement.id, open_only=True), today=today)
    title = str(t("agr.meeting.title", lang, title=agreement.title, index=period.period_index))
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    agenda = rules.agenda_items(data, lang, max_items=MAX_AGENDA_ITEMS, max_length=MAX_ITEM)
    log.info("event=aksi_refleksi_started agreement=%s period=%s by=%s", agreement.id, period.period_index, user.id)
    await reply(update, t("agr.meeting.prefilled", lang, title=agreement.title))
    await start_form(update, context, NEW_MEETING, aksi_refleksi(forum.id, forum.timezone, title=title, agenda=agenda,
                                                               agreement_id=agreement.id))


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    await ask_eval(update, context, draft)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    forms.register_form(EVAL, on_eval_input, reprompt)
    buttons = {
        "ev": on_evaluate, "rt": on_rating, "fo": on_fu_owner, "fx": on_fu_finished, "es": on_eval_submit,
        "er": on_eval_restart, "fd": on_followup_done, "rf": on_reflection_meeting, "sv": on_skip,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
