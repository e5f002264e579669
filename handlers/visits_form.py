"""Starting the visit forms, and the short one-question flows still on the drafts table.

The request and the report are declared in bot.visits.forms (the form engine: review with "Ubah").
Other dates, a reason (refusing, cancelling) and the host's note are one typed answer each and
stay here; each input is parsed and handed to bot.visits.service, prompts are bot.visits.views.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.errors import InvalidInput, KadesError, NotFound
from bot.texts import t
from bot.view import Button, View
from bot.visits import forms as visit_forms
from bot.visits import rules, service, views
from bot.visits.loaders import repo
from bot.visits.views import FEATURE, MAX_NOTE
from handlers import forms
from handlers.common import Keyboard, button_handler, edit_or_reply, language, reply, user_of
from handlers.forms import start_form
from storage.directory import DirectoryVillage
from storage.models import Draft

PROPOSE = "vdates"
REASON = "vreason"
NOTE = "vnote"
FLOWS = (PROPOSE, REASON, NOTE)


def keyboard_of(view: View) -> Keyboard:
    return [[(b.label, b.data or "") for b in row] for row in view.buttons]


async def send(update: Update, view: View) -> None:
    await reply(update, view.text, keyboard_of(view))


async def edit(update: Update, view: View) -> None:
    await edit_or_reply(update, view.text, keyboard_of(view))


def _text_of(update: Update) -> str | None:
    message = update.effective_message
    return message.text if message is not None and message.text else None


# -- the request and the report (declared in bot.visits.forms) -----------------------------------
async def start_request(update: Update, context: BotContext, entry: DirectoryVillage) -> None:
    """The host is known (from the directory): the form starts at the purpose."""
    user = user_of(update)
    await service.check_can_request(context.services, user.id, entry)
    await start_form(update, context, visit_forms.REQUEST, visit_forms.VisitRequest(
        requester=user.id, host=entry.head_user_id, host_village=entry.village.code,
        host_name=views.place(entry.village)))


async def begin_request(update: Update, context: BotContext) -> None:
    """'Ajukan kunjungan baru': the form starts by asking for the host village."""
    user = user_of(update)
    await service.require_village(context.services, user.id)
    await start_form(update, context, visit_forms.REQUEST, visit_forms.VisitRequest(requester=user.id))


async def begin_report(update: Update, context: BotContext, visit_id: int) -> None:
    user = user_of(update)
    row = await service.start_report(context.services, visit_id, user.id)
    await start_form(update, context, visit_forms.REPORT, visit_forms.VisitReportForm(visit=row.id))


@button_handler
async def on_quit(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow in FLOWS:
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# -- other dates -------------------------------------------------------------------------------
async def begin_proposal(update: Update, context: BotContext, visit_id: int, round_: int) -> None:
    user = user_of(update)
    row = await service.may_propose(context.services, visit_id, user.id, round_)
    draft = await forms.begin(context, user.id, PROPOSE, "date", {"visit": row.id, "round": row.round, "dates": []})
    await ask_proposal(update, context, draft)


def _proposal_button(label: str, value: str) -> Button:
    return Button(label, data=encode(FEATURE, "psend" if value == "ok" else "quit"))


def _dates(data: dict[str, Any]) -> tuple[date, ...]:
    return tuple(date.fromisoformat(x) for x in data.get("dates", []))


async def ask_proposal(update: Update, context: BotContext, draft: Draft) -> None:
    await send(update, views.date_prompt(_dates(draft.data), await language(update, context), _proposal_button,
                                         minimum=rules.MIN_COUNTER_DATES, counter_for=int(draft.data["visit"])))


async def on_propose_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    row = await repo(context.services).get(int(draft.data["visit"]))
    if row is None:
        await forms.finish(context, draft.user_id)
        raise NotFound()
    try:
        day = visit_forms.read_date(text.strip(), _dates(draft.data), row.host_village,
                                    context.services.clock.now())
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    dates = sorted([*_dates(draft.data), day])
    draft = await forms.advance(context, draft, "date", dates=[d.isoformat() for d in dates])
    if len(dates) >= rules.MAX_DATES:
        await _send_proposal(update, context, draft)
        return
    await ask_proposal(update, context, draft)


@button_handler
async def on_propose_send(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, PROPOSE, "date")
    await _send_proposal(update, context, draft)


async def _send_proposal(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    user = user_of(update)
    await forms.finish(context, user.id)
    row, other = await service.propose(services, int(draft.data["visit"]), user.id, int(draft.data["round"]),
                                       _dates(draft.data))
    lang = await language(update, context)
    headline = str(t("visit.done_propose", lang, village=views.place(other)))
    await edit(update, await service.card_view(services, row, user.id, lang, headline=headline))


# -- a reason (refusing, cancelling) -----------------------------------------------------------
async def begin_reason(update: Update, context: BotContext, visit_id: int, event: rules.Event) -> None:
    user = user_of(update)
    row = await service.may_close(context.services, visit_id, user.id, event)
    await forms.begin(context, user.id, REASON, event, {"visit": row.id, "version": row.version})
    await send(update, views.ask_reason(event, row.id, await language(update, context)))


async def on_reason_input(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    lang = await language(update, context)
    user = user_of(update)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    reason = text.strip()
    event: rules.Event = "reject" if draft.step == "reject" else "cancel"
    visit_id = int(draft.data["visit"])
    try:
        service.check_reason(event, await service.load_for_party(services, visit_id, user.id), user.id, reason)
    except InvalidInput as exc:  # empty or too long: ask again, keep the form
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    except KadesError:
        await forms.finish(context, user.id)
        raise
    await forms.finish(context, user.id)
    row = await service.close(services, visit_id, user.id, event, reason)
    await send(update, await service.card_view(services, row, user.id, lang,
                                               headline=str(t(f"visit.done_{event}", lang))))


# -- the host's note ---------------------------------------------------------------------------
async def begin_note(update: Update, context: BotContext, visit_id: int) -> None:
    user = user_of(update)
    row = await service.start_note(context.services, visit_id, user.id)
    await forms.begin(context, user.id, NOTE, "note", {"visit": row.id})
    await reply(update, t("visit.ask_host_note", await language(update, context), max=MAX_NOTE))


async def on_note_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if not 3 <= len(text) <= MAX_NOTE:
        await reply(update, t("visit.bad_length", lang, min=3, max=MAX_NOTE, length=len(text)))
        return
    await service.save_note(context.services, int(draft.data["visit"]), draft.user_id, text)
    await reply(update, t("visit.note_saved", lang))


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.flow == PROPOSE:
        await ask_proposal(update, context, draft)
    elif draft.flow == REASON:
        await send(update, views.ask_reason(draft.step, int(draft.data["visit"]), lang))
    elif draft.flow == NOTE:
        await reply(update, t("visit.ask_host_note", lang, max=MAX_NOTE))


def register_forms() -> None:
    forms.register_form(PROPOSE, on_propose_input, reprompt)
    forms.register_form(REASON, on_reason_input, reprompt)
    forms.register_form(NOTE, on_note_input, reprompt)
