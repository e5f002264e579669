"""/profil_desa (a village's potensi, kebutuhan, detail, programmes) and /cari_desa (find partners)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import bidang
from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.directory import service
from bot.errors import InvalidInput, NotAMember, NotPermitted, StaleAction
from bot.render import jabatan_label, short_kabupaten
from bot.texts import Html, t
from bot.timefmt import format_datetime, member_zone
from handlers import forms
from handlers.common import (
    Button,
    button_handler,
    command_args,
    command_handler,
    edit_or_reply,
    language,
    private_only,
    reply,
    user_of,
)
from storage.directory import DirectoryRepo, Result, VillageProfile
from storage.models import Draft, Member

log = logging.getLogger(__name__)

FEATURE = "d"
FORM = "dprof"
MAX_DETAIL = 1000
MAX_PROGRAMS = 1000
MAX_RESULTS = 8


def directory(context: BotContext) -> DirectoryRepo:
    """Reads of the directory, through its service (the last committed state)."""
    return service.repo(context.services)


async def _member_with_village(update: Update, context: BotContext) -> Member:
    user = user_of(update)
    member = await context.services.members.get(user.id)
    if member is None or member.erased_at is not None or not await context.services.members.memberships_of(user.id):
        raise NotAMember("err.not_member_any")
    # The village a koordinator approved, never the profile field alone (a change may be pending).
    code = await context.services.access.own_village(user.id)
    if not code:
        raise InvalidInput("dir.no_village")
    return member.model_copy(update={"village_code": code})



# -- /profil_desa ------------------------------------------------------------------------------
async def render_profile(context: BotContext, member: Member, profile: VillageProfile | None, lang: str) -> Html:
    region = await context.services.regions.get(member.village_code or "")
    none = str(t("dir.none", lang))
    p = profile or VillageProfile(member.village_code or "")
    parts = [
        str(t("dir.profile_title", lang, village=region.name if region else "-",
              area=f"Kec. {region.kecamatan}, {short_kabupaten(region.kabupaten)}" if region else "")),
        str(t("dir.profile_body", lang, potensi=bidang.labels(p.potensi, lang) or none,
              kebutuhan=bidang.labels(p.kebutuhan, lang) or none, detail=p.detail or none,
              programs=p.programs or none)),
    ]
    if p.updated_at is not None:
        zone = member_zone(member.timezone, member.village_code)
        editor = await context.services.members.get(p.updated_by) if p.updated_by else None
        parts.append(str(t("vp.updated_by", lang, when=format_datetime(p.updated_at, zone, lang),
                           name=editor.full_name if editor else "-")))
        if not p.verified:
            parts.append(str(t("vp.unverified", lang)))
    else:
        parts.append(str(t("dir.profile_hint", lang)))
    return Html("\n\n".join(parts))


async def _profile_rows(context: BotContext, member: Member, profile: VillageProfile | None,
                        lang: str) -> list[list[Button]]:
    services, code = context.services, member.village_code or ""
    rows: list[list[Button]] = [
        [(t("dir.edit_potensi", lang), encode(FEATURE, "ed", "pot")),
         (t("dir.edit_kebutuhan", lang), encode(FEATURE, "ed", "keb"))],
        [(t("dir.edit_detail", lang), encode(FEATURE, "ed", "det")),
         (t("dir.edit_programs", lang), encode(FEATURE, "ed", "prog"))],
    ]
    extra: list[Button] = []
    if await service.may_see_history(services, member.user_id, code):
        extra.append((t("vp.history", lang), encode(FEATURE, "hist")))
    if profile is not None and not profile.verified and await service.is_verified(services, member.user_id,
                                                                                             code):
        extra.append((t("vp.confirm", lang), encode(FEATURE, "ok")))
    if extra:
        rows.append(extra)
    return rows


@command_handler
async def show_profile(update: Update, context: BotContext) -> None:
    """Show this member's village profile with buttons to change each part."""
    lang = await language(update, context)
    if not await private_only(update, context, "profil_desa"):
        return
    member = await _member_with_village(update, context)
    other = command_args(context)
    if other and other != member.village_code:
        await _show_other_village(update, context, member, other, lang)
        return
    profile = await directory(context).profile(member.village_code or "")
    await reply(update, await render_profile(context, member, profile, lang),
                await _profile_rows(context, member, profile, lang))


