"""The MAD / Musdes of a kerja sama and its .docx drafts: thin handlers over bot.agreements.musyawarah.

Entry: the agreement's "Musyawarah dan draf" button (ms:a:<agreement>). Rights are checked by the
service at every press; the .docx files are built by the render worker (python-docx never loads here).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.agreements import musyawarah as service
from bot.agreements import musyawarah_forms as mforms
from bot.agreements import musyawarah_views as views
from bot.agreements.documents import DocSpec
from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.errors import StaleAction
from bot.forms.picker import When
from bot.reports.worker import WORKER
from bot.texts import t
from bot.view import View
from handlers.common import button_handler, edit_or_reply, language, reply, user_of
from handlers.forms import start_form


async def _send(update: Update, view: View, *, edit: bool = False) -> None:
    rows = [[(b.label, b.data or "") for b in row] for row in view.buttons]
    if edit:
        await edit_or_reply(update, view.text, rows or None)
    else:
        await reply(update, view.text, rows or None)


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
    """Schedule: when (the shared picker, in the forum's zone), where, agenda; then a review."""
    record, forum = await service.require_manager(context.services, data.int_arg(0), user_of(update).id)
    service.require_perumusan(record.agreement)
    # Only the agreement counts as answered: the picker's starting zone is not an answer.
    form = mforms.Schedule.model_construct(_fields_set={"agreement_id"}, agreement_id=record.agreement.id,
                                           when=When.starting(forum.timezone), place="", agenda=[])
    await start_form(update, context, mforms.SCHEDULE, form)


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
    """Record a delegate who does not use Telegram: "Nama, jabatan"."""
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    party = loaded.agreement.party(data.int_arg(1))
    if party is None or not loaded.may_manage:
        raise StaleAction()
    await start_form(update, context, mforms.NAMED,
                     mforms.Named(musyawarah_id=loaded.musyawarah.id, position=party.position, party=party.name))


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
    """The berita acara: which draft clauses were agreed, other decisions, notes; then a review."""
    loaded = await service.load(context.services, data.int_arg(0), user_of(update).id)
    if not loaded.may_manage:
        raise StaleAction()
    values = service.clause_values(loaded.record, await language(update, context))
    await start_form(update, context, mforms.BERITA,
                     mforms.Berita(musyawarah_id=loaded.musyawarah.id, clause_values=values))


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
def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    buttons = {
        "a": on_agreement, "o": on_open, "new": on_new, "ad": on_add, "pp": on_party, "pm": on_pick_member,
        "pn": on_named, "rl": on_removal, "rm": on_remove, "inv": on_invite, "ans": on_answer, "att": on_attendance, "pr": on_present,
        "ba": on_berita,
        "dr": on_download_draft, "dba": on_download_berita,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(views.FEATURE, action)))
