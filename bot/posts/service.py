"""Berbagi pengalaman, the use cases: one async function each, `Services` and plain values in.

Each checks permission through bot/access.py, writes in one unit of work (`services.write()`),
and queues the pushes the change causes in that same transaction (bot/posts/pushes.py). Handlers,
other features (a visit report becomes a post: `create_post`), the console and tests call these.

Members of one forum never see another forum's posts: a post of a forum the asker is not an
active member of is "not found", not "not allowed".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.errors import InvalidInput, NotAMember, NotFound, StaleAction
from bot.permissions import Action
from bot.posts import pushes, rules, views
from bot.posts.loaders import load_card, posts_of
from bot.search_id import match_expression
from bot.services import Services
from storage.models import Forum
from storage.posts import Post
from storage.unit import Unit

log = logging.getLogger(__name__)

Attachment = tuple[str, str, str | None]  # (photo|document, Telegram file_id, file name)


# == who may see what =============================================================================
async def visible_post(services: Services, post_id: int, user_id: int, *,
                       action: Action = Action.POST) -> tuple[Post, Forum, str]:
    """The post if the user is an active member of its forum allowed `action`: (post, forum, role).

    Another forum's post is NotFound (not even its existence is confirmed); an unpublished post
    is visible to its author only.
    """
    post = await posts_of(services).get(post_id)
    if post is None:
        raise NotFound("post.not_found")
    try:
        forum, membership = await services.access.require(post.forum_id, user_id, action)
    except NotAMember as exc:
        raise NotFound("post.not_found") from exc
    if post.status != "published" and post.author_user_id != user_id:
        raise NotFound("post.not_found")
    return post, forum, membership.role


async def published_post(services: Services, post_id: int, user_id: int, *,
                         action: Action = Action.POST) -> tuple[Post, Forum, str]:
    post, forum, role = await visible_post(services, post_id, user_id, action=action)
    if post.status != "published":
        raise NotFound("post.not_found")
    return post, forum, role


async def own_post(services: Services, post_id: int, user_id: int) -> Post:
    """The user's own published post, or StaleAction("only the author")."""
    post, _forum, _role = await visible_post(services, post_id, user_id)
    if post.author_user_id != user_id or post.status != "published":
        raise StaleAction("post.only_author")
    return post


async def reading_forums(services: Services, user_id: int, group_chat_id: int | None) -> tuple[list[int], int | None]:
    """The forums a search or list covers: the group's forum in a group, else all the user's forums.

    Returns (forum ids, the group's forum or None).
    """
    if group_chat_id is not None:
        forum = await services.forums.by_group(group_chat_id)
        if forum is None:
            raise StaleAction("core.group_not_linked")
        await services.access.require(forum.id, user_id, Action.POST)
        return [forum.id], forum.id
    forums = await services.access.forums_for(user_id, Action.POST)
    if not forums:
        raise NotAMember("err.not_member_any")
    return [f.id for f in forums], None


# == publishing ===================================================================================
async def _create(tx: Unit, services: Services, *, forum_id: int, author_user_id: int, title: str, bidang: str,
                  kind: str, story: str, credited: Sequence[str], link_type: str | None, link_id: int | None,
                  attachments: Sequence[Attachment], announce: bool) -> int:
    now = services.clock.now()
    village_code = await services.access.village_of(forum_id, author_user_id)  # approved in this forum
    post_id = await tx.posts.create(forum_id=forum_id, author_user_id=author_user_id, village_code=village_code,
                                    title=title, bidang=bidang, kind=kind, story=story, now=now,
                                    credited_villages=list(credited), link_type=link_type, link_id=link_id,
                                    attachments=attachments)
    log.info("event=post_created post=%s forum=%s author=%s kind=%s", post_id, forum_id, author_user_id, kind)
    if announce:
        await pushes.enqueue_card(tx, services, post_id, now, attachments=attachments, new=True)
    return post_id


def _checked(title: str, bidang: str, kind: str, story: str, link_type: str | None) -> tuple[str, str]:
    title = rules.clean_title(title)
    story = rules.check_story(story)
    rules.check_bidang(bidang)
    rules.check_kind(kind)
    if link_type is not None and link_type not in rules.LINK_TYPES:
        raise InvalidInput("post.bad_link")
    return title, story


async def create_post(services: Services, *, forum_id: int, author_user_id: int, title: str, bidang: str,
                      kind: str, story: str, credited_village_codes: Sequence[str] = (),
                      link_type: str | None = None, link_id: int | None = None, publish: bool = True) -> int:
    """Create a published post and, with `publish`, announce its card in the forum's group.

    The author must be an active member allowed to post. `publish=False` keeps the post out
    of the group (it is still in search, /baca and digests). Raises InvalidInput for a bad
    title, story, bidang, kind or link type. Returns the post id.
    """
    await services.access.require(forum_id, author_user_id, Action.POST)
    title, story = _checked(title, bidang, kind, story, link_type)
    async with services.write() as tx:
        post_id = await _create(tx, services, forum_id=forum_id, author_user_id=author_user_id, title=title,
                                bidang=bidang, kind=kind, story=story, credited=credited_village_codes,
                                link_type=link_type, link_id=link_id, attachments=(), announce=publish)
    services.delivery.wake()
    return post_id