async def _show_other_village(update: Update, context: BotContext, member: Member, code: str, lang: str) -> None:
    """`/profil_desa 33.01.18.2001`: a koordinator of the village's forum (or its verified head)
    reads another village's profile and opens its history to revert a bad change."""
    services = context.services
    region = await services.regions.get(code)
    if region is None or region.level != 4 or not await service.may_see_history(services, member.user_id, code):
        raise NotPermitted("err.not_your_village")
    profile = await directory(context).profile(code)
    viewer = member.model_copy(update={"village_code": code})
    await reply(update, await render_profile(context, viewer, profile, lang),
                [[(t("vp.history", lang), encode(FEATURE, "hist", code))]])


def _picker(selected: list[str], which: str, lang: str) -> tuple[Html, list[list[Button]]]:
    rows: list[list[Button]] = []
    row: list[Button] = []
    for b in bidang.BIDANG:
        mark = "✅ " if b.code in selected else ""
        row.append((f"{mark}{b.label(lang)}", encode(FEATURE, "tg", b.code)))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([(t("dir.save", lang), encode(FEATURE, "sv")), (t("core.cancel", lang), encode(FEATURE, "x"))])
    chosen = bidang.labels(selected, lang)
    text = Html(str(t("dir.pick_potensi" if which == "pot" else "dir.pick_kebutuhan", lang)) + "\n\n"
                + str(t("dir.selected", lang, labels=chosen) if chosen else t("dir.selected_none", lang)))
    return text, rows


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start changing one part of the profile: a multi-select for bidang, a question for text."""
    which = data.arg(0)
    if which not in ("pot", "keb", "det", "prog"):
        raise StaleAction()
    member = await _member_with_village(update, context)
    lang = await language(update, context)
    profile = await directory(context).profile(member.village_code or "") or VillageProfile(member.village_code or "")
    if which in ("pot", "keb"):
        selected = list(profile.potensi if which == "pot" else profile.kebutuhan)
        await forms.begin(context, member.user_id, FORM, which, {"sel": selected})
        text, rows = _picker(selected, which, lang)
        await edit_or_reply(update, text, rows)
        return
    await forms.begin(context, member.user_id, FORM, which)
    await reply(update, t("dir.ask_detail" if which == "det" else "dir.ask_programs", lang,
                          max=MAX_DETAIL if which == "det" else MAX_PROGRAMS))


@button_handler
async def on_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    """Select or unselect one bidang in the picker."""
    code = data.arg(0)
    if not bidang.is_code(code):
        raise StaleAction()
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "pot", "keb")
    selected = list(draft.data.get("sel", []))
    if code in selected:
        selected.remove(code)
    else:
        selected.append(code)
    selected = bidang.normalise(selected)
    draft = await forms.advance(context, draft, draft.step, sel=selected)
    text, rows = _picker(selected, draft.step, await language(update, context))
    await edit_or_reply(update, text, rows)


@button_handler
async def on_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the picked bidang and show the profile again."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "pot", "keb")
    member = await _member_with_village(update, context)
    selected = list(draft.data.get("sel", []))
    edit = await service.edit_profile(
        context.services, user.id, member.village_code or "",
        potensi=selected if draft.step == "pot" else None, kebutuhan=selected if draft.step == "keb" else None)
    await forms.finish(context, user.id)
    lang = await language(update, context)
    text, rows = await _after_edit(context, member, edit, lang)
    await edit_or_reply(update, text, rows)


async def _after_edit(context: BotContext, member: Member, edit: service.Edit,
                      lang: str) -> tuple[Html, list[list[Button]]]:
    """What the editor is told: saved, saved but unverified, or sent as a proposal."""
    region = await context.services.regions.get(member.village_code or "")
    head = {"saved": t("dir.saved", lang), "unverified": t("vp.saved_unverified", lang),
            "proposed": t("vp.proposed", lang, village=region.name if region else "-")}[edit.outcome]
    body = await render_profile(context, member, edit.profile, lang)
    return Html(f"{head}\n\n{body}"), await _profile_rows(context, member, edit.profile, lang)


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow == FORM:
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed detail or programmes (or a stray message while the picker is open)."""
    lang = await language(update, context)
    message = update.effective_message
    text = message.text if message and message.text else None
    if draft.step in ("pot", "keb"):
        await reply(update, t("bad.use_buttons", lang))
        return
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    limit = MAX_DETAIL if draft.step == "det" else MAX_PROGRAMS
    value = "" if text.strip() == "-" else text.strip()
    if len(value) > limit:
        await reply(update, t("dir.too_long", lang, length=len(value), max=limit))
        return
    member = await _member_with_village(update, context)
    edit = await service.edit_profile(
        context.services, member.user_id, member.village_code or "",
        detail=value if draft.step == "det" else None, programs=value if draft.step == "prog" else None)
    await forms.finish(context, member.user_id)
    text, rows = await _after_edit(context, member, edit, lang)
    await reply(update, text, rows)


