"""The MAD / Musdes of a kerja sama and its .docx drafts: thin handlers over bot.agreements.musyawarah.

Entry: the agreement's "Musyawarah dan draf" button (ms:a:<agreement>). Rights are checked by the
service at every press; the .docx files are built by the render worker (python-docx never loads here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.agreements import musyawarah as service
from bot.agreements import musyawarah_views as views
from bot.agreements.documents import DocSpec
from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_datetime
from bot.errors import InvalidInput, StaleAction
from bot.reports.worker import WORKER
from bot.texts import t
from bot.view import Button, View, rows_of
from handlers import forms
from handlers.common import button_handler, edit_or_reply, language, register_planner, reply, user_of
from storage.models import Draft

NEW, NAMED, BERITA = "mus_new", "mus_named", "mus_ba"


async def _send(update: Update, view: View, *, edit: bool = False) -> None:
    rows = [[(b.label, b.data or "") for b in row] for row in view.buttons]
    if edit:
        await edit_or_reply(update, view.text, rows or None)
    else:
        await reply(update, view.text, rows or None)


def _skip(action: str, musyawarah_id: int, lang: str) -> View:
    return View("", rows_of([[Button(str(t("core.skip", lang)), data=views.data(action, musyawarah_id))]]))


async def _show(update: Update, context: BotContext, musyawarah_id: int, *, edit: bool = True) -> None:
    user = user_of(update)
    loaded = await service.load(context.services, musyawarah_id, user.id)
    lang = await language(update, context)
    await _send(update, views.card(loaded.musyawarah, loaded.agreement, lang, may_manage=loaded.may_manage,
                                   delegate_id=loaded.delegate_id, now=context.services.clock.now()), edit=edit)


# -- the agreement's musyawarah and draft ---------------------------------------------------
@button_handler
async def on_agreement(update: Update, context: BotContext, data: CallbackData) -> None:
    """The musyawarah of one agreement, with Jadwalkan and Unduh draf."""
    agreement, found = await service.list_for(context.services, data.int_arg(0), user_of(update).id)
    await _send(update, views.agreement_list(agreement, found, await language(update, context)))


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    await _show(update, context, data.int_arg(0))


@button_handler
async def on_new(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start scheduling: when, where, agenda."""
    user = user_of(update)
    record, _ = await service.require_manager(context.services, data.int_arg(0), user.id)
    service.require_perumusan(record.agreement)
    await forms.begin(context, user.id, NEW, "when", {"agreement_id": record.agreement.id})
    await reply(update, t("mus.new.ask_when", await language(update, context)))


async def on_new_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text = update.effective_message.text if update.effective_message else None
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    user = user_of(update)
    record, forum = await service.require_manager(context.services, int(draft.data["agreement_id"]), user.id)
    try:
        if draft.step == "when":
            try:
                starts = parse_datetime(text, now=context.services.clock.now(), tz=ZoneInfo(forum.timezone))
            except DateParseError as exc:
                raise InvalidInput("mus.bad.past" if exc.reason == "in_past" else "mus.new.bad_when") from None
            await forms.advance(context, draft, "place", starts=starts.isoformat())
            await reply(update, t("mus.new.ask_place", lang))
        elif draft.step == "place":
            await forms.advance(context, draft, "agenda", place=service.clean_text(text, service.MAX_PLACE))
            await reply(update, t("mus.new.ask_agenda", lang))
        else:
            agenda = service.parse_agenda(text)
            musyawarah_id = await service.schedule(
                context.services, agreement_id=record.agreement.id, user_id=user.id,
                starts_at=datetime.fromisoformat(str(draft.data["starts"])), place=str(draft.data["place"]),
                agenda=agenda)
            await forms.finish(context, user.id)
            await _show(update, context, musyawarah_id, edit=False)
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


# -- delegates and invitations --------------------------------------------------------------
@button_handler
async def on_add(update: Update, context: BotContext, data: CallbackData) -> None:
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    if not loaded.may_manage:
        raise StaleAction()
    await _send(update, views.party_choice(loaded.musyawarah, loaded.agreement, await language(update, context)),
                edit=True)


@button_handler
async def on_party(update: Update, context: BotContext, data: CallbackData) -> None:
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    party = loaded.agreement.party(data.int_arg(1))
    if party is None or not loaded.may_manage:
        raise StaleAction()
    members = await service.party_members(context.services, loaded.forum.id, party.village_code)
    await _send(update, views.member_choice(loaded.musyawarah, party.position, party.name, members,
                                            await language(update, context)), edit=True)