@dataclass(frozen=True)
class Published:
    post_id: int
    title: str
    in_group: bool  # the card goes to the forum's group


async def publish_post(services: Services, *, user_id: int, forum_id: int, title: str, bidang: str, kind: str,
                       story_parts: Sequence[str], attachments: Sequence[Attachment] = (),
                       link_type: str | None = None, link_id: int | None = None) -> Published:
    """Publish what the /berbagi form collected: save the post, queue its card, end the form."""
    forum, _ = await services.access.require(forum_id, user_id, Action.POST)
    title, story = _checked(title, bidang, kind, rules.join_story(list(story_parts)), link_type)
    async with services.write() as tx:
        post_id = await _create(tx, services, forum_id=forum.id, author_user_id=user_id, title=title,
                                bidang=bidang, kind=kind, story=story, credited=(), link_type=link_type,
                                link_id=link_id, attachments=attachments, announce=True)
        await tx.drafts.clear(user_id)
    services.delivery.wake()
    return Published(post_id, title, forum.group_chat_id is not None)


async def check_link(services: Services, link_type: str, link_id: int, forum_id: int) -> None:
    """The agreement or visit a post is linked to must exist in its forum."""
    if await posts_of(services).link_target_exists(link_type, link_id, forum_id) is False:
        raise InvalidInput("post.link_not_found", id=link_id)


# == thanks and bookmarks =========================================================================
@dataclass(frozen=True)
class Thanked:
    outcome: Literal["added", "again", "own"]
    post: Post  # with the new count
    role: str
    on_card: bool  # pressed on the group card itself (the handler edits it in place)


async def thank(services: Services, post_id: int, user_id: int, *,
                pressed_on: tuple[int, int] | None = None) -> Thanked:
    """Bermanfaat: one thanks per member; a double press or a replayed update counts once.

    `pressed_on` is the (chat, message) the button was on. Pressed elsewhere (in a private
    chat), the group card's counter is updated through the outbox in the same transaction.
    """
    post, _forum, role = await published_post(services, post_id, user_id)
    if post.author_user_id == user_id:
        return Thanked("own", post, role, False)
    now = services.clock.now()
    async with services.write() as tx:
        added, count = await tx.posts.thank(post.id, user_id, now)
        card = await tx.posts.card_message(post.id)
        on_card = card is not None and pressed_on == card
        if added and not on_card:
            await pushes.refresh_card(tx, services, post.id, now, markup_only=True)
    if added and not on_card:
        services.delivery.wake()
    return Thanked("added" if added else "again", post.model_copy(update={"thanks_count": count}), role, on_card)


async def card_of(services: Services, post: Post) -> views.View:
    """The group card as it is now (for an in-place edit after a press on it)."""
    forum = await services.forums.get(post.forum_id)
    card = await load_card(services, posts_of(services), post)
    return views.card_view(card, forum.language if forum else "id")


async def toggle_bookmark(services: Services, post_id: int, user_id: int) -> tuple[bool, Post, str]:
    """Simpan: bookmark (or un-bookmark) the post for /tersimpan; (saved now, post, role)."""
    post, _forum, role = await visible_post(services, post_id, user_id)
    async with services.write() as tx:
        saved = await tx.posts.toggle_bookmark(post.id, user_id, services.clock.now())
    return saved, post, role


# == comments, questions, answers =================================================================
async def _store_comment(tx: Unit, services: Services, post: Post, user_id: int, text: str, *,
                         chat_id: int | None = None, message_id: int | None = None) -> int | None:
    """Keep a comment and tell the author (not about their own comments)."""
    now = services.clock.now()
    source: Literal["group", "private"] = "group" if chat_id is not None else "private"
    comment_id = await tx.posts.add_comment(post_id=post.id, user_id=user_id, text=text, source=source, now=now,
                                            chat_id=chat_id, message_id=message_id)
    if comment_id is None or user_id == post.author_user_id:
        return comment_id
    author = await services.members.get(post.author_user_id)
    commenter = await services.members.get(user_id)
    if author is not None and author.erased_at is None:
        view = views.comment_to_author(post, commenter.full_name if commenter else "-", text, author.language)
        await pushes.to_person(tx, key=pushes.comment_key(post.id, comment_id), user_id=author.user_id,
                               forum_id=post.forum_id, view=view, now=now)
    log.info("event=post_comment post=%s user=%s source=%s", post.id, user_id, source)
    return comment_id