# -- proposals, history, revert ------------------------------------------------------------------
@button_handler
async def on_proposal(update: Update, context: BotContext, data: CallbackData) -> None:
    """A verified member of the village accepts or rejects a proposed change."""
    user = user_of(update)
    accept = data.arg(1) == "y"
    await service.decide_proposal(context.services, data.int_arg(0), user.id, accept)
    lang = await language(update, context)
    query = update.callback_query
    original = query.message.text_html if query and isinstance(query.message, Message) and query.message.text else ""
    await edit_or_reply(update, f"{original}\n\n{t('vp.accepted_note' if accept else 'vp.rejected_note', lang)}")


@button_handler
async def on_history(update: Update, context: BotContext, data: CallbackData) -> None:
    """The kept changes of a village profile (the user's own, or the one named in the button),
    each with a button to bring it back."""
    member = await _member_with_village(update, context)
    services = context.services
    code = data.arg(0) if data.args else member.village_code or ""
    if not await service.may_see_history(services, member.user_id, code):
        raise NotPermitted("err.not_your_village")
    lang = await language(update, context)
    region = await services.regions.get(code)
    changes = await directory(context).history(code)
    zone = member_zone(member.timezone, code)
    lines = [str(t("vp.history_title", lang, village=region.name if region else code))]
    rows: list[list[Button]] = []
    for change in changes:
        editor = await services.members.get(change.by_user)
        lines.append(str(t("vp.history_line", lang, number=change.id, when=format_datetime(change.at, zone, lang),
                           name=editor.full_name if editor else "-",
                           mark=Html("") if change.verified else t("vp.history_unverified", lang))))
        rows.append([(t("vp.revert", lang, number=change.id), encode(FEATURE, "rv", change.id))])
    if not changes:
        lines.append(str(t("vp.history_empty", lang)))
    await reply(update, "\n".join(lines), rows[1:])  # the newest is the current content