@button_handler
async def on_pick_member(update: Update, context: BotContext, data: CallbackData) -> None:
    musyawarah_id = data.int_arg(0)
    await service.add_member_delegate(context.services, musyawarah_id, user_of(update).id, data.int_arg(1),
                                      data.int_arg(2))
    await _show(update, context, musyawarah_id)


@button_handler
async def on_named(update: Update, context: BotContext, data: CallbackData) -> None:
    """Record a delegate who does not use Telegram: ask "Nama, jabatan"."""
    user = user_of(update)
    loaded = await service.load(context.services, data.int_arg(0), user.id)
    party = loaded.agreement.party(data.int_arg(1))
    if party is None or not loaded.may_manage:
        raise StaleAction()
    await forms.begin(context, user.id, NAMED, "name", {"musyawarah_id": loaded.musyawarah.id,
                                                        "position": party.position})
    await reply(update, t("mus.add.ask_named", await language(update, context), party=party.name))


async def on_named_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    user = user_of(update)
    text = update.effective_message.text if update.effective_message else None
    try:
        name, role = service.parse_named(text)
        await service.add_named_delegate(context.services, int(draft.data["musyawarah_id"]), user.id,
                                         int(draft.data["position"]), name, role)
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    await forms.finish(context, user.id)
    await _show(update, context, int(draft.data["musyawarah_id"]), edit=False)


@button_handler
async def on_removal(update: Update, context: BotContext, data: CallbackData) -> None:
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    if not loaded.may_manage:
        raise StaleAction()
    await _send(update, views.removal_choice(loaded.musyawarah, await language(update, context)), edit=True)


@button_handler
async def on_remove(update: Update, context: BotContext, data: CallbackData) -> None:
    await service.remove_delegate(context.services, data.int_arg(0), user_of(update).id, data.int_arg(1))
    await _show(update, context, data.int_arg(0))


@button_handler
async def on_invite(update: Update, context: BotContext, data: CallbackData) -> None:
    count = await service.invite(context.services, data.int_arg(0), user_of(update).id)
    await reply(update, t("mus.invited", await language(update, context), count=count))
    await _show(update, context, data.int_arg(0), edit=False)


@button_handler
async def on_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """A delegate's Hadir / Tidak hadir (from the invitation, the reminder or the card)."""
    choice = {"h": "hadir", "t": "tidak"}.get(data.arg(2))
    if choice is None:
        raise StaleAction()
    loaded = await service.answer(context.services, data.int_arg(0), user_of(update).id, data.int_arg(1),
                                  choice)  # type: ignore[arg-type]
    await _send(update, views.answered(loaded.musyawarah, loaded.agreement, data.int_arg(1), choice,
                                       await language(update, context)), edit=True)


# -- daftar hadir and berita acara ----------------------------------------------------------
@button_handler
async def on_attendance(update: Update, context: BotContext, data: CallbackData) -> None:
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    if not loaded.may_manage:
        raise StaleAction()
    await _send(update, views.attendance(loaded.musyawarah, loaded.agreement, await language(update, context)),
                edit=True)


@button_handler
async def on_present(update: Update, context: BotContext, data: CallbackData) -> None:
    loaded = await service.set_present(context.services, data.int_arg(0), user_of(update).id, data.int_arg(1),
                                       data.arg(2) == "1")
    await _send(update, views.attendance(loaded.musyawarah, loaded.agreement, await language(update, context)),
                edit=True)