async def comment(services: Services, post_id: int, user_id: int, text: str) -> Post:
    """Tanggapi (private chat): keep the comment, tell the author, end the form."""
    text = rules.clean_short(text, rules.COMMENT_MAX, "post.comment_long")
    post, _forum, _role = await published_post(services, post_id, user_id)
    async with services.write() as tx:
        await _store_comment(tx, services, post, user_id, text)
        await tx.drafts.clear(user_id)
    services.delivery.wake()
    return post


async def group_reply(services: Services, *, chat_id: int, card_message_id: int, message_id: int, user_id: int,
                      text: str) -> bool:
    """A member's reply to a post card in its forum's group is kept as a comment (replays once).

    False when the message is not about a published post of this group's forum, or the writer is
    not an active member: only members' replies become part of the forum's record.
    """
    posts = posts_of(services)
    post_id = await posts.post_of_message(chat_id, card_message_id)
    if post_id is None:
        return False
    post = await posts.get(post_id)
    forum = await services.forums.by_group(chat_id)
    if post is None or forum is None or post.forum_id != forum.id or post.status != "published":
        return False
    membership = await services.members.membership(forum.id, user_id)
    if membership is None or membership.status != "active":
        return False
    clean = rules.clean_text(text)[: rules.COMMENT_MAX]
    if not clean:
        return False
    async with services.write() as tx:
        stored = await _store_comment(tx, services, post, user_id, clean, chat_id=chat_id, message_id=message_id)
    services.delivery.wake()
    return stored is not None


async def may_ask(services: Services, post_id: int, user_id: int) -> Post:
    """Tanya penulis: anyone in the forum but the author may ask."""
    post, _forum, _role = await published_post(services, post_id, user_id)
    if post.author_user_id == user_id:
        raise StaleAction("post.ask_own")
    return post


async def ask_author(services: Services, post_id: int, user_id: int, question: str, *,
                     fallback_name: str = "-") -> None:
    """Pass a question to the author through the bot (no phone numbers shared); end the form."""
    question = rules.clean_short(question, rules.QUESTION_MAX, "post.question_long")
    post, _forum, _role = await visible_post(services, post_id, user_id)
    author = await services.members.get(post.author_user_id)
    asker = await services.members.get(user_id)
    village_code = await services.access.village_of(post.forum_id, user_id)
    village = await services.regions.get(village_code) if village_code else None
    now = services.clock.now()
    async with services.write() as tx:
        if author is not None and author.erased_at is None:
            question_id = await tx.posts.add_question(post.id, user_id, now)
            view = views.question_to_author(post, asker.full_name if asker else fallback_name,
                                             views.village_of(village.code, village.name) if village else None,
                                             question, question_id, author.language)
            await pushes.to_person(tx, key=pushes.question_key(post.id, user_id, now), user_id=author.user_id,
                                   forum_id=post.forum_id, view=view, now=now)
        await tx.drafts.clear(user_id)
    services.delivery.wake()
    log.info("event=post_question post=%s asker=%s", post.id, user_id)


async def may_answer(services: Services, question_id: int, user_id: int) -> tuple[Post, int]:
    """The author of the asked post may answer: (post, asker)."""
    question = await posts_of(services).question(question_id)
    if question is None:
        raise StaleAction()
    post_id, asker_id = question
    post, _forum, _role = await visible_post(services, post_id, user_id)
    if post.author_user_id != user_id:
        raise StaleAction()
    return post, asker_id


async def answer_asker(services: Services, post_id: int, asker_id: int, user_id: int, answer: str) -> None:
    """The author's answer goes to the asker (while still an active member); end the form."""
    answer = rules.clean_short(answer, rules.QUESTION_MAX * 2, "post.question_long")
    post, _forum, _role = await visible_post(services, post_id, user_id)
    asker = await services.members.get(asker_id)
    membership = await services.members.membership(post.forum_id, asker_id)
    now = services.clock.now()
    async with services.write() as tx:
        if asker is not None and membership is not None and membership.status == "active":
            await pushes.to_person(tx, key=pushes.answer_key(post.id, asker_id, now), user_id=asker_id,
                                   forum_id=post.forum_id, view=views.answer_to_asker(post, answer, asker.language),
                                   now=now)
        await tx.drafts.clear(user_id)
    services.delivery.wake()


