"""/profil_desa (a village's potensi, kebutuhan, detail, programmes) and /cari_desa (find partners)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import bidang
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.errors import InvalidInput, NotAMember, StaleAction
from bot.render import jabatan_label, short_kabupaten
from bot.texts import Html, t
from bot.timefmt import format_datetime
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
from handlers.members import member_zone
from storage.directory import DirectoryRepo, Result, VillageProfile
from storage.models import Draft, Member

log = logging.getLogger(__name__)

FEATURE = "d"
FORM = "dprof"
MAX_DETAIL = 1000
MAX_PROGRAMS = 1000
MAX_RESULTS = 8


def directory(context: BotContext) -> DirectoryRepo:
    return DirectoryRepo(context.services.db)


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
        parts.append(str(t("dir.updated", lang, when=format_datetime(p.updated_at, zone, lang))))
    else:
        parts.append(str(t("dir.profile_hint", lang)))
    return Html("\n\n".join(parts))


def _profile_rows(lang: str) -> list[list[Button]]:
    return [
        [(t("dir.edit_potensi", lang), encode(FEATURE, "ed", "pot")),
         (t("dir.edit_kebutuhan", lang), encode(FEATURE, "ed", "keb"))],
        [(t("dir.edit_detail", lang), encode(FEATURE, "ed", "det")),
         (t("dir.edit_programs", lang), encode(FEATURE, "ed", "prog"))],
    ]


@command_handler
async def show_profile(update: Update, context: BotContext) -> None:
    """Show this member's village profile with buttons to change each part."""
    lang = await language(update, context)
    if not await private_only(update, context, "profil_desa"):
        return
    member = await _member_with_village(update, context)
    profile = await directory(context).profile(member.village_code or "")
    await reply(update, await render_profile(context, member, profile, lang), _profile_rows(lang))


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
    now = context.services.clock.now()
    repo = directory(context)
    if draft.step == "pot":
        profile = await repo.save_profile(member.village_code or "", by=user.id, now=now, potensi=selected)
    else:
        profile = await repo.save_profile(member.village_code or "", by=user.id, now=now, kebutuhan=selected)
    await forms.finish(context, user.id)
    log.info("event=village_profile_saved village=%s part=%s by=%s", member.village_code, draft.step, user.id)
    lang = await language(update, context)
    text = Html(str(t("dir.saved", lang)) + "\n\n" + str(await render_profile(context, member, profile, lang)))
    await edit_or_reply(update, text, _profile_rows(lang))


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
    now = context.services.clock.now()
    repo = directory(context)
    if draft.step == "det":
        profile = await repo.save_profile(member.village_code or "", by=member.user_id, now=now, detail=value)
    else:
        profile = await repo.save_profile(member.village_code or "", by=member.user_id, now=now, programs=value)
    await forms.finish(context, member.user_id)
    log.info("event=village_profile_saved village=%s part=%s by=%s", member.village_code, draft.step, member.user_id)
    await reply(update, Html(str(t("dir.saved", lang)) + "\n\n" + str(await render_profile(context, member, profile,
                                                                                              lang))),
                _profile_rows(lang))


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
    buttons = {"ed": on_edit, "tg": on_toggle, "sv": on_save, "x": on_cancel}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
