"""What posts send on their own: outbox keys, the group card and its edits, the weekly digest.

Every function that writes takes the caller's unit of work (`tx`), so a push is committed with
the change that caused it, or not at all. Keys are idempotent: a replayed update or a planner
rerun finds its row already there.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.posts import views
from bot.posts.loaders import load_card, posts_of
from bot.services import Services
from bot.view import View
from storage.outbox import Priority
from storage.planning import PlanningRepo
from storage.posts import CARD_KEY, Post
from storage.unit import Unit

log = logging.getLogger(__name__)

TOPIC = "posts"  # the forum group's topic for cards
DIGEST_PLANNER = "posts_digest"


# == keys =========================================================================================
def event_id(now: datetime) -> str:
    """A unique suffix for a one-off event (an edit, a question): the time plus randomness, so two
    events in the same second (or under a fixed test clock) differ."""
    return f"{int(now.timestamp())}-{secrets.token_hex(4)}"


def card_key(post_id: int) -> str:
    return CARD_KEY.format(id=post_id)


def attachment_key(post_id: int, index: int) -> str:
    return f"post:{post_id}:att:{index}"


def all_of(post_id: int) -> str:
    """The prefix of every push about the post's group card (card, attachments, edits)."""
    return f"post:{post_id}:"


def edit_prefix(post_id: int) -> str:
    return f"post:{post_id}:ed:"


def markup_prefix(post_id: int) -> str:
    return f"post:{post_id}:mk:"


def comment_key(post_id: int, comment_id: int) -> str:
    return f"post:{post_id}:cmt:{comment_id}:author"


def question_key(post_id: int, asker_id: int, now: datetime) -> str:
    return f"post:{post_id}:q:{asker_id}:{event_id(now)}"


def answer_key(post_id: int, asker_id: int, now: datetime) -> str:
    return f"post:{post_id}:a:{asker_id}:{event_id(now)}"


def hidden_key(post_id: int) -> str:
    return f"post:{post_id}:hidden:author"


def digest_key(forum_id: int, local_date: str, user_id: int) -> str:
    return f"posts:digest:{forum_id}:{local_date}:user:{user_id}"


# == the group card ===============================================================================
async def enqueue_card(tx: Unit, services: Services, post_id: int, now: datetime, *,
                       attachments: Sequence[tuple[str, str, str | None]] = (), new: bool = False) -> None:
    """Queue the group card (and its attachments) of a post; nothing when the forum has no group."""
    post = await tx.posts.get(post_id)
    forum = await services.forums.get(post.forum_id) if post else None
    if post is None or forum is None or forum.group_chat_id is None:
        return
    card = await load_card(services, tx.posts, post, attachments=len(attachments) if new else None)
    view = views.card_view(card, forum.language)
    thread_id = await services.forums.topic(forum.id, TOPIC)
    await tx.outbox.enqueue(key=card_key(post_id), chat_id=forum.group_chat_id, text=view.text,
                         reply_markup=view.bot_api_markup(), thread_id=thread_id, due_at=now, now=now,
                         forum_id=forum.id)
    for index, (kind, file_id, _name) in enumerate(attachments, start=1):
        method, field = ("sendPhoto", "photo") if kind == "photo" else ("sendDocument", "document")
        await tx.outbox.enqueue(key=attachment_key(post_id, index), chat_id=forum.group_chat_id,
                             text=views.attachment_caption(post, index, len(attachments), forum.language),
                             method=method, params={field: file_id}, thread_id=thread_id, due_at=now, now=now,
                             forum_id=forum.id)


async def refresh_card(tx: Unit, services: Services, post_id: int, now: datetime, *,
                       gone: bool = False, markup_only: bool = False) -> None:
    """Bring the group card up to date: re-queue it if still unsent, else edit it through the outbox.

    `gone`: the post was withdrawn or hidden; the card becomes a one-line tombstone.
    """
    post = await tx.posts.get(post_id)
    forum = await services.forums.get(post.forum_id) if post else None
    if post is None or forum is None or forum.group_chat_id is None:
        return
    if await tx.outbox.is_pending(card_key(post_id)):
        await tx.outbox.cancel_prefix(all_of(post_id))
        if not gone:
            atts = [(a.kind, a.file_id, a.file_name) for a in await tx.posts.attachments(post_id)]
            await enqueue_card(tx, services, post_id, now, attachments=atts, new=True)
        return
    sent = await tx.posts.card_message(post_id)
    if sent is None:
        return
    chat_id, message_id = sent
    stamp = event_id(now)
    lang = forum.language
    if markup_only:
        view = views.card_view(await load_card(services, tx.posts, post), lang)
        await tx.outbox.cancel_prefix(markup_prefix(post_id))
        await tx.outbox.enqueue(key=f"{markup_prefix(post_id)}{stamp}", chat_id=chat_id,
                             method="editMessageReplyMarkup", params={"message_id": message_id},
                             reply_markup=view.bot_api_markup(), due_at=now, now=now, forum_id=post.forum_id)
        return
    await tx.outbox.cancel_prefix(edit_prefix(post_id))
    await tx.outbox.cancel_prefix(markup_prefix(post_id))
    if gone:
        view = views.card_withdrawn(post, lang) if post.status == "withdrawn" else views.card_hidden(post, lang)
    else:
        view = views.card_view(await load_card(services, tx.posts, post), lang)
    await tx.outbox.enqueue(key=f"{edit_prefix(post_id)}{stamp}", chat_id=chat_id, method="editMessageText",
                         text=view.text, params={"message_id": message_id}, reply_markup=view.bot_api_markup(),
                         due_at=now, now=now, forum_id=post.forum_id)


async def to_person(tx: Unit, *, key: str, user_id: int, forum_id: int, view: View, now: datetime) -> None:
    """A private push to one member (a comment, a question, an answer, a moderation notice)."""
    await tx.outbox.enqueue(key=key, chat_id=user_id, member_user_id=user_id, forum_id=forum_id,
                         text=view.text, reply_markup=view.bot_api_markup(), due_at=now, now=now)


# == the weekly digest ============================================================================
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
    posts = posts_of(services)
    forum = await services.forums.get(forum_id)
    if forum is None:
        return None
    settings = await posts.digest_settings(forum_id)
    tz = ZoneInfo(forum.timezone)
    local = now.astimezone(tz)
    following = next_digest_at(now, tz, settings.weekday, settings.hour)
    if local.weekday() != settings.weekday or local.hour < settings.hour or local.hour >= 12:
        return following
    local_date = local.date().isoformat()
    if await posts.digest_done(forum_id, local_date):
        return following
    end = datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)
    start = end - timedelta(days=7)
    new_posts: list[Post] = await posts.in_period(forum_id, start, end)
    top = await posts.most_thanked(forum_id, start, end)
    recipients = await posts.digest_recipients(forum_id) if (new_posts or top) else []
    expires = end + timedelta(days=1)
    async with services.write() as tx:
        if not await tx.posts.mark_digest(forum_id, local_date, len(new_posts), len(recipients), now):
            return following
        for user_id, lang in recipients:
            view = views.digest(forum, new_posts, top, start, end, lang)
            await tx.outbox.enqueue(
                key=digest_key(forum_id, local_date, user_id), chat_id=user_id, member_user_id=user_id,
                forum_id=forum_id, text=view.text, reply_markup=view.bot_api_markup(), due_at=now, now=now,
                priority=Priority.BULK, expires_at=expires)
    log.info("event=posts_digest forum=%s date=%s posts=%d recipients=%d", forum_id, local_date,
             len(new_posts), len(recipients))
    return following