@button_handler
async def on_revert(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await service.revert(context.services, data.int_arg(0), user.id)
    await edit_or_reply(update, t("vp.reverted", await language(update, context), number=data.int_arg(0)))


@button_handler
async def on_confirm(update: Update, context: BotContext, data: CallbackData) -> None:
    """A verified member keeps an unverified profile as it is."""
    member = await _member_with_village(update, context)
    await service.confirm(context.services, member.village_code or "", member.user_id)
    await edit_or_reply(update, t("vp.confirmed", await language(update, context)))


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    if draft.step in ("pot", "keb"):
        text, rows = _picker(list(draft.data.get("sel", [])), draft.step, lang)
        await reply(update, text, rows)
    else:
        await reply(update, t("dir.ask_detail" if draft.step == "det" else "dir.ask_programs", lang,
                              max=MAX_DETAIL))


# -- /cari_desa --------------------------------------------------------------------------------
def render_results(results: list[Result], lang: str, needs: set[str] | None = None) -> tuple[str, list[list[Button]]]:
    """One block per village (with the matching bidang when suggesting) and an "Ajukan kunjungan" button each."""
    blocks = []
    rows: list[list[Button]] = []
    for rank, result in enumerate(results, start=1):
        entry = result.entry
        village = entry.village
        lines = [str(t("dir.result", lang, rank=rank, village=village.name, kecamatan=village.kecamatan or "",
                       kabupaten=short_kabupaten(village.kabupaten), jabatan=jabatan_label(entry.head_jabatan, lang),
                       head=entry.head_name))]
        profile = result.profile
        if profile and profile.potensi:
            lines.append(str(t("dir.result_potensi", lang, potensi=bidang.labels(profile.potensi, lang))))
        if profile and profile.programs:
            programs = profile.programs if len(profile.programs) <= 160 else profile.programs[:157] + "…"
            lines.append(str(t("dir.result_programs", lang, programs=programs)))
        if "post" in result.sources:
            lines.append(str(t("dir.result_from_posts", lang)))
        if needs is not None and profile is not None:
            matching = [c for c in profile.potensi if c in needs]
            lines.append(str(t("dir.suggest_match", lang, bidang=bidang.labels(matching, lang))))
        blocks.append("\n".join(line for line in lines if line))
        label = str(t("dir.visit_button", lang, village=village.name))
        rows.append([(label[:60], encode("v", "to", entry.head_user_id))])
    return "\n\n".join(blocks), rows


@command_handler
async def search(update: Update, context: BotContext) -> None:
    """Find villages in the user's forums by words, or suggest partners for this village's needs."""
    lang = await language(update, context)
    if not await private_only(update, context, "cari_desa"):
        return
    user = user_of(update)
    if not await context.services.members.memberships_of(user.id):
        raise NotAMember("err.not_member_any")
    query = command_args(context)[:200]
    repo = directory(context)
    if not query:
        await suggest(update, context, lang)
        return
    results = await repo.search(user.id, query, limit=MAX_RESULTS)
    log.info("event=directory_search user=%s results=%d", user.id, len(results))
    if not results:
        await reply(update, t("dir.search_none", lang, query=query))
        return
    body, rows = render_results(results, lang)
    await reply(update, str(t("dir.search_title", lang, query=query, count=len(results))) + "\n\n" + body, rows)


async def suggest(update: Update, context: BotContext, lang: str) -> None:
    member = await _member_with_village(update, context)
    repo = directory(context)
    own = await repo.profile(member.village_code or "")
    if own is None or not own.kebutuhan:
        await reply(update, t("dir.suggest_no_needs", lang))
        return
    results = await repo.suggest(member.user_id, own.kebutuhan, limit=MAX_RESULTS)
    if not results:
        await reply(update, t("dir.suggest_none", lang))
        return
    body, rows = render_results(results, lang, set(own.kebutuhan))
    header = t("dir.suggest_title", lang, kebutuhan=bidang.labels(own.kebutuhan, lang))
    await reply(update, str(header) + "\n\n" + body, rows)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("profil_desa", show_profile))
    app.add_handler(CommandHandler("cari_desa", search))
    forms.register_form(FORM, on_input, reprompt)
    buttons = {"ed": on_edit, "tg": on_toggle, "sv": on_save, "x": on_cancel, "pa": on_proposal, "hist": on_history,
               "rv": on_revert, "ok": on_confirm}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
