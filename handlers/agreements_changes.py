"""A signed kerja sama's changes, thin: amend a clause, end early, renew, let lapse.

Parse the update, call bot.agreements.running (the use cases: rights, the one write, the pushes),
send the reply. The short forms keep their state in the drafts table.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.agreements import rules, running, running_forms
from bot.bidang import BIDANG, bidang_label
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.errors import InvalidInput, NotFound, StaleAction
from bot.periods import RHYTHM_MONTHS
from bot.texts import t
from bot.timefmt import RupiahParseError, format_date, format_rupiah, parse_rupiah
from handlers import forms
from handlers.agreements import clean, forum_of, message_text, parse_day
from handlers.common import button_handler, edit_or_reply, language, remove_buttons, reply, user_of
from handlers.forms import start_form
from scheduler.agreements import FEATURE
from storage.agreements import Agreement
from storage.models import Draft

log = logging.getLogger(__name__)

AMEND = "agr_amend"


async def _drop_buttons(update: Update) -> None:
    if update.callback_query:
        await remove_buttons(update.callback_query)


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
    user = user_of(update)
    agreement = await running.editable(context.services, data.int_arg(0), user.id)
    field = data.arg(1)
    if field not in running.AMEND_FIELDS:
        raise StaleAction()
    lang = await language(update, context)
    if field == "start_date" and await running.start_locked(context.services, agreement.id):
        raise InvalidInput("agr.amend.start_locked")
    draft = await forms.begin(context, user.id, AMEND, "value", {"agreement_id": agreement.id, "field": field})
    await _drop_buttons(update)
    await _ask_amend_value(update, draft, agreement, lang)


async def _ask_amend_value(update: Update, draft: Draft, agreement: Agreement, lang: str) -> None:
    field = draft.data["field"]
    if draft.step == "note":
        await reply(update, t("agr.amend.ask_note", lang))
        return
    if field == "bidang":
        buttons = [(b.label(lang), encode(FEATURE, "ab", b.code)) for b in BIDANG]
        await reply(update, t("agr.new.ask_bidang", lang), [buttons[i:i + 2] for i in range(0, len(buttons), 2)])
    elif field == "rhythm":
        rows = [[(str(t(f"agr.rhythm.{r}", lang)), encode(FEATURE, "ar", r))] for r in RHYTHM_MONTHS]
        await reply(update, t("agr.new.ask_rhythm", lang), rows)
    elif field == "rights":
        if "position" not in draft.data:
            rows = [[(p.name, encode(FEATURE, "ap", p.position))] for p in agreement.parties]
            await reply(update, t("agr.amend.pick_party", lang), rows)
        else:
            party = agreement.party(int(draft.data["position"]))
            await reply(update, t("agr.new.ask_rights", lang, party=party.name if party else "-", number=1, total=1))
    else:
        await reply(update, t(f"agr.amend.ask.{field}", lang, current=_current_value(agreement, field, lang)))


def _current_value(agreement: Agreement, field: str, lang: str) -> str:
    if field == "funding_amount":
        return format_rupiah(agreement.funding_amount) if agreement.funding_amount else "-"
    if field in ("start_date", "end_date"):
        return format_date(getattr(agreement, field), lang)
    if field == "bidang":
        return bidang_label(agreement.bidang, lang) if agreement.bidang else "-"
    if field == "rhythm":
        return rules.rhythm_label(agreement.rhythm, lang)
    if field == "document":
        return str(t("agr.card.doc_yes" if agreement.document_file_id else "agr.card.doc_no", lang))
    value = getattr(agreement, field, None)
    return str(value) if value else "-"


async def _agreement_of(context: BotContext, draft: Draft) -> Agreement:
    try:
        return await running.get(context.services, int(draft.data["agreement_id"]))
    except NotFound:
        raise StaleAction() from None


async def on_amend_input(update: Update, context: BotContext, draft: Draft) -> None:
    """The new value (typed or a file), then the note of what changed."""
    lang = await language(update, context)
    message = update.effective_message
    agreement = await _agreement_of(context, draft)
    field = draft.data["field"]
    try:
        if draft.step == "note":
            note = clean(await message_text(update), "note")
            await running.amend(context.services, agreement.id, user_of(update).id, field=field,
                                value=draft.data["value"], position=draft.data.get("position"), note=note, lang=lang)
            await reply(update, t("agr.amend.saved", lang, title=agreement.title))
            return
        if field == "document":
            if message is not None and message.document is not None:
                value: Any = [message.document.file_id, "document"]
            elif message is not None and message.photo:
                value = [message.photo[-1].file_id, "photo"]
            else:
                raise InvalidInput("agr.bad.doc")
        elif field in ("bidang", "rhythm") or (field == "rights" and "position" not in draft.data):
            raise InvalidInput("bad.use_buttons")
        else:
            text = await message_text(update)
            if text is None:
                raise InvalidInput("bad.text_expected")
            value = await _amend_value(context, agreement, field, text, lang)
        draft = await forms.advance(context, draft, "note", value=value)
        await reply(update, t("agr.amend.ask_note", lang))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


async def _amend_value(context: BotContext, agreement: Agreement, field: str, text: str, lang: str) -> Any:
    if field == "funding_amount":
        try:
            amount = parse_rupiah(text)
        except RupiahParseError:
            raise InvalidInput("agr.bad.rupiah") from None
        if amount <= 0:
            raise InvalidInput("agr.bad.rupiah")
        return amount
    if field in ("start_date", "end_date"):
        day = parse_day(text, context, await forum_of(context, agreement.forum_id))
        if field == "start_date" and day >= agreement.end_date:
            raise InvalidInput("agr.bad.start_after_end", end=format_date(agreement.end_date, lang))
        if field == "end_date" and day <= agreement.start_date:
            raise InvalidInput("agr.bad.end_before_start", start=format_date(agreement.start_date, lang))
        return day.isoformat()
    step = {"title": "title", "objective": "objective", "scope": "scope", "rights": "rights",
            "funding_source": "fsource", "legal_basis": "legal", "executing_body": "body"}[field]
    return clean(text, step)


@button_handler
async def on_amend_choice(update: Update, context: BotContext, data: CallbackData) -> None:
    """A button answer of the amendment: bidang, rhythm or which party's rights."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, AMEND, "value")
    agreement = await running.viewable(context.services, int(draft.data["agreement_id"]), user.id)
    lang = await language(update, context)
    field, choice = draft.data["field"], data.arg(0)
    await _drop_buttons(update)
    if data.action == "ab" and field == "bidang" and choice in {b.code for b in BIDANG}:
        draft = await forms.advance(context, draft, "note", value=choice)
    elif data.action == "ar" and field == "rhythm" and choice in RHYTHM_MONTHS:
        draft = await forms.advance(context, draft, "note", value=choice)
    elif data.action == "ap" and field == "rights" and agreement.party(int(choice)) is not None:
        draft = await forms.advance(context, draft, "value", position=int(choice))
    else:
        raise StaleAction()
    await _ask_amend_value(update, draft, agreement, lang)


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


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.flow == AMEND:
        await _ask_amend_value(update, draft, await _agreement_of(context, draft), lang)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    forms.register_form(AMEND, on_amend_input, reprompt)
    buttons = {"am": on_amend, "af": on_amend_field, "ab": on_amend_choice, "ar": on_amend_choice,
               "ap": on_amend_choice, "end": on_end, "rn": on_renew, "lp": on_lapse}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