# == the author's edit and withdraw; the koordinator's hide =======================================
async def edit_post(services: Services, post_id: int, user_id: int, *, title: str | None = None,
                    story_parts: Sequence[str] | None = None, bidang: str | None = None,
                    kind: str | None = None) -> Post:
    """The author changes one part; the group card follows; the edit form ends."""
    post = await own_post(services, post_id, user_id)
    changes: dict[str, str] = {}
    if title is not None:
        changes["title"] = rules.clean_title(title)
    if story_parts is not None:
        changes["story"] = rules.check_story(rules.join_story(list(story_parts)))
    if bidang is not None:
        changes["bidang"] = rules.check_bidang(bidang)
    if kind is not None:
        changes["kind"] = rules.check_kind(kind)
    now = services.clock.now()
    async with services.write() as tx:
        post = await tx.posts.update_content(post, now, **changes)
        await pushes.refresh_card(tx, services, post.id, now)
        await tx.drafts.clear(user_id)
    services.delivery.wake()
    log.info("event=post_edited post=%s fields=%s", post.id, ",".join(changes))
    return post


async def withdraw(services: Services, post_id: int, user_id: int) -> Post:
    """The author takes the post back: out of search and lists, the group card says so."""
    post = await own_post(services, post_id, user_id)
    now = services.clock.now()
    async with services.write() as tx:
        if not await tx.posts.set_status(post.id, "withdrawn", now):
            raise StaleAction()
        await pushes.refresh_card(tx, services, post.id, now, gone=True)
    services.delivery.wake()
    log.info("event=post_withdrawn post=%s", post.id)
    return post


async def may_hide(services: Services, post_id: int, user_id: int) -> Post:
    post, _forum, _role = await visible_post(services, post_id, user_id, action=Action.MODERATE_POSTS)
    if post.status != "published":
        raise StaleAction()
    return post


async def hide(services: Services, post_id: int, user_id: int, reason: str) -> Post:
    """A koordinator hides a post; the card says so and the author is told why; the form ends."""
    reason = rules.clean_short(reason, rules.REASON_MAX, "post.reason_long")
    post, forum, _role = await visible_post(services, post_id, user_id, action=Action.MODERATE_POSTS)
    author = await services.members.get(post.author_user_id)
    now = services.clock.now()
    async with services.write() as tx:
        if not await tx.posts.set_status(post.id, "hidden", now, reason=reason, by=user_id):
            hidden = False
        else:
            hidden = True
            await pushes.refresh_card(tx, services, post.id, now, gone=True)
            if author is not None and author.erased_at is None:
                await pushes.to_person(tx, key=pushes.hidden_key(post.id), user_id=author.user_id,
                                       forum_id=post.forum_id,
                                       view=views.hidden_to_author(post, forum, reason, author.language), now=now)
        await tx.drafts.clear(user_id)
    if not hidden:
        raise StaleAction()
    services.delivery.wake()
    log.info("event=post_hidden post=%s by=%s", post.id, user_id)
    return post


# == finding ======================================================================================
def too_vague(query: str) -> bool:
    """Only stop words or punctuation: nothing to search for."""
    return match_expression(query) is None


async def new_search(services: Services, user_id: int, query: str, group_chat_id: int | None) -> tuple[int, list[int]]:
    """Remember a search (its result pages are buttons); (search id, forum ids). Empty query: newest."""
    forum_ids, group_forum = await reading_forums(services, user_id, group_chat_id)
    if query and too_vague(query):
        raise InvalidInput("post.search_vague")
    search_id = await posts_of(services).save_search(user_id, query, group_forum, services.clock.now())
    return search_id, forum_ids


async def saved_search(services: Services, user_id: int, search_id: int) -> tuple[str, list[int]]:
    """The asker's own earlier search and the forums it may still cover: (query, forum ids)."""
    saved = await posts_of(services).get_search(search_id)
    if saved is None or saved[0] != user_id:
        raise StaleAction()
    _, query, forum_id = saved
    if forum_id is not None:
        await services.access.require(forum_id, user_id, Action.POST)
        return query, [forum_id]
    forums = await services.access.forums_for(user_id, Action.POST)
    if not forums:
        raise NotAMember("err.not_member_any")
    return query, [f.id for f in forums]


async def my_forums(services: Services, user_id: int) -> list[int]:
    forums = await services.access.forums_for(user_id, Action.POST)
    if not forums:
        raise NotAMember("err.not_member_any")
    return [f.id for f in forums]


# == the weekly digest ============================================================================
async def set_digest(services: Services, forum_id: int, user_id: int, *, subscribe: bool) -> Forum:
    forum, _ = await services.access.require(forum_id, user_id, Action.POST)
    async with services.write() as tx:
        await tx.posts.set_digest_optout(forum.id, user_id, not subscribe, services.clock.now())
    return forum


async def set_digest_day(services: Services, forum_id: int, user_id: int, weekday: int) -> Forum:
    forum, _ = await services.access.require(forum_id, user_id, Action.MANAGE_FORUM)
    if not 0 <= weekday <= 6:
        raise StaleAction()
    async with services.write() as tx:
        await tx.posts.set_digest_day(forum.id, weekday)
    return forum

