"""The visit forms over the drafts table: the request, other dates, a reason, the report, the host's note.

Thin: each input is parsed here and handed to bot.visits.service; prompts are bot.visits.views.
The request form: host village (fuzzy search, the forum's own area first) -> purpose -> bidang
(1-3) -> 2-3 dates -> people -> message -> confirm.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update

from bot import bidang
from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, KadesError, NotFound, StaleAction
from bot.numbers_id import count_from_text
from bot.render import date_problem
from bot.texts import t
from bot.view import View
from bot.visits import rules, service, views
from bot.visits.loaders import repo, visit_today
from bot.visits.views import (
    MAX_BIDANG,
    MAX_MESSAGE,
    MAX_NOTE,
    MAX_PHOTOS,
    MAX_PURPOSE,
    MAX_REPORT_PART,
    MIN_PURPOSE,
)
from handlers import forms
from handlers.common import Keyboard, button_handler, edit_or_reply, language, remove_buttons, reply, user_of
from handlers.members import member_zone
from storage.directory import DirectoryVillage
from storage.models import Draft

REQUEST = "visit"
PROPOSE = "vdates"
REASON = "vreason"
REPORT = "vreport"
NOTE = "vnote"
FLOWS = (REQUEST, PROPOSE, REASON, REPORT, NOTE)


def keyboard_of(view: View) -> Keyboard:
    return [[(b.label, b.data or "") for b in row] for row in view.buttons]


async def send(update: Update, view: View) -> None:
    await reply(update, view.text, keyboard_of(view))


async def edit(update: Update, view: View) -> None:
    await edit_or_reply(update, view.text, keyboard_of(view))


def _text_of(update: Update) -> str | None:
    message = update.effective_message
    return message.text if message is not None and message.text else None


async def _pressed_away(update: Update) -> None:
    """A form button moved the form on: take the buttons off the old prompt."""
    if update.callback_query:
        await remove_buttons(update.callback_query)


# -- the request form --------------------------------------------------------------------------
async def start_request(update: Update, context: BotContext, entry: DirectoryVillage) -> None:
    user = user_of(update)
    await service.check_can_request(context.services, user.id, entry)
    village = views.place(entry.village)
    await forms.begin(context, user.id, REQUEST, "purpose", {
        "host": entry.head_user_id, "host_village": entry.village.code, "host_name": village,
    })
    await send(update, views.ask_purpose(village, await language(update, context)))


async def begin_request(update: Update, context: BotContext) -> None:
    """'Ajukan kunjungan baru': ask for the host village's name."""
    user = user_of(update)
    await service.require_village(context.services, user.id)
    await forms.begin(context, user.id, REQUEST, "host")
    await send(update, views.ask_host(await language(update, context)))


