"""Kerjasama antar desa: /kerjasama_baru, /kerjasama, amendments, ending, renewal, evaluations.

Who may do what (checked on the server at every command and press):
* register: koordinator or pendamping, or a member whose village is one of the chosen parties;
* see an agreement, its evaluations and history; amend, end, renew: the parties' members, the
  koordinator and the pendamping of the forum (others are told it does not exist);
* answer an evaluation: a member from that party's village;
* mark a follow-up done: a member from the owner village, whoever wrote it, or the staff;
* call an aksi-refleksi meeting from the summary: the koordinator.

Every form keeps its state in the drafts table; an evaluation's answers are also saved in its own
row as they come, so a restart, a /batal or another form in between loses nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.agreements import rules, running, signed_views, views
from bot.agreements import service as kerjasama
from bot.agreements.forms import RINTIS, Rintis
from bot.bidang import BIDANG, bidang_label
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, NotFound, StaleAction
from bot.periods import DEFAULT_RHYTHM, RHYTHM_MONTHS
from bot.permissions import STAFF, Action
from bot.render import date_problem
from bot.texts import t
from bot.timefmt import RupiahParseError, format_date, parse_rupiah
from handlers import forms
from handlers.common import (
    Keyboard,
    button_handler,
    command_handler,
    edit_or_reply,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forms import send_view, start_form
from handlers.forums import forum_action, run_in_forum
from scheduler import agreements as pushes
from scheduler.agreements import FEATURE, forum_zone
from storage.agreements import Agreement, AgreementRepo, NewParty
from storage.models import Draft, Forum, Member, Membership

log = logging.getLogger(__name__)

NEW = "agr_new"

NEW_STEPS = ("title", "parties", "third", "bidang", "objective", "scope", "rights", "fsource", "famount",
             "legal", "start", "end", "body", "rhythm", "doc", "confirm")
OPTIONAL = frozenset({"third", "bidang", "scope", "rights", "fsource", "famount", "legal", "body", "doc"})
TEXT_LIMITS = {"title": rules.MAX_TITLE, "objective": rules.MAX_LONG, "scope": rules.MAX_LONG,
               "rights": rules.MAX_LONG, "fsource": rules.MAX_SHORT, "legal": rules.MAX_SHORT,
               "body": rules.MAX_SHORT, "third": rules.MAX_SHORT, "note": rules.MAX_LONG,
               "went_well": rules.MAX_LONG, "kendala": rules.MAX_LONG, "fu_text": rules.MAX_SHORT,
               "fu_owner_text": rules.MAX_SHORT, "reason": rules.MAX_LONG}
AMEND_FIELDS = running.AMEND_FIELDS


def agreements(context: BotContext) -> AgreementRepo:
    return AgreementRepo(context.services.db)


# -- permissions ------------------------------------------------------------------------------
async def membership_of(context: BotContext, forum_id: int, user_id: int) -> tuple[Membership, Member]:
    """The asker in the agreement's forum; `member.village_code` is the village approved there."""
    return await context.services.access.member_in(forum_id, user_id)


async def viewable(context: BotContext, agreement_id: int, user_id: int) -> tuple[Agreement, Membership, Member]:
    """The agreement if the user is a party's member, the koordinator or the pendamping; else NotFound."""
    agreement = await agreements(context).get(agreement_id)
    if agreement is None:
        raise NotFound()
    membership, member = await membership_of(context, agreement.forum_id, user_id)
    if membership.role in STAFF or (member.village_code and member.village_code in agreement.village_codes):
        return agreement, membership, member
    raise NotFound()


