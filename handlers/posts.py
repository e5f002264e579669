"""Berbagi pengalaman: /berbagi, the group card and its buttons, comments, /baca, /cari,
/berbagi_terbaru, /tersimpan, /ringkasan and the weekly digest planner.

Other features create posts with `create_post(services, ...)` (visit reports become posts).
Every button checks on the server that the presser is an active member of the post's forum;
members of one forum never see another forum's posts (search, /baca, buttons).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.bidang import BIDANG, bidang_label
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.errors import InvalidInput, NotAMember, NotFound, NotPermitted, StaleAction
from bot.permissions import Action, allowed
from bot.posts import rules
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_date, format_date_short
from handlers import forms
from handlers.common import (
    answer,
    button_handler,
    button_rows,
    command_args,
    command_handler,
    edit_or_reply,
    is_private,
    keyboard,
    language,
    private_only,
    register_planner,
    remove_buttons,
    reply,
    split_text,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from storage import outbox
from storage.directory import register_search_source
from storage.models import Draft, Forum
from storage.planning import PlanningRepo
from storage.posts import CARD_KEY, Post, PostRepo, village_hits

log = logging.getLogger(__name__)

FEATURE = "e"
TOPIC = "posts"
FORM = "post"
EDIT = "post_edit"
COMMENT = "post_comment"
ASK = "post_ask"
ANSWER = "post_answer"
HIDE = "post_hide"
SEARCH_WORDS = "post_search"  # the words after a bare /cari
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
READ_CHUNK = 3500


def post_repo(source: BotContext | Services) -> PostRepo:
    services = source.services if isinstance(source, BotContext) else source
    return PostRepo(services.db)


def _weekday(day: int, lang: str) -> str:
    return (WEEKDAYS_EN if lang == "en" else WEEKDAYS_ID)[day]


# == creating posts (also for other features) =====================================================
async def create_post(services: Services, *, forum_id: int, author_user_id: int, title: str, bidang: str,
                      kind: str, story: str, credited_village_codes: Sequence[str] = (),
                      link_type: str | None = None, link_id: int | None = None, publish: bool = True) -> int:
    """Create a published post and, with `publish`, announce its card in the forum's group.

    The author must be an active member allowed to post. `publish=False` keeps the post out
    of the group (it is still in search, /baca and digests). Raises InvalidInput for a bad
    title, story, bidang, kind or link type. Returns the post id.
    """
    await services.access.require(forum_id, author_user_id, Action.POST)
    title = rules.clean_title(title)
    story = rules.check_story(story)
    rules.check_bidang(bidang)
    rules.check_kind(kind)
    if link_type is not None and link_type not in rules.LINK_TYPES:
        raise InvalidInput("post.bad_link")
    async with services.db.transaction() as conn:
        post_id = await _insert_post(conn, services, forum_id=forum_id, author_user_id=author_user_id,
                                     title=title, bidang=bidang, kind=kind, story=story,
                                     credited=list(credited_village_codes), link_type=link_type,
                                     link_id=link_id, attachments=[], announce=publish)
    services.delivery.wake()
    return post_id


async def _insert_post(conn: aiosqlite.Connection, services: Services, *, forum_id: int, author_user_id: int,
                       title: str, bidang: str, kind: str, story: str, credited: list[str],
                       link_type: str | None, link_id: int | None,
                       attachments: list[tuple[str, str, str | None]], announce: bool) -> int:
    now = services.clock.now()
    village_code = await services.access.village_of(forum_id, author_user_id)  # approved in this forum
    repo = post_repo(services)
    post_id = await repo.create(conn, forum_id=forum_id, author_user_id=author_user_id,
                                village_code=village_code, title=title, bidang=bidang,
                                kind=kind, story=story, now=now, credited_villages=credited,
                                link_type=link_type, link_id=link_id, attachments=attachments)
    log.info("event=post_created post=%s forum=%s author=%s kind=%s", post_id, forum_id, author_user_id, kind)
    if announce:
        await _enqueue_card(conn, services, post_id, forum_id, now, attachments=attachments, new=True)
    return post_id


async def _card_content(services: Services, post: Post, lang: str, *,
                        attachments: int | None = None) -> tuple[Html, list[list[tuple[str, str]]]]:
    forum = await services.forums.get(post.forum_id)
    tz = ZoneInfo(forum.timezone if forum else "Asia/Jakarta")
    credited = await _village_names(services, post.credited_villages)
    if attachments is None:
        attachments = len(await post_repo(services).attachments(post.id))
    html, cut = rules.card_html(post_id=post.id, title=post.title, kind=post.kind, bidang=post.bidang,
                                story=post.story, info=rules.CardInfo(post.author_name, post.village_name, credited),
                                created_at=post.created_at, tz=tz, lang=lang, attachments=attachments)
    return html, _card_rows(post, lang, cut)


def _card_rows(post: Post, lang: str, cut: bool) -> list[list[tuple[str, str]]]:
    rows = [[(str(t("post.btn_thanks", lang, count=post.thanks_count)), encode(FEATURE, "ty", post.id)),
             (str(t("post.btn_ask", lang)), encode(FEATURE, "ask", post.id))],
            [(str(t("post.btn_save", lang)), encode(FEATURE, "sv", post.id))]]
    if cut:
        rows[1].append((str(t("post.btn_more", lang)), encode(FEATURE, "full", post.id)))
    return rows


async def _village_names(services: Services, codes: Sequence[str]) -> tuple[str, ...]:
    names = []
    for code in codes:
        region = await services.regions.get(code)
        names.append(region.name if region else code)
    return tuple(names)


async def _enqueue_card(conn: aiosqlite.Connection, services: Services, post_id: int, forum_id: int,
                        now: datetime, *, attachments: Sequence[tuple[str, str, str | None]] = (),
                        new: bool = False) -> None:
    """Queue the group card (and attachments) inside the caller's transaction."""
    forum = await services.forums.get(forum_id)
    if forum is None or forum.group_chat_id is None:
        return
    post = await _post_in(conn, post_id)
    lang = forum.language
    html, rows = await _card_content(services, post, lang, attachments=len(attachments) if new else None)
    thread_id = await services.forums.topic(forum_id, TOPIC)
    await outbox.enqueue(conn, key=CARD_KEY.format(id=post_id), chat_id=forum.group_chat_id, text=html,
                         reply_markup=outbox.inline_keyboard(rows), thread_id=thread_id, due_at=now, now=now,
                         forum_id=forum_id)
    for index, (kind, file_id, _name) in enumerate(attachments, start=1):
        caption = t("post.attachment_caption", lang, title=post.title, id=post_id, n=index, total=len(attachments))
        method, field = ("sendPhoto", "photo") if kind == "photo" else ("sendDocument", "document")
        await outbox.enqueue(conn, key=f"post:{post_id}:att:{index}", chat_id=forum.group_chat_id, text=caption,
                             method=method, params={field: file_id}, thread_id=thread_id, due_at=now, now=now,
                             forum_id=forum_id)