async def ask(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the request form's current question."""
    lang = await language(update, context)
    d = draft.data
    step = draft.step
    if step == "host":
        await send(update, views.ask_host(lang))
    elif step == "purpose":
        await send(update, views.ask_purpose(str(d.get("host_name", "")), lang))
    elif step == "bidang":
        await send(update, views.bidang_picker(list(d.get("bidang", [])), lang))
    elif step == "date":
        await send(update, views.date_prompt(_dates(d), lang, minimum=rules.MIN_FIRST_DATES))
    elif step == "people":
        await send(update, views.ask_people(lang))
    elif step == "message":
        await send(update, views.ask_message(lang))
    elif step == "confirm":
        await send(update, views.preview(d["host_name"], d["purpose"], d["bidang"], _dates(d), int(d["people"]),
                                         d.get("message") or "", lang))


def _dates(data: dict[str, Any]) -> tuple[date, ...]:
    return tuple(date.fromisoformat(x) for x in data.get("dates", []))


async def _read_date(update: Update, context: BotContext, text: str, existing: list[str], today: date) -> date | None:
    """Parse one typed date; tell the user why it cannot be used and return None."""
    lang = await language(update, context)
    user = user_of(update)
    member = await context.services.members.get(user.id)
    zone = member_zone(member.timezone if member else None, member.village_code if member else None)
    try:
        day = parse_date(text[:100], now=context.services.clock.now(), tz=zone)
        rules.check_date(day, today)
    except DateParseError as exc:
        if exc.reason in ("in_past", "invalid_date", "weekday_mismatch"):
            problem = date_problem(exc, "visit.date_")
            await reply(update, t(problem.message_key, lang, **problem.params))
        else:
            await reply(update, t("visit.date_unrecognised", lang))
        return None
    except KadesError as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return None
    if day.isoformat() in existing:
        await reply(update, t("visit.err.date_duplicate", lang))
        return None
    return day


async def on_request_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed answers of the request form."""
    lang = await language(update, context)
    text = _text_of(update)
    step = draft.step
    if step in ("bidang", "confirm"):
        await reply(update, t("bad.use_buttons", lang))
        return
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if step == "host":
        await _find_host(update, context, draft, text)
        return
    if step == "purpose":
        if not MIN_PURPOSE <= len(text) <= MAX_PURPOSE:
            await reply(update, t("visit.bad_length", lang, min=MIN_PURPOSE, max=MAX_PURPOSE, length=len(text)))
            return
        draft = await forms.advance(context, draft, "bidang", purpose=text, bidang=[])
    elif step == "date":
        dates = list(draft.data.get("dates", []))
        day = await _read_date(update, context, text, dates, visit_today(context.services,
                                                                         str(draft.data["host_village"])))
        if day is None:
            return
        dates.append(day.isoformat())
        draft = await forms.advance(context, draft, "date" if len(dates) < rules.MAX_DATES else "people",
                                    dates=sorted(dates))
    elif step == "people":
        try:
            people = rules.check_people(count_from_text(text) or -1)
        except KadesError as exc:
            await reply(update, t(exc.message_key, lang, **exc.params))
            return
        draft = await forms.advance(context, draft, "message", people=people)
    elif step == "message":
        if len(text) > MAX_MESSAGE:
            await reply(update, t("visit.bad_length", lang, min=1, max=MAX_MESSAGE, length=len(text)))
            return
        draft = await forms.advance(context, draft, "confirm", message=text)
    await ask(update, context, draft)


async def _find_host(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    """The host village, however it is spelled; only villages whose head shares a forum qualify."""
    lang = await language(update, context)
    if sum(ch.isalnum() for ch in text) < 3:
        await reply(update, t("bad.village_short", lang))
        return
    everywhere = bool(draft.data.get("everywhere"))
    found = await service.find_hosts(context.services, draft.user_id, text[:80], everywhere=everywhere)
    if len(found.choices) == 1 and not found.guessed:
        _, head = found.choices[0]
        await start_request(update, context, await service.host_entry(context.services, draft.user_id, head))
        return
    if found.choices:
        await send(update, views.host_choices(found.choices, lang, guessed=found.guessed, elsewhere=found.elsewhere))
    elif found.unreachable is not None:
        await send(update, views.host_not_on_bot(found.unreachable, lang, elsewhere=found.elsewhere))
    else:
        await send(update, views.host_none(text, lang, elsewhere=found.elsewhere))


@button_handler
async def on_host_elsewhere(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Tidak ada di daftar": the next name typed is searched across the whole country (or a kode wilayah)."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "host")
    await _pressed_away(update)
    await forms.advance(context, draft, "host", everywhere=True)
    await reply(update, t("ask.village_everywhere", await language(update, context)))


@button_handler
async def on_pick_host(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await forms.expect(context, user.id, REQUEST, "host")
    await start_request(update, context, await service.host_entry(context.services, user.id, data.int_arg(0)))


@button_handler
async def on_bidang_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    code = data.arg(0)
    if not bidang.is_code(code):
        raise StaleAction()
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "bidang")
    selected = list(draft.data.get("bidang", []))
    if code in selected:
        selected.remove(code)
    elif len(selected) >= MAX_BIDANG:
        raise InvalidInput("visit.err.bidang_max", max=MAX_BIDANG)
    else:
        selected.append(code)
    draft = await forms.advance(context, draft, "bidang", bidang=bidang.normalise(selected))
    await edit(update, views.bidang_picker(list(draft.data["bidang"]), await language(update, context)))


@button_handler
async def on_bidang_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "bidang")
    if not draft.data.get("bidang"):
        raise InvalidInput("visit.err.bidang_none")
    draft = await forms.advance(context, draft, "date", dates=[])
    await _pressed_away(update)
    await ask(update, context, draft)


@button_handler
async def on_dates_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "date")
    if len(draft.data.get("dates", [])) < rules.MIN_FIRST_DATES:
        raise InvalidInput("visit.err.date_count", minimum=rules.MIN_FIRST_DATES, maximum=rules.MAX_DATES)
    draft = await forms.advance(context, draft, "people")
    await _pressed_away(update)
    await ask(update, context, draft)


@button_handler
async def on_skip_message(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, REQUEST, "message")
    draft = await forms.advance(context, draft, "confirm", message="")
    await _pressed_away(update)
    await ask(update, context, draft)


@button_handler
async def on_quit(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow in FLOWS:
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


@button_handler
async def on_send(update: Update, context: BotContext, data: CallbackData) -> None:
    """Send the request to the host."""
    user = user_of(update)
    lang = await language(update, context)
    draft = await forms.expect(context, user.id, REQUEST, "confirm")
    d = draft.data
    form = service.RequestDraft(
        host_user_id=int(d["host"]), host_village=str(d["host_village"]), host_name=str(d["host_name"]),
        purpose=str(d["purpose"]), bidang=tuple(d["bidang"]), dates=_dates(d), people=int(d["people"]),
        message=str(d.get("message") or ""))
    try:
        sent = await service.request(context.services, user.id, form)
    except InvalidInput:
        # A date passed while the form was open: ask for the dates again.
        await forms.advance(context, draft, "date", dates=[])
        raise
    except KadesError:
        await forms.finish(context, user.id)
        raise
    text = str(t("visit.sent", lang, id=sent.visit_id, village=form.host_name))
    if sent.crossing is not None:
        text += "\n\n" + str(t("visit.crossing", lang, id=sent.crossing.id, village=form.host_name))
    await edit_or_reply(update, text)


# -- other dates -------------------------------------------------------------------------------
async def begin_proposal(update: Update, context: BotContext, visit_id: int, round_: int) -> None:
    user = user_of(update)
    row = await service.may_propose(context.services, visit_id, user.id, round_)
    draft = await forms.begin(context, user.id, PROPOSE, "date", {"visit": row.id, "round": row.round, "dates": []})
    await ask_proposal(update, context, draft)


async def ask_proposal(update: Update, context: BotContext, draft: Draft) -> None:
    await send(update, views.date_prompt(_dates(draft.data), await language(update, context),
                                         minimum=rules.MIN_COUNTER_DATES, enough="psend",
                                         counter_for=int(draft.data["visit"])))


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
    dates = list(draft.data.get("dates", []))
    day = await _read_date(update, context, text.strip(), dates, visit_today(context.services, row))
    if day is None:
        return
    dates = sorted([*dates, day.isoformat()])
    draft = await forms.advance(context, draft, "date", dates=dates)
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


# -- the report --------------------------------------------------------------------------------
async def begin_report(update: Update, context: BotContext, visit_id: int) -> None:
    user = user_of(update)
    row = await service.start_report(context.services, visit_id, user.id)
    await forms.begin(context, user.id, REPORT, "learned", {"visit": row.id, "photos": []})
    await send(update, views.ask_report_part("learned", await language(update, context)))


async def on_report_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    message = update.effective_message
    if draft.step == "photos":
        if message is not None and message.photo:
            photos = list(draft.data.get("photos", []))
            if len(photos) >= MAX_PHOTOS:
                await send(update, View(str(t("visit.photos_full", lang, max=MAX_PHOTOS)),
                                        views.report_done_button(lang)))
                return
            photos.append(message.photo[-1].file_id)
            await forms.advance(context, draft, "photos", photos=photos)
            await send(update, View(str(t("visit.photo_saved", lang, count=len(photos), max=MAX_PHOTOS)),
                                    views.report_done_button(lang)))
            return
        await send(update, views.ask_report_part("photos", lang))
        return
    text = _text_of(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    text = text.strip()
    if not 3 <= len(text) <= MAX_REPORT_PART:
        await reply(update, t("visit.bad_length", lang, min=3, max=MAX_REPORT_PART, length=len(text)))
        return
    if draft.step == "learned":
        await forms.advance(context, draft, "apply", learned=text)
        await send(update, views.ask_report_part("apply", lang))
        return
    await forms.advance(context, draft, "photos", apply=text)
    await send(update, views.ask_report_part("photos", lang))


@button_handler
async def on_report_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the report; offer to publish it as an experience post."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, REPORT, "photos")
    visit_id = int(draft.data["visit"])
    learned, will_apply = str(draft.data["learned"]), str(draft.data["apply"])
    await service.save_report(context.services, visit_id, user.id, learned=learned, will_apply=will_apply,
                              photos=list(draft.data.get("photos", [])))
    await edit(update, views.report_saved(learned, will_apply, visit_id, await language(update, context)))


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
    if draft.flow == REQUEST:
        await ask(update, context, draft)
    elif draft.flow == PROPOSE:
        await ask_proposal(update, context, draft)
    elif draft.flow == REASON:
        await send(update, views.ask_reason(draft.step, int(draft.data["visit"]), lang))
    elif draft.flow == REPORT:
        await send(update, views.ask_report_part(draft.step, lang))
    elif draft.flow == NOTE:
        await reply(update, t("visit.ask_host_note", lang, max=MAX_NOTE))


def register_forms() -> None:
    forms.register_form(REQUEST, on_request_input, reprompt)
    forms.register_form(PROPOSE, on_propose_input, reprompt)
    forms.register_form(REASON, on_reason_input, reprompt)
    forms.register_form(REPORT, on_report_input, reprompt)
    forms.register_form(NOTE, on_note_input, reprompt)