def clean(text: str | None, step: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput("agr.bad.text")
    limit = TEXT_LIMITS.get(step, rules.MAX_LONG)
    if len(value) > limit:
        raise InvalidInput("agr.bad.too_long", max=limit, length=len(value))
    return value


async def forum_of(context: BotContext, forum_id: int) -> Forum:
    forum = await context.services.forums.get(forum_id)
    if forum is None:
        raise StaleAction()
    return forum


def parse_day(text: str, context: BotContext, forum: Forum, *, end: bool = False) -> date:
    """A typed day; at a step asking for an end date, the examples shown are end dates."""
    try:
        return parse_date(text, now=context.services.clock.now(), tz=forum_zone(forum), allow_past=True)
    except DateParseError as exc:
        if exc.reason in ("invalid_date", "weekday_mismatch"):
            raise date_problem(exc, "agr.bad.date_") from None
        raise InvalidInput("agr.bad.end_date" if end else "agr.bad.date") from None


def skip_row(lang: str, step: str) -> list[tuple[str, str]]:
    return [(str(t("core.skip", lang)), encode(FEATURE, "sk", step))]


async def message_text(update: Update) -> str | None:
    message = update.effective_message
    return message.text if message is not None else None


# =============================================================================================
# /kerjasama_baru: the registration form
# =============================================================================================
@command_handler
async def new_agreement(update: Update, context: BotContext) -> None:
    """Start registering an agreement (in private chat, in the chosen forum)."""
    if not await private_only(update, context, "kerjasama_baru"):
        return
    await run_in_forum(update, context, "kerjasama_baru")


@forum_action("kerjasama_baru", Action.VIEW_MEMBERS)
async def begin_new(update: Update, context: BotContext, forum: Forum) -> None:
    """One way in: rintis from persiapan, or record one already signed (lands in pelaksanaan)."""
    await send_view(update, views.start_choice(forum.name, forum.id, await language(update, context)))


@button_handler
async def on_new_choice(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    forum = await forum_of(context, data.int_arg(0))
    await context.services.access.require(forum.id, user.id, Action.VIEW_MEMBERS)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if data.arg(1) == "r":
        await start_form(update, context, RINTIS, Rintis(forum_id=forum.id))
    elif data.arg(1) == "s":
        await _begin_signed(update, context, forum)
    else:
        raise StaleAction()


async def _begin_signed(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    villages = await _forum_villages(context, forum.id)
    lang = await language(update, context)
    if len(villages) < 2:
        await reply(update, t("agr.new.too_few_villages", lang))
        return
    draft = await forms.begin(context, user.id, NEW, "title", {"forum_id": forum.id, "choices": villages,
                                                               "villages": [], "third": [], "rights": []})
    await reply(update, t("agr.new.intro", lang, forum=forum.name))
    await ask_new(update, context, draft)


async def _forum_villages(context: BotContext, forum_id: int) -> list[list[str]]:
    """[code, name, kecamatan] of the villages of the forum's active members."""
    seen: dict[str, list[str]] = {}
    for entry in await context.services.members.in_forum(forum_id):
        if entry.village is not None and entry.village.code not in seen:
            seen[entry.village.code] = [entry.village.code, entry.village.name, entry.village.kecamatan or ""]
    return list(seen.values())


def _all_parties(data: dict[str, Any]) -> list[str]:
    names = {c[0]: c[1] for c in data["choices"]}
    return [names[code] for code in data["villages"]] + list(data["third"])


def _parties_keyboard(data: dict[str, Any], lang: str) -> Keyboard:
    chosen = set(data["villages"])
    rows = []
    for index, (code, name, kecamatan) in enumerate(data["choices"]):
        mark = "✅ " if code in chosen else ""
        label = f"{mark}{name}" + (f" (Kec. {kecamatan})" if kecamatan else "")
        rows.append([(label, encode(FEATURE, "pv", index))])
    rows.append([(str(t("agr.new.parties_done", lang, count=len(chosen))), encode(FEATURE, "pd"))])
    return rows


async def ask_new(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the question of the registration step the draft is at."""
    lang = await language(update, context)
    step, data = draft.step, draft.data
    if step == "parties":
        await reply(update, t("agr.new.ask_parties", lang), _parties_keyboard(data, lang))
    elif step == "bidang":
        buttons = [(f"{b.emoji} {b.label(lang)}".strip(), encode(FEATURE, "bd", b.code)) for b in BIDANG]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [skip_row(lang, "bidang")]
        await reply(update, t("agr.new.ask_bidang", lang), rows)
    elif step == "rights":
        parties = _all_parties(data)
        position = len(data["rights"])
        await reply(update, t("agr.new.ask_rights", lang, party=parties[position], number=position + 1,
                              total=len(parties)), [skip_row(lang, "rights")])
    elif step == "rhythm":
        rows = [[(str(t(f"agr.rhythm.{r}", lang)) + (" ✓" if r == DEFAULT_RHYTHM else ""),
                  encode(FEATURE, "rh", r))] for r in RHYTHM_MONTHS]
        await reply(update, t("agr.new.ask_rhythm", lang), rows)
    elif step == "confirm":
        await _ask_confirm(update, context, draft)
    else:
        await reply(update, t(f"agr.new.ask_{step}", lang), [skip_row(lang, step)] if step in OPTIONAL else None)


def _next_step(draft: Draft, data: dict[str, Any]) -> str:
    step = draft.step
    if step == "rights" and len(data["rights"]) < len(_all_parties(data)):
        return "rights"
    following = NEW_STEPS[NEW_STEPS.index(step) + 1]
    if following == "rights" and not _all_parties(data):
        return "fsource"
    return following


async def _go_on(update: Update, context: BotContext, draft: Draft, **updates: Any) -> None:
    data = {**draft.data, **updates}
    draft = await forms.advance(context, draft, _next_step(draft, data), **updates)
    await ask_new(update, context, draft)


async def on_new_input(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed (or sent) answer to the registration step in progress."""
    message = update.effective_message
    lang = await language(update, context)
    step = draft.step
    forum = await forum_of(context, int(draft.data["forum_id"]))
    if step == "doc":
        if message is not None and message.document is not None:
            await _go_on(update, context, draft, doc=[message.document.file_id, "document"])
            return
        if message is not None and message.photo:
            await _go_on(update, context, draft, doc=[message.photo[-1].file_id, "photo"])
            return
        await reply(update, t("agr.bad.doc", lang), [skip_row(lang, "doc")])
        return
    if step in ("parties", "bidang", "rhythm", "confirm"):
        await reply(update, t("bad.use_buttons", lang))
        return
    text = await message_text(update)
    if text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    try:
        if step == "third":
            names = [n.strip() for n in text.replace(";", "\n").replace(",", "\n").split("\n") if n.strip()]
            for name in names:
                clean(name, "third")
            if len(names) + len(draft.data["villages"]) > rules.MAX_PARTIES:
                raise InvalidInput("agr.bad.too_many_parties", max=rules.MAX_PARTIES)
            await _go_on(update, context, draft, third=names)
        elif step == "rights":
            await _go_on(update, context, draft, rights=[*draft.data["rights"], clean(text, step)])
        elif step == "famount":
            try:
                amount = parse_rupiah(text)
            except RupiahParseError:
                raise InvalidInput("agr.bad.rupiah") from None
            if amount <= 0:
                raise InvalidInput("agr.bad.rupiah")
            await _go_on(update, context, draft, famount=amount)
        elif step == "start":
            await _go_on(update, context, draft, start=parse_day(text, context, forum).isoformat())
        elif step == "end":
            end = parse_day(text, context, forum, end=True)
            start = date.fromisoformat(draft.data["start"])
            if end <= start:
                raise InvalidInput("agr.bad.end_before_start", start=format_date(start, lang))
            await _go_on(update, context, draft, end=end.isoformat())
        else:
            await _go_on(update, context, draft, **{step: clean(text, step)})
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


@button_handler
async def on_toggle_party(update: Update, context: BotContext, data: CallbackData) -> None:
    """Choose or unchoose one village as a party."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "parties")
    code = draft.data["choices"][data.int_arg(0)][0]
    villages = list(draft.data["villages"])
    if code in villages:
        villages.remove(code)
    elif len(villages) >= rules.MAX_PARTIES:
        raise InvalidInput("agr.bad.too_many_parties", max=rules.MAX_PARTIES)
    else:
        villages.append(code)
    draft = await forms.advance(context, draft, "parties", villages=villages)
    lang = await language(update, context)
    await edit_or_reply(update, t("agr.new.ask_parties", lang), _parties_keyboard(draft.data, lang))


@button_handler
async def on_parties_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """At least two villages; a member who is not staff must be one of them."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "parties")
    if len(draft.data["villages"]) < 2:
        raise InvalidInput("agr.bad.two_villages")
    await running.require_may_register(context.services, int(draft.data["forum_id"]), user.id,
                                       draft.data["villages"])
    lang = await language(update, context)
    names = ", ".join(_all_parties(draft.data))
    await edit_or_reply(update, t("agr.new.parties_chosen", lang, parties=names))
    draft = await forms.advance(context, draft, "third")
    await ask_new(update, context, draft)


@button_handler
async def on_skip(update: Update, context: BotContext, data: CallbackData) -> None:
    """Skip an optional question of registration."""
    user = user_of(update)
    step = data.arg(0)
    draft = await forms.current(context, user.id)
    if draft is None or draft.step != step:
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if draft.flow == NEW and step in OPTIONAL:
        value: Any = None
        if step == "rights":
            value = [*draft.data["rights"], None]
        elif step == "third":
            value = []
        await _go_on(update, context, draft, **{step: value})
    else:
        raise StaleAction()


@button_handler
async def on_bidang(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "bidang")
    code = data.arg(0)
    if code not in {b.code for b in BIDANG}:
        raise StaleAction()
    lang = await language(update, context)
    await edit_or_reply(update, t("agr.new.bidang_chosen", lang, bidang=bidang_label(code, lang)))
    await _go_on(update, context, draft, bidang=code)


@button_handler
async def on_rhythm(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "rhythm")
    rhythm = data.arg(0)
    if rhythm not in RHYTHM_MONTHS:
        raise StaleAction()
    lang = await language(update, context)
    await edit_or_reply(update, t("agr.new.rhythm_chosen", lang, rhythm=rules.rhythm_label(rhythm, lang)))
    await _go_on(update, context, draft, rhythm=rhythm)


async def _ask_confirm(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    d = draft.data
    names = _all_parties(d)
    rights = list(d["rights"]) + [None] * (len(names) - len(d["rights"]))
    lines = signed_views.card_lines(lang=lang, title=d["title"], parties=list(zip(names, rights, strict=True)),
                                    bidang=d.get("bidang"), objective=d.get("objective"), scope=d.get("scope"),
                                    fsource=d.get("fsource"), famount=d.get("famount"), legal=d.get("legal"),
                                    start=date.fromisoformat(d["start"]), end=date.fromisoformat(d["end"]),
                                    body=d.get("body"), rhythm=d.get("rhythm") or DEFAULT_RHYTHM,
                                    has_doc=bool(d.get("doc")))
    rows = [[(str(t("agr.new.save", lang)), encode(FEATURE, "save")),
             (str(t("core.cancel", lang)), encode(FEATURE, "drop"))]]
    await reply(update, str(t("agr.new.confirm", lang)) + "\n\n" + "\n".join(lines), rows)


@button_handler
async def on_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the agreement, tell the other parties and the koordinator."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "confirm")
    d = draft.data
    lang = await language(update, context)
    names = {c[0]: c[1] for c in d["choices"]}
    rights = list(d["rights"]) + [None] * (len(_all_parties(d)) - len(d["rights"]))
    parties = [NewParty(kind="desa", village_code=code, name=names[code]) for code in d["villages"]]
    parties += [NewParty(kind="pihak_ketiga", name=name) for name in d["third"]]
    parties = [p.model_copy(update={"rights_obligations": r}) for p, r in zip(parties, rights, strict=True)]
    doc = d.get("doc") or [None, None]
    signed = running.Signed(
        title=d["title"], parties=parties, bidang=d.get("bidang"), objective=d.get("objective"),
        scope=d.get("scope"), funding_source=d.get("fsource"), funding_amount=d.get("famount"),
        legal_basis=d.get("legal"), executing_body=d.get("body"), start=date.fromisoformat(d["start"]),
        end=date.fromisoformat(d["end"]), rhythm=d.get("rhythm"), document=(doc[0], doc[1]))
    agreement_id = await running.register_signed(context.services, int(d["forum_id"]), user.id, signed, lang)
    await edit_or_reply(update, t("agr.new.saved", lang, title=d["title"]),
                        [[(str(t("agr.open_button", lang)), encode(FEATURE, "o", agreement_id))]])


@button_handler
async def on_drop(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await forms.expect(context, user.id, NEW, "confirm")
    await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# =============================================================================================
# /kerjasama: list and detail
# =============================================================================================
@command_handler
async def list_agreements(update: Update, context: BotContext) -> None:
    """The user's agreements with their state; buttons open each one."""
    if not await private_only(update, context, "kerjasama"):
        return
    await run_in_forum(update, context, "kerjasama")


@forum_action("kerjasama", Action.VIEW_MEMBERS)
async def show_list(update: Update, context: BotContext, forum: Forum) -> None:
    listed = await running.listing(context.services, forum, user_of(update).id)
    await send_view(update, signed_views.listing(listed, await language(update, context)))


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show one agreement with its whole history (for parties, koordinator and pendamping)."""
    user = user_of(update)
    agreement, membership, member = await viewable(context, data.int_arg(0), user.id)
    if agreement.stage not in ("pelaksanaan", "pelaporan"):
        # Not signed yet, suspended or cancelled: the lifecycle record (its stages and timeline).
        loaded = await kerjasama.load(context.services, agreement.id, user.id)
        forum = await forum_of(context, agreement.forum_id)
        view = views.record(loaded.record, loaded.standing, await language(update, context), forum_zone(forum))
        await reply(update, view.text, markup=view.markup())
        return
    await show_agreement(update, context, agreement, membership, member)


async def show_agreement(update: Update, context: BotContext, agreement: Agreement, membership: Membership,
                         member: Member) -> None:
    forum = await forum_of(context, agreement.forum_id)
    loaded = await running.detail(context.services, agreement, forum_zone(forum))
    viewer = signed_views.Viewer(user_id=member.user_id, staff=membership.role in STAFF, village=member.village_code,
                                 kades=member.jabatan in pushes.KADES_JABATAN)
    await send_view(update, signed_views.detail(loaded, viewer, await language(update, context)))


@button_handler
async def on_document(update: Update, context: BotContext, data: CallbackData) -> None:
    """Send the signed document (PDF or photo) again."""
    user = user_of(update)
    agreement, _, _ = await viewable(context, data.int_arg(0), user.id)
    chat = update.effective_chat
    if not agreement.document_file_id or chat is None:
        raise NotFound()
    caption = str(t("agr.detail.doc_caption", await language(update, context), title=agreement.title))
    if agreement.document_kind == "photo":
        await chat.send_photo(agreement.document_file_id, caption=caption, parse_mode="HTML")
    else:
        await chat.send_document(agreement.document_file_id, caption=caption, parse_mode="HTML")


# =============================================================================================
# wiring
# =============================================================================================
async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    if draft.flow == NEW:
        await ask_new(update, context, draft)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("kerjasama_baru", new_agreement))
    app.add_handler(CommandHandler("kerjasama", list_agreements))
    forms.register_form(NEW, on_new_input, reprompt)
    buttons = {
        "pv": on_toggle_party, "pd": on_parties_done, "sk": on_skip, "bd": on_bidang, "rh": on_rhythm,
        "nw": on_new_choice, "save": on_save, "drop": on_drop, "o": on_open, "doc": on_document,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