@button_handler
async def on_berita(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start the berita acara: which draft clauses were agreed, other decisions, notes."""
    user = user_of(update)
    loaded = await service.load(context.services, data.int_arg(0), user.id)
    if not loaded.may_manage:
        raise StaleAction()
    lang = await language(update, context)
    draft = await forms.begin(context, user.id, BERITA, "clauses", {"musyawarah_id": loaded.musyawarah.id,
                                                                    "clauses": []})
    await _send(update, views.clause_choice(loaded.musyawarah.id, service.clause_values(loaded.record, lang),
                                            draft.data["clauses"], lang))


@button_handler
async def on_clause(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, BERITA, "clauses")
    loaded = await service.load(context.services, int(draft.data["musyawarah_id"]), user.id)
    lang = await language(update, context)
    values = service.clause_values(loaded.record, lang)
    clause = data.arg(1)
    if clause not in values:
        raise StaleAction()
    chosen = list(draft.data["clauses"])
    chosen.remove(clause) if clause in chosen else chosen.append(clause)
    draft = await forms.advance(context, draft, "clauses", clauses=chosen)
    await _send(update, views.clause_choice(loaded.musyawarah.id, values, chosen, lang), edit=True)


@button_handler
async def on_clauses_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, BERITA, "clauses")
    await forms.advance(context, draft, "decisions")
    await _ask_berita(update, context, "decisions", int(draft.data["musyawarah_id"]))


async def _ask_berita(update: Update, context: BotContext, step: str, musyawarah_id: int) -> None:
    lang = await language(update, context)
    skip = _skip("sk", musyawarah_id, lang)
    await _send(update, View(str(t(f"mus.ba.ask_{step}", lang)), skip.buttons))


@button_handler
async def on_berita_skip(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, BERITA, "decisions", "notes")
    await _berita_step(update, context, draft, None)


async def on_berita_input(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    text = update.effective_message.text if update.effective_message else None
    if draft.step == "clauses" or text is None:
        await reply(update, t("bad.use_buttons" if draft.step == "clauses" else "bad.text_expected", lang))
        return
    try:
        await _berita_step(update, context, draft, text)
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


async def _berita_step(update: Update, context: BotContext, draft: Draft, text: str | None) -> None:
    user = user_of(update)
    musyawarah_id = int(draft.data["musyawarah_id"])
    if draft.step == "decisions":
        decisions = service.parse_decisions(text) if text else []
        await forms.advance(context, draft, "notes", decisions=decisions)
        await _ask_berita(update, context, "notes", musyawarah_id)
        return
    notes = service.clean_text(text, service.MAX_NOTES) if text else None
    await service.record_berita(context.services, musyawarah_id, user.id, clauses=list(draft.data["clauses"]),
                                decisions=list(draft.data.get("decisions") or []), notes=notes)
    await forms.finish(context, user.id)
    await _show(update, context, musyawarah_id, edit=False)


# -- documents (built in the render worker) -------------------------------------------------
async def _send_document(update: Update, context: BotContext, spec: DocSpec) -> None:
    lang = await language(update, context)
    await reply(update, t("mus.doc.queued", lang, ahead=WORKER.ahead) if WORKER.ahead
                else t("mus.doc.building", lang))
    content: bytes = await WORKER.run("document", spec)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(document=content, filename=spec.file_name,
                             caption=str(t("mus.doc.caption", lang, name=spec.title))[:1024], parse_mode="HTML")
    await reply(update, t("mus.doc.ready", lang))


@button_handler
async def on_download_draft(update: Update, context: BotContext, data: CallbackData) -> None:
    spec = await service.draft_spec(context.services, data.int_arg(0), user_of(update).id)
    await _send_document(update, context, spec)


@button_handler
async def on_download_berita(update: Update, context: BotContext, data: CallbackData) -> None:
    spec = await service.berita_spec(context.services, data.int_arg(0), user_of(update).id)
    await _send_document(update, context, spec)


# -- wiring ---------------------------------------------------------------------------------
async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.flow == NEW:
        await reply(update, t(f"mus.new.ask_{draft.step}", lang))
    elif draft.flow == NAMED:
        await reply(update, t("mus.add.ask_named", lang, party="-"))
    elif draft.step == "clauses":
        await reply(update, t("bad.use_buttons", lang))
    else:
        await _ask_berita(update, context, draft.step, int(draft.data["musyawarah_id"]))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    forms.register_form(NEW, on_new_input, reprompt)
    forms.register_form(NAMED, on_named_input, reprompt)
    forms.register_form(BERITA, on_berita_input, reprompt)
    buttons = {
        "a": on_agreement, "o": on_open, "new": on_new, "ad": on_add, "pp": on_party, "pm": on_pick_member,
        "pn": on_named, "rl": on_removal, "rm": on_remove, "inv": on_invite, "ans": on_answer, "att": on_attendance, "pr": on_present,
        "ba": on_berita, "cl": on_clause, "cn": on_clauses_done, "sk": on_berita_skip,
        "dr": on_download_draft, "dba": on_download_berita,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{views.FEATURE}:{action}(:|$)"))
    register_planner(app, service.plan_musyawarah)