async def _post_in(conn: aiosqlite.Connection, post_id: int) -> Post:
    """The post as seen inside a transaction (the reader connection would not see it yet)."""
    from storage.posts import _POST_SELECT, _post

    async with conn.execute(f"{_POST_SELECT} WHERE p.id = ?", (post_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise NotFound("post.not_found")
    return _post(row)


async def _refresh_card(conn: aiosqlite.Connection, services: Services, post_id: int, now: datetime, *,
                        tombstone: str | None = None, markup_only: bool = False) -> None:
    """Bring the group card up to date: re-queue it if unsent, else edit it through the outbox."""
    repo = post_repo(services)
    key = CARD_KEY.format(id=post_id)
    pending = await outbox.is_pending(conn, key)
    post = await _post_in(conn, post_id)
    forum = await services.forums.get(post.forum_id)
    if forum is None or forum.group_chat_id is None:
        return
    if pending:
        await outbox.cancel_prefix(conn, f"post:{post_id}:")
        if tombstone is None:
            atts = [(a.kind, a.file_id, a.file_name) for a in await repo.attachments(post_id)]
            await _enqueue_card(conn, services, post_id, post.forum_id, now, attachments=atts, new=True)
        return
    card = await repo.card_message(post_id)
    if card is None:
        return
    chat_id, message_id = card
    stamp = _event_id(now)
    if markup_only:
        _, rows = await _card_content(services, post, forum.language)
        await outbox.cancel_prefix(conn, f"post:{post_id}:mk:")
        await outbox.enqueue(conn, key=f"post:{post_id}:mk:{stamp}", chat_id=chat_id, method="editMessageReplyMarkup",
                             params={"message_id": message_id}, reply_markup=outbox.inline_keyboard(rows),
                             due_at=now, now=now, forum_id=post.forum_id)
        return
    await outbox.cancel_prefix(conn, f"post:{post_id}:ed:")
    await outbox.cancel_prefix(conn, f"post:{post_id}:mk:")
    if tombstone is not None:
        await outbox.enqueue(conn, key=f"post:{post_id}:ed:{stamp}", chat_id=chat_id, method="editMessageText",
                             text=tombstone, params={"message_id": message_id}, due_at=now, now=now,
                             forum_id=post.forum_id)
        return
    html, rows = await _card_content(services, post, forum.language)
    await outbox.enqueue(conn, key=f"post:{post_id}:ed:{stamp}", chat_id=chat_id, method="editMessageText",
                         text=html, params={"message_id": message_id}, reply_markup=outbox.inline_keyboard(rows),
                         due_at=now, now=now, forum_id=post.forum_id)


def _event_id(now: datetime) -> str:
    """A unique suffix for the outbox key of a one-off event (an edit, a question): the time
    plus randomness, so two events in the same millisecond (or under a fixed test clock) differ."""
    return f"{int(now.timestamp())}-{secrets.token_hex(4)}"


# == access ======================================================================================
async def _visible_post(context: BotContext, post_id: int, user_id: int, *,
                        action: Action = Action.POST) -> tuple[Post, Forum, str]:
    """The published post if the user is an active member of its forum; (post, forum, role)."""
    post = await post_repo(context).get(post_id)
    if post is None:
        raise NotFound("post.not_found")
    try:
        forum, membership = await context.services.access.require(post.forum_id, user_id, action)
    except NotPermitted as exc:
        if isinstance(exc, NotAMember):
            raise NotFound("post.not_found") from exc  # another forum's post: do not even confirm it exists
        raise
    if post.status != "published" and post.author_user_id != user_id:
        raise NotFound("post.not_found")
    return post, forum, membership.role


async def _search_forums(context: BotContext, update: Update, user_id: int) -> tuple[list[int], int | None]:
    """The forums a search covers: the group's forum in a group, else all the user's forums."""
    services = context.services
    if not is_private(update):
        chat = update.effective_chat
        forum = await services.forums.by_group(chat.id) if chat else None
        if forum is None:
            raise StaleAction("core.group_not_linked")
        await services.access.require(forum.id, user_id, Action.POST)
        return [forum.id], forum.id
    forum_list = await services.access.forums_for(user_id, Action.POST)
    if not forum_list:
        raise NotAMember("err.not_member_any")
    return [f.id for f in forum_list], None


# == /berbagi: the form ============================================================================
@command_handler
async def share(update: Update, context: BotContext) -> None:
    """Start the guided form for a new post (private chat)."""
    if not await private_only(update, context, "berbagi"):
        return
    await run_in_forum(update, context, "berbagi")


@forum_action("berbagi", Action.POST)
async def _start_form(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    draft = await forms.begin(context, user.id, FORM, "title", {"forum_id": forum.id, "parts": [], "atts": []})
    await ask_step(update, context, draft)


async def ask_step(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the question of the form's current step (also after a restart or /start)."""
    lang = await language(update, context)
    step = draft.step
    if draft.flow == FORM:
        if step == "title":
            await reply(update, t("post.ask_title", lang))
        elif step == "bidang":
            rows = button_rows([(f"{b.emoji} {b.label(lang)}".strip(), encode(FEATURE, "fb", b.code))
                                for b in BIDANG], 2)
            await reply(update, t("post.ask_bidang", lang), rows)
        elif step == "kind":
            rows = [[(rules.kind_label(k, lang), encode(FEATURE, "fk", k))] for k in rules.KINDS]
            await reply(update, t("post.ask_kind", lang), rows)
        elif step == "story":
            await reply(update, t("post.ask_story", lang, max=rules.STORY_MAX))
        elif step == "attach":
            await reply(update, t("post.ask_attach", lang, max=rules.MAX_ATTACHMENTS),
                        [[(t("post.btn_next", lang), encode(FEATURE, "fa"))]])
        elif step == "link":
            await reply(update, t("post.ask_link", lang), [
                [(t("post.link_agreement", lang), encode(FEATURE, "fl", "agreement")),
                 (t("post.link_visit", lang), encode(FEATURE, "fl", "visit"))],
                [(t("post.link_none", lang), encode(FEATURE, "fl", "none"))]])
        elif step == "link_id":
            await reply(update, t("post.ask_link_id", lang, what=t(f"post.link_{draft.data['link_type']}", lang)))
        elif step == "preview":
            await _preview(update, context, draft)
    elif draft.flow == EDIT:
        key = "post.ask_new_title" if draft.data["field"] == "title" else "post.ask_new_story"
        await reply(update, t(key, lang, max=rules.STORY_MAX))
    elif draft.flow == COMMENT:
        await reply(update, t("post.ask_comment", lang, title=draft.data.get("title", "")))
    elif draft.flow == ASK:
        await reply(update, t("post.ask_question", lang, title=draft.data.get("title", "")))
    elif draft.flow == ANSWER:
        await reply(update, t("post.ask_answer", lang))
    elif draft.flow == HIDE:
        await reply(update, t("post.ask_hide_reason", lang))


def _attachment_of(message: Message) -> tuple[str, str, str | None] | None:
    if message.photo:
        return ("photo", message.photo[-1].file_id, None)
    if message.document:
        return ("document", message.document.file_id, message.document.file_name)
    return None


async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed answers (and photos/documents) for the post forms."""
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    try:
        if draft.flow == FORM:
            await _form_input(update, context, draft, message, lang)
        elif draft.flow == EDIT:
            await _edit_input(update, context, draft, message, lang)
        elif draft.flow == COMMENT:
            await _comment_input(update, context, draft, message, lang)
        elif draft.flow == ASK:
            await _question_input(update, context, draft, message, lang)
        elif draft.flow == ANSWER:
            await _answer_input(update, context, draft, message, lang)
        elif draft.flow == HIDE:
            await _hide_input(update, context, draft, message, lang)
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


async def _form_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    step = draft.step
    text = message.text or message.caption
    attachment = _attachment_of(message)
    if step == "title":
        if not message.text:
            raise InvalidInput("bad.text_expected")
        draft = await forms.advance(context, draft, "bidang", title=rules.clean_title(message.text))
        await ask_step(update, context, draft)
    elif step == "story":
        await _add_story_part(update, context, draft, text, attachment, lang, done_action="fs")
    elif step == "attach":
        if attachment is None:
            await reply(update, t("post.attach_expected", lang), [[(t("post.btn_next", lang), encode(FEATURE, "fa"))]])
            return
        atts = list(draft.data.get("atts", []))
        if len(atts) >= rules.MAX_ATTACHMENTS:
            raise InvalidInput("post.attach_full", max=rules.MAX_ATTACHMENTS)
        atts.append(list(attachment))
        await forms.advance(context, draft, "attach", atts=atts)
        await reply(update, t("post.attach_added", lang, count=len(atts), max=rules.MAX_ATTACHMENTS),
                    [[(t("post.btn_next", lang), encode(FEATURE, "fa"))]])
    elif step == "link_id":
        raw = (message.text or "").strip().lstrip("#")
        if not raw.isdigit() or not 0 < int(raw) < 10**12:
            raise InvalidInput("post.bad_link_id")
        link_type = draft.data["link_type"]
        found = await post_repo(context).link_target_exists(link_type, int(raw), int(draft.data["forum_id"]))
        if found is False:
            raise InvalidInput("post.link_not_found", id=raw)
        draft = await forms.advance(context, draft, "preview", link_id=int(raw))
        await ask_step(update, context, draft)
    else:
        await reply(update, t("bad.use_buttons", lang))


async def _add_story_part(update: Update, context: BotContext, draft: Draft, text: str | None,
                          attachment: tuple[str, str, str | None] | None, lang: str, *, done_action: str) -> None:
    """Append one message to the story being written (and keep a photo/document sent with it)."""
    parts = list(draft.data.get("parts", []))
    atts = list(draft.data.get("atts", []))
    if text is None and attachment is None:
        raise InvalidInput("bad.text_expected")
    if text:
        piece = rules.clean_text(text)
        total = len(rules.join_story([*parts, piece]))
        if total > rules.STORY_MAX:
            raise InvalidInput("post.story_long", max=rules.STORY_MAX)
        parts.append(piece)
    if attachment is not None and draft.flow == FORM:
        if len(atts) >= rules.MAX_ATTACHMENTS:
            raise InvalidInput("post.attach_full", max=rules.MAX_ATTACHMENTS)
        atts.append(list(attachment))
    await forms.advance(context, draft, draft.step, parts=parts, atts=atts)
    length = len(rules.join_story(parts))
    await reply(update, t("post.story_received", lang, length=length, parts=len(parts)),
                [[(t("post.btn_done", lang), encode(FEATURE, done_action))]])


@button_handler
async def on_form_bidang(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "bidang")
    code = rules.check_bidang(data.arg(0))
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "kind", bidang=code)
    await ask_step(update, context, draft)


@button_handler
async def on_form_kind(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "kind")
    kind = rules.check_kind(data.arg(0))
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "story", kind=kind, parts=[])
    await ask_step(update, context, draft)


@button_handler
async def on_form_story_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "story")
    lang = await language(update, context)
    try:
        rules.check_story(rules.join_story(draft.data.get("parts", [])))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))
        return
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "attach")
    await ask_step(update, context, draft)


@button_handler
async def on_form_attach_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "attach")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "link")
    await ask_step(update, context, draft)


@button_handler
async def on_form_link(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "link")
    choice = data.arg(0)
    if choice not in (*rules.LINK_TYPES, "none"):
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if choice == "none":
        draft = await forms.advance(context, draft, "preview", link_type=None, link_id=None)
    else:
        draft = await forms.advance(context, draft, "link_id", link_type=choice)
    await ask_step(update, context, draft)


async def _preview(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    services = context.services
    user = user_of(update)
    d = draft.data
    member = await services.members.get(user.id)
    village = await services.regions.get(member.village_code) if member and member.village_code else None
    forum = await services.forums.get(int(d["forum_id"]))
    tz = ZoneInfo(forum.timezone if forum else "Asia/Jakarta")
    html, _ = rules.card_html(post_id=0, title=d["title"], kind=d["kind"], bidang=d["bidang"],
                              story=rules.join_story(d["parts"]),
                              info=rules.CardInfo(member.full_name if member else user.full_name,
                                                  village.name if village else None),
                              created_at=services.clock.now(), tz=tz, lang=lang, attachments=len(d.get("atts", [])))
    link = ""
    if d.get("link_type"):
        link = "\n" + str(t("post.preview_link", lang, what=t(f"post.link_{d['link_type']}", lang), id=d["link_id"]))
    text = f"{t('post.preview_title', lang, forum=forum.name if forum else '')}\n\n{html}{link}"
    rows = [[(t("post.btn_publish", lang), encode(FEATURE, "fp"))],
            [(t("post.btn_restart", lang), encode(FEATURE, "fr")), (t("core.cancel", lang), encode(FEATURE, "fx"))]]
    await reply(update, text, rows)


@button_handler
async def on_publish(update: Update, context: BotContext, data: CallbackData) -> None:
    """Publish the previewed post: save it, queue its card for the group, end the form."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    services = context.services
    lang = await language(update, context)
    d = draft.data
    forum, _ = await services.access.require(int(d["forum_id"]), user.id, Action.POST)
    title = rules.clean_title(d["title"])
    story = rules.check_story(rules.join_story(d["parts"]))
    atts = [(str(a[0]), str(a[1]), a[2]) for a in d.get("atts", [])]
    async with services.db.transaction() as conn:
        post_id = await _insert_post(conn, services, forum_id=forum.id, author_user_id=user.id, title=title,
                                     bidang=rules.check_bidang(d["bidang"]), kind=rules.check_kind(d["kind"]),
                                     story=story, credited=[], link_type=d.get("link_type"),
                                     link_id=d.get("link_id"), attachments=atts, announce=True)
        await services.drafts.delete(conn, user.id)
    services.delivery.wake()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    key = "post.published_group" if forum.group_chat_id else "post.published"
    await reply(update, t(key, lang, id=post_id, title=title))


@button_handler
async def on_restart(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.begin(context, user.id, FORM, "title",
                              {"forum_id": draft.data["forum_id"], "parts": [], "atts": []})
    await ask_step(update, context, draft)


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.current(context, user.id)
    if draft is not None and draft.flow in (FORM, EDIT, COMMENT, ASK, ANSWER, HIDE):
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("core.cancelled", await language(update, context)))


# == reading: /baca, Baca selengkapnya ==============================================================
@command_handler
async def read(update: Update, context: BotContext) -> None:
    """Show one post in full with its comments: /baca 12 (or the /baca_12 links in lists)."""
    lang = await language(update, context)
    message = update.effective_message
    arg = command_args(context)
    if not arg and message and message.text and message.text.startswith("/baca_"):
        arg = message.text.split()[0][len("/baca_"):].split("@")[0]
    arg = arg.lstrip("#")
    if not arg.isdigit():
        await reply(update, t("post.read_usage", lang))
        return
    user = user_of(update)
    post, forum, role = await _visible_post(context, int(arg), user.id)
    if not is_private(update):
        chat = update.effective_chat
        if chat is None or forum.group_chat_id != chat.id:
            raise NotFound("post.not_found")  # a group only shows its own forum's posts
    await _send_full(update, context, post, role, lang, private=is_private(update))


async def _send_full(update: Update, context: BotContext, post: Post, role: str, lang: str, *,
                     private: bool, chat_id: int | None = None) -> None:
    """The full post, its attachments and comments, with the buttons that fit the reader."""
    services = context.services
    repo = post_repo(context)
    user = user_of(update)
    forum = await services.forums.get(post.forum_id)
    tz = ZoneInfo(forum.timezone if forum else "Asia/Jakarta")
    atts = await repo.attachments(post.id)
    credited = await _village_names(services, post.credited_villages)
    note = None
    if post.status == "withdrawn":
        note = str(t("post.note_withdrawn", lang))
    elif post.status == "hidden":
        note = str(t("post.note_hidden", lang, reason=post.hidden_reason or "-"))
    pieces = rules.chunks(post.story, READ_CHUNK)
    head, _ = rules.card_html(post_id=post.id, title=post.title, kind=post.kind, bidang=post.bidang,
                              story=pieces[0], info=rules.CardInfo(post.author_name, post.village_name, credited),
                              created_at=post.created_at, tz=tz, lang=lang, full=True, attachments=len(atts),
                              status_note=note)
    messages = [str(head)] + [str(Html(t("post.card_story", lang, story=p))) for p in pieces[1:]]
    if post.edited_at:
        messages[-1] += "\n" + str(t("post.edited_mark", lang, date=format_date_short(post.edited_at.astimezone(tz).date(), lang)))
    if post.link_type:
        messages[-1] += "\n" + str(t("post.preview_link", lang, what=t(f"post.link_{post.link_type}", lang),
                                     id=post.link_id))
    comments = await repo.comments(post.id)
    if comments:
        lines = [str(t("post.comments_title", lang, count=post.comments_count))]
        for c in comments:
            lines.append(str(t("post.comment_line", lang, name=c.author_name,
                               village=c.village_name or "-", date=format_date_short(c.created_at.astimezone(tz).date(), lang),
                               text=rules.shorten(c.text, 600)[0])))
        messages.append("\n".join(lines))
    elif private and post.status == "published":
        messages[-1] += "\n\n" + str(t("post.no_comments", lang))
    rows = await _reader_rows(context, post, user.id, role, lang, private=private)
    target = chat_id if chat_id is not None else (update.effective_chat.id if update.effective_chat else user.id)
    thread_id = None
    if chat_id is None and update.effective_message is not None and update.effective_message.is_topic_message:
        thread_id = update.effective_message.message_thread_id
    bot = context.bot
    parts = [part for text in messages for part in split_text(text)]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await bot.send_message(target, part, parse_mode=ParseMode.HTML, message_thread_id=thread_id,
                               reply_markup=keyboard(rows) if last and rows else None,
                               disable_web_page_preview=True)
    if private:
        for att in atts:
            if att.kind == "photo":
                await bot.send_photo(target, att.file_id)
            else:
                await bot.send_document(target, att.file_id)


async def _reader_rows(context: BotContext, post: Post, user_id: int, role: str, lang: str, *,
                       private: bool) -> list[list[tuple[str, str]]]:
    if post.status != "published":
        return []
    if not private:
        return _card_rows(post, lang, cut=False)
    repo = post_repo(context)
    saved = await repo.is_bookmarked(post.id, user_id)
    rows = [[(str(t("post.btn_thanks", lang, count=post.thanks_count)), encode(FEATURE, "ty", post.id)),
             (str(t("post.btn_saved" if saved else "post.btn_save", lang)), encode(FEATURE, "sv", post.id))],
            [(str(t("post.btn_comment", lang)), encode(FEATURE, "cm", post.id))]]
    if post.author_user_id != user_id:
        rows[1].append((str(t("post.btn_ask", lang)), encode(FEATURE, "ask", post.id)))
    else:
        rows.append([(str(t("post.btn_edit", lang)), encode(FEATURE, "ed", post.id)),
                     (str(t("post.btn_withdraw", lang)), encode(FEATURE, "wd", post.id))])
    if allowed(role, Action.MODERATE_POSTS) and post.author_user_id != user_id:  # type: ignore[arg-type]
        rows.append([(str(t("post.btn_hide", lang)), encode(FEATURE, "hd", post.id))])
    return rows


@button_handler
async def on_full(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Baca selengkapnya": the full post in the presser's private chat."""
    user = user_of(update)
    post, _forum, role = await _visible_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    if is_private(update):
        await _send_full(update, context, post, role, lang, private=True)
        return
    await _send_private(update, context, lambda: _send_full(update, context, post, role, lang, private=True,
                                                            chat_id=user.id))
    assert update.callback_query is not None
    await answer(update.callback_query, t("post.sent_private", lang, bot=context.services.bot_username), alert=True)


async def _send_private(update: Update, context: BotContext, send: Any) -> None:
    """Run `send()` (which writes to the presser's private chat); a user who never started the bot
    gets an alert asking them to open it first."""
    try:
        await send()
    except (Forbidden, BadRequest) as exc:
        log.info("event=private_send_refused reason=%s", type(exc).__name__)
        raise StaleAction("post.start_bot_first", bot=context.services.bot_username) from exc


# == buttons: thanks, bookmark ======================================================================
@button_handler
async def on_thanks(update: Update, context: BotContext, data: CallbackData) -> None:
    """Bermanfaat: one thanks per member; a double press or replayed update counts once."""
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    query = update.callback_query
    assert query is not None
    if post.status != "published":
        raise NotFound("post.not_found")
    if post.author_user_id == user.id:
        await answer(query, t("post.thanks_own", lang), alert=True)
        return
    services = context.services
    added, count = await post_repo(context).thank(post.id, user.id, services.clock.now())
    if not added:
        await answer(query, t("post.thanks_again", lang))
        return
    post = post.model_copy(update={"thanks_count": count})
    await answer(query, t("post.thanks_done", lang))
    card = await post_repo(context).card_message(post.id)
    message = query.message
    on_card = card is not None and message is not None and (message.chat.id, message.message_id) == card
    if on_card:
        forum = await services.forums.get(post.forum_id)
        flang = forum.language if forum else lang
        _, rows = await _card_content(services, post, flang)
        try:
            await query.edit_message_reply_markup(reply_markup=keyboard(rows))
        except BadRequest:
            pass
        return
    if message is not None and is_private(update):
        role = (await services.members.membership(post.forum_id, user.id))
        rows = await _reader_rows(context, post, user.id, role.role if role else "anggota", lang, private=True)
        try:
            await query.edit_message_reply_markup(reply_markup=keyboard(rows))
        except BadRequest:
            pass
    async with services.db.transaction() as conn:
        await _refresh_card(conn, services, post.id, services.clock.now(), markup_only=True)
    services.delivery.wake()


@button_handler
async def on_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Simpan: bookmark (or un-bookmark) the post for /tersimpan."""
    user = user_of(update)
    post, _forum, role = await _visible_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    saved = await post_repo(context).toggle_bookmark(post.id, user.id, context.services.clock.now())
    query = update.callback_query
    assert query is not None
    await answer(query, t("post.saved" if saved else "post.unsaved", lang), alert=not is_private(update))
    if is_private(update) and query.message is not None:
        rows = await _reader_rows(context, post, user.id, role, lang, private=True)
        if any(d == encode(FEATURE, "sv", post.id) for row in rows for _, d in row):
            try:
                await query.edit_message_reply_markup(reply_markup=keyboard(rows))
            except BadRequest:
                pass


# == comments, questions, answers =================================================================
@button_handler
async def on_comment(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanggapi (private chat): the next message becomes a comment on the post."""
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, data.int_arg(0), user.id)
    if post.status != "published":
        raise NotFound("post.not_found")
    draft = await forms.begin(context, user.id, COMMENT, "text", {"post_id": post.id, "title": post.title})
    await ask_step(update, context, draft)


async def _comment_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    if not message.text:
        raise InvalidInput("bad.text_expected")
    text = rules.clean_short(message.text, rules.COMMENT_MAX, "post.comment_long")
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, int(draft.data["post_id"]), user.id)
    if post.status != "published":
        raise NotFound("post.not_found")
    services = context.services
    async with services.db.transaction() as conn:
        await _store_comment(conn, services, post, user.id, text, "private", None, None)
        await services.drafts.delete(conn, user.id)
    services.delivery.wake()
    await reply(update, t("post.comment_saved", lang, id=post.id))


async def _store_comment(conn: aiosqlite.Connection, services: Services, post: Post, user_id: int, text: str,
                         source: str, chat_id: int | None, message_id: int | None) -> int | None:
    now = services.clock.now()
    comment_id = await post_repo(services).add_comment(conn, post_id=post.id, user_id=user_id, text=text,
                                                       source=source,  # type: ignore[arg-type]
                                                       now=now, chat_id=chat_id, message_id=message_id)
    if comment_id is None or user_id == post.author_user_id:
        return comment_id
    author = await services.members.get(post.author_user_id)
    commenter = await services.members.get(user_id)
    if author is not None and author.erased_at is None:
        alang = author.language
        await outbox.enqueue(
            conn, key=f"post:{post.id}:cmt:{comment_id}:author", chat_id=author.user_id,
            member_user_id=author.user_id, forum_id=post.forum_id, due_at=now, now=now,
            text=t("post.comment_to_author", alang, name=commenter.full_name if commenter else "-",
                   title=post.title, text=rules.shorten(text, 500)[0], id=post.id),
        )
    log.info("event=post_comment post=%s user=%s source=%s", post.id, user_id, source)
    return comment_id


@command_handler
async def on_group_reply(update: Update, context: BotContext) -> None:
    """A member's reply to a post card in the group is kept as a comment (replays are ignored)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    target = message.reply_to_message
    if target.from_user is None or target.from_user.id != context.bot.id:
        return
    text = message.text or message.caption
    if not text or text.startswith("/"):
        return
    services = context.services
    repo = post_repo(context)
    post_id = await repo.post_of_message(chat.id, target.message_id)
    if post_id is None:
        return
    post = await repo.get(post_id)
    forum = await services.forums.by_group(chat.id)
    user = user_of(update)
    if post is None or forum is None or post.forum_id != forum.id or post.status != "published":
        return
    membership = await services.members.membership(forum.id, user.id)
    if membership is None or membership.status != "active":
        return  # only members' replies become part of the forum's record
    clean = rules.clean_text(text)[: rules.COMMENT_MAX]
    if not clean:
        return
    async with services.db.transaction() as conn:
        await _store_comment(conn, services, post, user.id, clean, "group", chat.id, message.message_id)
    services.delivery.wake()


@button_handler
async def on_ask(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tanya penulis: the presser writes a question privately; the bot passes it to the author."""
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    if post.status != "published":
        raise NotFound("post.not_found")
    if post.author_user_id == user.id:
        raise StaleAction("post.ask_own")
    draft = await forms.begin(context, user.id, ASK, "text", {"post_id": post.id, "title": post.title})
    if is_private(update):
        await ask_step(update, context, draft)
        return
    try:
        await context.bot.send_message(user.id, str(t("post.ask_question", lang, title=post.title)),
                                       parse_mode=ParseMode.HTML)
    except (Forbidden, BadRequest) as exc:
        await forms.finish(context, user.id)
        raise StaleAction("post.start_bot_first", bot=context.services.bot_username) from exc
    assert update.callback_query is not None
    await answer(update.callback_query, t("post.sent_private", lang, bot=context.services.bot_username), alert=True)


async def _question_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    if not message.text:
        raise InvalidInput("bad.text_expected")
    question = rules.clean_short(message.text, rules.QUESTION_MAX, "post.question_long")
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, int(draft.data["post_id"]), user.id)
    services = context.services
    author = await services.members.get(post.author_user_id)
    asker = await services.members.get(user.id)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        if author is not None and author.erased_at is None:
            question_id = await post_repo(services).add_question(conn, post.id, user.id, now)
            alang = author.language
            village = await services.regions.get(asker.village_code) if asker and asker.village_code else None
            await outbox.enqueue(
                conn, key=f"post:{post.id}:q:{user.id}:{_event_id(now)}", chat_id=author.user_id,
                member_user_id=author.user_id, forum_id=post.forum_id, due_at=now, now=now,
                text=t("post.question_to_author", alang, name=asker.full_name if asker else user.full_name,
                       village=village.name if village else "-", title=post.title, question=question),
                reply_markup=outbox.inline_keyboard(
                    [[(str(t("post.btn_answer", alang)), encode(FEATURE, "ans", question_id))]]),
            )
        await services.drafts.delete(conn, user.id)
    services.delivery.wake()
    log.info("event=post_question post=%s asker=%s", post.id, user.id)
    await reply(update, t("post.question_sent", lang))


@button_handler
async def on_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """The author answers a question; the answer goes to the asker through the bot."""
    user = user_of(update)
    question = await post_repo(context.services).question(data.int_arg(0))
    if question is None or len(data.args) != 1:  # older buttons named the asker: never trusted
        raise StaleAction()
    post_id, asker_id = question
    post, _forum, _role = await _visible_post(context, post_id, user.id)
    if post.author_user_id != user.id:
        raise StaleAction()
    draft = await forms.begin(context, user.id, ANSWER, "text", {"post_id": post.id, "asker": asker_id})
    await ask_step(update, context, draft)


async def _answer_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    if not message.text:
        raise InvalidInput("bad.text_expected")
    text = rules.clean_short(message.text, rules.QUESTION_MAX * 2, "post.question_long")
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, int(draft.data["post_id"]), user.id)
    services = context.services
    asker_id = int(draft.data["asker"])
    asker = await services.members.get(asker_id)
    membership = await services.members.membership(post.forum_id, asker_id)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        if asker is not None and membership is not None and membership.status == "active":
            qlang = asker.language
            await outbox.enqueue(
                conn, key=f"post:{post.id}:a:{asker_id}:{_event_id(now)}", chat_id=asker_id,
                member_user_id=asker_id, forum_id=post.forum_id, due_at=now, now=now,
                text=t("post.answer_to_asker", qlang, name=post.author_name, title=post.title, answer=text),
                reply_markup=outbox.inline_keyboard(
                    [[(str(t("post.btn_ask_again", qlang)), encode(FEATURE, "ask", post.id))]]),
            )
        await services.drafts.delete(conn, user.id)
    services.delivery.wake()
    await reply(update, t("post.answer_sent", lang))


# == the author's edit and withdraw; the koordinator's hide =========================================
async def _own_post(context: BotContext, post_id: int, user_id: int) -> Post:
    post, _forum, _role = await _visible_post(context, post_id, user_id)
    if post.author_user_id != user_id or post.status != "published":
        raise StaleAction("post.only_author")
    return post


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    rows = [[(t("post.edit_title", lang), encode(FEATURE, "ef", post.id, "title")),
             (t("post.edit_story", lang), encode(FEATURE, "ef", post.id, "story"))],
            [(t("post.edit_bidang", lang), encode(FEATURE, "ef", post.id, "bidang")),
             (t("post.edit_kind", lang), encode(FEATURE, "ef", post.id, "kind"))]]
    await reply(update, t("post.edit_what", lang, title=post.title), rows)


@button_handler
async def on_edit_field(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    field = data.arg(1)
    lang = await language(update, context)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if field == "bidang":
        rows = button_rows([(f"{b.emoji} {b.label(lang)}".strip(), encode(FEATURE, "eb", post.id, b.code))
                            for b in BIDANG], 2)
        await reply(update, t("post.ask_bidang", lang), rows)
    elif field == "kind":
        rows = [[(rules.kind_label(k, lang), encode(FEATURE, "ek", post.id, k))] for k in rules.KINDS]
        await reply(update, t("post.ask_kind", lang), rows)
    elif field in ("title", "story"):
        draft = await forms.begin(context, user.id, EDIT, "text", {"post_id": post.id, "field": field, "parts": []})
        await ask_step(update, context, draft)
    else:
        raise StaleAction()


async def _save_edit(update: Update, context: BotContext, post: Post, **changes: str) -> None:
    services = context.services
    now = services.clock.now()
    async with services.db.transaction() as conn:
        await post_repo(context).update_content(conn, post, now, **changes)
        await _refresh_card(conn, services, post.id, now)
        await services.drafts.delete(conn, post.author_user_id)
    services.delivery.wake()
    log.info("event=post_edited post=%s fields=%s", post.id, ",".join(changes))
    await reply(update, t("post.edit_saved", await language(update, context), id=post.id))


@button_handler
async def on_edit_bidang(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    code = rules.check_bidang(data.arg(1))
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _save_edit(update, context, post, bidang=code)


@button_handler
async def on_edit_kind(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    kind = rules.check_kind(data.arg(1))
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _save_edit(update, context, post, kind=kind)


async def _edit_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    user = user_of(update)
    post = await _own_post(context, int(draft.data["post_id"]), user.id)
    if draft.data["field"] == "title":
        if not message.text:
            raise InvalidInput("bad.text_expected")
        await _save_edit(update, context, post, title=rules.clean_title(message.text))
        return
    await _add_story_part(update, context, draft, message.text, None, lang, done_action="es")


@button_handler
async def on_edit_story_done(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, EDIT, "text")
    post = await _own_post(context, int(draft.data["post_id"]), user.id)
    story = rules.check_story(rules.join_story(draft.data.get("parts", [])))
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _save_edit(update, context, post, story=story)


@button_handler
async def on_withdraw(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    rows = [[(t("post.btn_withdraw_yes", lang), encode(FEATURE, "wdy", post.id)),
             (t("core.cancel", lang), encode(FEATURE, "fx"))]]
    await reply(update, t("post.withdraw_confirm", lang, title=post.title), rows)


@button_handler
async def on_withdraw_yes(update: Update, context: BotContext, data: CallbackData) -> None:
    """The author takes the post back: out of search and lists, the group card says so."""
    user = user_of(update)
    post = await _own_post(context, data.int_arg(0), user.id)
    services = context.services
    lang = await language(update, context)
    now = services.clock.now()
    forum = await services.forums.get(post.forum_id)
    async with services.db.transaction() as conn:
        if not await post_repo(context).set_status(conn, post.id, "withdrawn", now):
            raise StaleAction()
        await _refresh_card(conn, services, post.id, now,
                            tombstone=str(t("post.card_withdrawn", forum.language if forum else lang, title=post.title)))
    services.delivery.wake()
    log.info("event=post_withdrawn post=%s", post.id)
    await edit_or_reply(update, t("post.withdrawn", lang, title=post.title))


@button_handler
async def on_hide(update: Update, context: BotContext, data: CallbackData) -> None:
    """A koordinator hides a post; the next message is the reason sent to the author."""
    user = user_of(update)
    post, _forum, _role = await _visible_post(context, data.int_arg(0), user.id, action=Action.MODERATE_POSTS)
    if post.status != "published":
        raise StaleAction()
    draft = await forms.begin(context, user.id, HIDE, "reason", {"post_id": post.id})
    await ask_step(update, context, draft)


async def _hide_input(update: Update, context: BotContext, draft: Draft, message: Message, lang: str) -> None:
    if not message.text:
        raise InvalidInput("bad.text_expected")
    reason = rules.clean_short(message.text, rules.REASON_MAX, "post.reason_long")
    user = user_of(update)
    post, forum, _role = await _visible_post(context, int(draft.data["post_id"]), user.id,
                                             action=Action.MODERATE_POSTS)
    services = context.services
    now = services.clock.now()
    author = await services.members.get(post.author_user_id)
    async with services.db.transaction() as conn:
        if not await post_repo(context).set_status(conn, post.id, "hidden", now, reason=reason, by=user.id):
            await services.drafts.delete(conn, user.id)
            raise StaleAction()
        await _refresh_card(conn, services, post.id, now,
                            tombstone=str(t("post.card_hidden", forum.language, title=post.title)))
        if author is not None and author.erased_at is None:
            await outbox.enqueue(conn, key=f"post:{post.id}:hidden:author", chat_id=author.user_id,
                                 member_user_id=author.user_id, forum_id=post.forum_id, due_at=now, now=now,
                                 text=t("post.hidden_to_author", author.language, title=post.title,
                                        forum=forum.name, reason=reason))
        await services.drafts.delete(conn, user.id)
    services.delivery.wake()
    log.info("event=post_hidden post=%s by=%s", post.id, user.id)
    await reply(update, t("post.hidden_done", lang, title=post.title))


# == finding: /cari, /berbagi_terbaru, /tersimpan ===================================================
@command_handler
async def search(update: Update, context: BotContext) -> None:
    """Full-text search across the asker's forums (the group's forum in a group)."""
    lang = await language(update, context)
    query = command_args(context)[:200]
    if not query:
        # From the menu /cari comes bare: ask for the words; the next message searches.
        user = user_of(update)
        if is_private(update) and await forms.current(context, user.id) is None:
            await forms.begin(context, user.id, SEARCH_WORDS, "words")
            await reply(update, t("post.search_ask", lang))
        else:
            await reply(update, t("post.search_usage", lang))
        return
    await _new_listing(update, context, query)


async def on_search_words(update: Update, context: BotContext, draft: Draft) -> None:
    """The words typed after a bare /cari."""
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    if not text:
        await reply(update, t("post.search_ask", await language(update, context)))
        return
    await forms.finish(context, draft.user_id)
    await _new_listing(update, context, text[:200])


async def search_reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    await reply(update, t("post.search_ask", await language(update, context)))


@command_handler
async def newest(update: Update, context: BotContext) -> None:
    """The newest posts across the asker's forums."""
    await _new_listing(update, context, "")


async def _new_listing(update: Update, context: BotContext, query: str) -> None:
    user = user_of(update)
    lang = await language(update, context)
    forum_ids, group_forum = await _search_forums(context, update, user.id)
    if query and rules_match_none(query):
        await reply(update, t("post.search_vague", lang))
        return
    search_id = await post_repo(context).save_search(user.id, query, group_forum, context.services.clock.now())
    text, rows = await _listing(context, lang, search_id, query, forum_ids, 0, None, None)
    await reply(update, text, rows)


def rules_match_none(query: str) -> bool:
    from bot.search_id import match_expression

    return match_expression(query) is None


async def _listing(context: BotContext, lang: str, search_id: int, query: str, forum_ids: list[int], page: int,
                   bidang: str | None, kind: str | None) -> tuple[str, list[list[tuple[str, str]]]]:
    repo = post_repo(context)
    size = rules.PAGE_SIZE
    found = await repo.search(forum_ids, query, bidang=bidang, kind=kind, limit=size + 1, offset=page * size)
    more = len(found) > size
    found = found[:size]
    b, k = bidang or "-", kind or "-"
    head = t("post.search_title", lang, query=query) if query else t("post.newest_title", lang)
    filters_line = []
    if bidang:
        filters_line.append(bidang_label(bidang, lang))
    if kind:
        filters_line.append(rules.kind_label(kind, lang))
    lines = [str(head)]
    if filters_line:
        lines.append(str(t("post.filters_line", lang, filters=" · ".join(filters_line))))
    if not found:
        lines.append("")
        lines.append(str(t("post.search_none" if query else "post.newest_none", lang)))
    lines.extend(await _result_lines(context, found, lang, start=page * size + 1))
    rows: list[list[tuple[str, str]]] = []
    if found:
        rows.append([(str(page * size + i), encode(FEATURE, "rd", p.id)) for i, p in enumerate(found, start=1)])
    nav = []
    if page > 0:
        nav.append((str(t("post.btn_prev", lang)), encode(FEATURE, "sr", search_id, page - 1, b, k)))
    if more:
        nav.append((str(t("post.btn_next_page", lang)), encode(FEATURE, "sr", search_id, page + 1, b, k)))
    if nav:
        rows.append(nav)
    rows.append([(str(t("post.btn_filter_bidang", lang)), encode(FEATURE, "sf", search_id, "b", b, k)),
                 (str(t("post.btn_filter_kind", lang)), encode(FEATURE, "sf", search_id, "k", b, k))])
    return "\n".join(lines), rows


async def _result_lines(context: BotContext, found: list[Post], lang: str, *, start: int) -> list[str]:
    lines = []
    for index, post in enumerate(found, start=start):
        forum = await context.services.forums.get(post.forum_id)
        tz = ZoneInfo(forum.timezone if forum else "Asia/Jakarta")
        lines.append("")
        lines.append(str(t("post.result_line", lang, n=index, kind=rules.KIND_EMOJI.get(post.kind, ""),
                           title=post.title, bidang=bidang_label(post.bidang, lang),
                           village=post.village_name or post.author_name,
                           date=format_date_short(post.created_at.astimezone(tz).date(), lang),
                           thanks=post.thanks_count, snippet=rules.snippet(post.story), id=post.id)))
    return lines


async def _search_of(context: BotContext, update: Update, search_id: int) -> tuple[str, list[int]]:
    user = user_of(update)
    saved = await post_repo(context).get_search(search_id)
    if saved is None or saved[0] != user.id:
        raise StaleAction()
    _, query, forum_id = saved
    if forum_id is not None:
        await context.services.access.require(forum_id, user.id, Action.POST)
        return query, [forum_id]
    forum_list = await context.services.access.forums_for(user.id, Action.POST)
    if not forum_list:
        raise NotAMember("err.not_member_any")
    return query, [f.id for f in forum_list]


def _filter_value(value: str, allowed_values: Sequence[str]) -> str | None:
    if value == "-":
        return None
    if value not in allowed_values:
        raise StaleAction()
    return value


@button_handler
async def on_page(update: Update, context: BotContext, data: CallbackData) -> None:
    """A result page or a filter change: e:sr:<search>:<page>:<bidang|->:<kind|->."""
    search_id, page = data.int_arg(0), data.int_arg(1)
    bidang = _filter_value(data.arg(2), [b.code for b in BIDANG])
    kind = _filter_value(data.arg(3), rules.KINDS)
    if page < 0 or page > 1000:
        raise StaleAction()
    query, forum_ids = await _search_of(context, update, search_id)
    lang = await language(update, context)
    text, rows = await _listing(context, lang, search_id, query, forum_ids, page, bidang, kind)
    await edit_or_reply(update, text, rows)


@button_handler
async def on_filter(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show the bidang or kind choices for a listing: e:sf:<search>:<b|k>:<bidang>:<kind>."""
    search_id, which, b, k = data.int_arg(0), data.arg(1), data.arg(2), data.arg(3)
    await _search_of(context, update, search_id)
    lang = await language(update, context)
    if which == "b":
        options = [(f"{x.emoji} {x.label(lang)}".strip(), encode(FEATURE, "sr", search_id, 0, x.code, k))
                   for x in BIDANG]
        rows = button_rows(options, 2)
        rows.append([(str(t("post.filter_all_bidang", lang)), encode(FEATURE, "sr", search_id, 0, "-", k))])
    elif which == "k":
        rows = [[(rules.kind_label(x, lang), encode(FEATURE, "sr", search_id, 0, b, x))] for x in rules.KINDS]
        rows.append([(str(t("post.filter_all_kind", lang)), encode(FEATURE, "sr", search_id, 0, b, "-"))])
    else:
        raise StaleAction()
    await edit_or_reply(update, t("post.filter_pick", lang), rows)


@button_handler
async def on_open(update: Update, context: BotContext, data: CallbackData) -> None:
    """A numbered result button: open that post (in a group, in the presser's private chat)."""
    user = user_of(update)
    post, _forum, role = await _visible_post(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    if post.status != "published":
        raise NotFound("post.not_found")
    if is_private(update):
        await _send_full(update, context, post, role, lang, private=True)
        return
    await _send_private(update, context, lambda: _send_full(update, context, post, role, lang, private=True,
                                                            chat_id=user.id))
    assert update.callback_query is not None
    await answer(update.callback_query, t("post.sent_private", lang, bot=context.services.bot_username), alert=True)


@command_handler
async def saved(update: Update, context: BotContext) -> None:
    """The user's bookmarks (/tersimpan)."""
    lang = await language(update, context)
    text, rows = await _saved_page(context, update, lang, 0)
    await reply(update, text, rows)


async def _saved_page(context: BotContext, update: Update, lang: str,
                      page: int) -> tuple[str, list[list[tuple[str, str]]]]:
    user = user_of(update)
    forum_list = await context.services.access.forums_for(user.id, Action.POST)
    if not forum_list:
        raise NotAMember("err.not_member_any")
    size = rules.PAGE_SIZE
    found = await post_repo(context).bookmarks(user.id, [f.id for f in forum_list], limit=size + 1,
                                               offset=page * size)
    more = len(found) > size
    found = found[:size]
    lines = [str(t("post.saved_title", lang))]
    if not found:
        lines += ["", str(t("post.saved_none", lang))]
    lines.extend(await _result_lines(context, found, lang, start=page * size + 1))
    rows: list[list[tuple[str, str]]] = []
    if found:
        rows.append([(str(page * size + i), encode(FEATURE, "rd", p.id)) for i, p in enumerate(found, start=1)])
    nav = []
    if page > 0:
        nav.append((str(t("post.btn_prev", lang)), encode(FEATURE, "bm", page - 1)))
    if more:
        nav.append((str(t("post.btn_next_page", lang)), encode(FEATURE, "bm", page + 1)))
    if nav:
        rows.append(nav)
    return "\n".join(lines), rows


@button_handler
async def on_saved_page(update: Update, context: BotContext, data: CallbackData) -> None:
    page = data.int_arg(0)
    if not 0 <= page <= 1000:
        raise StaleAction()
    lang = await language(update, context)
    text, rows = await _saved_page(context, update, lang, page)
    await edit_or_reply(update, text, rows)


# == the weekly digest ==============================================================================
@command_handler
async def digest_settings(update: Update, context: BotContext) -> None:
    """/ringkasan: the weekly digest's day; subscribe or unsubscribe; koordinator picks the day."""
    if not await private_only(update, context, "ringkasan"):
        return
    await run_in_forum(update, context, "ringkasan")


@forum_action("ringkasan", Action.POST)
async def _digest_panel(update: Update, context: BotContext, forum: Forum) -> None:
    text, rows = await _digest_view(context, update, forum)
    await reply(update, text, rows)


async def _digest_view(context: BotContext, update: Update,
                       forum: Forum) -> tuple[str, list[list[tuple[str, str]]]]:
    user = user_of(update)
    lang = await language(update, context)
    repo = post_repo(context)
    settings = await repo.digest_settings(forum.id)
    out = await repo.digest_opted_out(forum.id, user.id)
    text = t("post.digest_panel", lang, forum=forum.name, day=_weekday(settings.weekday, lang),
             hour=f"{settings.hour:02d}.00",
             status=t("post.digest_off" if out else "post.digest_on", lang))
    rows = [[(str(t("post.btn_digest_on" if out else "post.btn_digest_off", lang)),
              encode(FEATURE, "dg", forum.id, "on" if out else "off", "p"))]]
    membership = await context.services.members.membership(forum.id, user.id)
    if membership is not None and allowed(membership.role, Action.MANAGE_FORUM):
        rows += button_rows([(_weekday(d, lang), encode(FEATURE, "dw", forum.id, d)) for d in range(7)], 4)
    return str(text), rows


@button_handler
async def on_digest_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    """Subscribe or unsubscribe from one forum's weekly digest (also the button on the digest)."""
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.POST)
    choice = data.arg(1)
    if choice not in ("on", "off"):
        raise StaleAction()
    await post_repo(context).set_digest_optout(forum.id, user.id, choice == "off", context.services.clock.now())
    lang = await language(update, context)
    query = update.callback_query
    assert query is not None
    await answer(query, t("post.digest_now_off" if choice == "off" else "post.digest_now_on", lang), alert=True)
    if len(data.args) > 2 and data.arg(2) == "p":  # pressed on the /ringkasan panel
        text, rows = await _digest_view(context, update, forum)
        await edit_or_reply(update, text, rows)
        return
    rows = [[(str(t("post.btn_digest_on" if choice == "off" else "post.btn_digest_off", lang)),
              encode(FEATURE, "dg", forum.id, "on" if choice == "off" else "off"))]]
    try:
        await query.edit_message_reply_markup(reply_markup=keyboard(rows))
    except BadRequest:
        pass


@button_handler
async def on_digest_day(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.MANAGE_FORUM)
    day = data.int_arg(1)
    if not 0 <= day <= 6:
        raise StaleAction()
    await post_repo(context).set_digest_day(forum.id, day)
    text, rows = await _digest_view(context, update, forum)
    await edit_or_reply(update, text, rows)


DIGEST_PLANNER = "posts_digest"


def next_digest_at(now: datetime, tz: ZoneInfo, weekday: int, hour: int) -> datetime:
    """The start of the forum's next digest window after `now` (this week's if still ahead)."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    start = datetime.combine(day, time(hour), tzinfo=tz)
    if start <= local:
        start += timedelta(days=7)
    return start.astimezone(UTC)


async def plan_posts(services: Services, now: datetime) -> None:
    """Queue each forum's weekly digest on its day, from its hour (morning, forum's zone) on.

    One message per opted-in member with the week's new posts and the most thanked ones.
    Idempotent: a forum's digest day is recorded with the queued messages in one transaction.
    Only forums whose window has come are looked at (`planner_due`).
    """
    planning = PlanningRepo(services.db)
    while due := await planning.due(DIGEST_PLANNER, now, limit=500):
        nexts: list[tuple[int, datetime | None]] = []
        for forum_id in due:
            try:
                nexts.append((forum_id, await _plan_forum_digest(services, forum_id, now)))
            except Exception:  # one broken forum must not stop the others
                log.exception("event=posts_digest_failed forum=%s", forum_id)
                nexts.append((forum_id, now + timedelta(hours=1)))
        await planning.set_next(DIGEST_PLANNER, nexts)


async def _plan_forum_digest(services: Services, forum_id: int, now: datetime) -> datetime | None:
    """Queue the forum's digest if its window is open; returns when to look again."""
    repo = post_repo(services)
    forum = await services.forums.get(forum_id)
    if forum is None:
        return None
    settings = await repo.digest_settings(forum_id)
    tz = ZoneInfo(forum.timezone)
    local = now.astimezone(tz)
    following = next_digest_at(now, tz, settings.weekday, settings.hour)
    if local.weekday() != settings.weekday or local.hour < settings.hour or local.hour >= 12:
        return following
    local_date = local.date().isoformat()
    if await repo.digest_done(forum_id, local_date):
        return following
    end = datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)
    start = end - timedelta(days=7)
    new_posts = await repo.in_period(forum_id, start, end)
    top = await repo.most_thanked(forum_id, start, end)
    recipients = await repo.digest_recipients(forum_id) if (new_posts or top) else []
    expires = datetime.combine(local.date(), datetime.min.time(), tzinfo=tz) + timedelta(days=1)
    async with services.db.transaction() as conn:
        if not await repo.mark_digest(conn, forum_id, local_date, len(new_posts), len(recipients), now):
            return following
        for user_id, lang in recipients:
            text = _digest_text(forum, new_posts, top, start, end, lang)
            await outbox.enqueue(
                conn, key=f"posts:digest:{forum_id}:{local_date}:user:{user_id}", chat_id=user_id,
                member_user_id=user_id, forum_id=forum_id, text=text, due_at=now, now=now,
                priority=outbox.Priority.BULK, expires_at=expires,
                reply_markup=outbox.inline_keyboard(
                    [[(str(t("post.btn_digest_off", lang)), encode(FEATURE, "dg", forum_id, "off"))]]))
    log.info("event=posts_digest forum=%s date=%s posts=%d recipients=%d", forum_id, local_date,
             len(new_posts), len(recipients))
    return following


def _digest_text(forum: Forum, new_posts: list[Post], top: list[tuple[Post, int]], start: datetime,
                 end: datetime, lang: str) -> str:
    last_day = (end - timedelta(days=1)).date()
    lines = [str(t("post.digest_title", lang, forum=forum.name,
                   start=format_date_short(start.date(), lang), end=format_date(last_day, lang)))]
    if new_posts:
        lines += ["", str(t("post.digest_new", lang, count=len(new_posts)))]
        for post in new_posts[-10:][::-1]:
            lines.append(str(t("post.digest_line", lang, kind=rules.KIND_EMOJI.get(post.kind, ""), title=post.title,
                               village=post.village_name or post.author_name, id=post.id)))
        if len(new_posts) > 10:
            lines.append(str(t("post.digest_more", lang, count=len(new_posts) - 10)))
    else:
        lines += ["", str(t("post.digest_no_new", lang))]
    if top:
        lines += ["", str(t("post.digest_top", lang))]
        for post, n in top:
            lines.append(str(t("post.digest_top_line", lang, title=post.title, count=n, id=post.id)))
    lines += ["", str(t("post.digest_footer", lang))]
    return "\n".join(lines)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Villages are also found in /cari_desa through the experience they shared.
    register_search_source(village_hits)
    for form in (FORM, EDIT, COMMENT, ASK, ANSWER, HIDE):
        forms.register_form(form, on_input, ask_step)
    forms.register_form(SEARCH_WORDS, on_search_words, search_reprompt)
    app.add_handler(CommandHandler("berbagi", share))
    app.add_handler(CommandHandler("baca", read))
    app.add_handler(MessageHandler(filters.Regex(r"^/baca_\d+(@\w+)?$"), read))
    app.add_handler(CommandHandler("cari", search))
    app.add_handler(CommandHandler("berbagi_terbaru", newest))
    app.add_handler(CommandHandler("tersimpan", saved))
    app.add_handler(CommandHandler("ringkasan", digest_settings))
    buttons = {
        "fb": on_form_bidang, "fk": on_form_kind, "fs": on_form_story_done, "fa": on_form_attach_done,
        "fl": on_form_link, "fp": on_publish, "fr": on_restart, "fx": on_cancel,
        "full": on_full, "ty": on_thanks, "sv": on_save, "cm": on_comment, "ask": on_ask, "ans": on_answer,
        "ed": on_edit, "ef": on_edit_field, "eb": on_edit_bidang, "ek": on_edit_kind, "es": on_edit_story_done,
        "wd": on_withdraw, "wdy": on_withdraw_yes, "hd": on_hide,
        "sr": on_page, "sf": on_filter, "rd": on_open, "bm": on_saved_page,
        "dg": on_digest_toggle, "dw": on_digest_day,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
    # Replies to the bot's cards in groups: in a group of their own so other features' group
    # handlers still see every message.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND, on_group_reply),
                    group=1)
    register_planner(app, plan_posts)
