"""The loaders: fetch what one posts view needs, so the views stay pure (one loader per view).

A loader given a repository bound to a unit of work (`tx.posts`) sees that transaction's own
writes; the pushes written inside a use case load their card that way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from bot.permissions import Action, allowed
from bot.posts import rules
from bot.posts.views import CardData, DigestPanel, FullPost, Listing, Preview, Reader, SavedPage, village_of
from bot.services import Services
from storage.models import Forum
from storage.posts import Post, PostRepo

DEFAULT_TZ = "Asia/Jakarta"


def posts_of(services: Services) -> PostRepo:
    """Posts read outside a transaction (the last committed state)."""
    return PostRepo(services.db)


async def forum_tz(services: Services, forum_id: int) -> ZoneInfo:
    forum = await services.forums.get(forum_id)
    return ZoneInfo(forum.timezone if forum else DEFAULT_TZ)


async def forum_tzs(services: Services, forum_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    return {forum_id: await forum_tz(services, forum_id) for forum_id in set(forum_ids)}


async def village_names(services: Services, codes: Sequence[str]) -> tuple[str, ...]:
    """Titled names of villages ('Desa Caruy', 'Kelurahan Rantepao'); an unknown code as typed."""
    names = []
    for code in codes:
        region = await services.regions.get(code)
        names.append(village_of(code, region.name) if region else code)
    return tuple(n for n in names if n)


async def load_card(services: Services, posts: PostRepo, post: Post, *, attachments: int | None = None) -> CardData:
    if attachments is None:
        attachments = len(await posts.attachments(post.id))
    return CardData(post=post, tz=await forum_tz(services, post.forum_id),
                    credited=await village_names(services, post.credited_villages), attachments=attachments)


async def load_full(services: Services, post: Post, *, reader_id: int | None, role: str) -> FullPost:
    """The full post for /baca; `reader_id` None when it is read in a group."""
    posts = posts_of(services)
    atts = await posts.attachments(post.id)
    reader = None
    if reader_id is not None:
        reader = Reader(user_id=reader_id, saved=await posts.is_bookmarked(post.id, reader_id),
                        can_moderate=allowed(role, Action.MODERATE_POSTS))  # type: ignore[arg-type]
    return FullPost(card=await load_card(services, posts, post, attachments=len(atts)), attachments=tuple(atts),
                    comments=tuple(await posts.comments(post.id)), reader=reader)


async def load_reader(services: Services, post: Post, user_id: int, role: str) -> Reader:
    return Reader(user_id=user_id, saved=await posts_of(services).is_bookmarked(post.id, user_id),
                  can_moderate=allowed(role, Action.MODERATE_POSTS))  # type: ignore[arg-type]


async def load_preview(services: Services, *, user_id: int, forum_id: int, title: str, bidang: str, kind: str,
                       parts: Sequence[str], attachments: int, link_type: str | None,
                       link_id: int | None) -> Preview:
    """The card the form's answers would make, before anything is saved."""
    member = await services.members.get(user_id)
    forum = await services.forums.get(forum_id)
    village_code = await services.access.village_of(forum_id, user_id)
    village = await services.regions.get(village_code) if village_code else None
    now = services.clock.now()
    draft = Post(id=0, forum_id=forum_id, author_user_id=user_id, village_code=village_code, title=title,
                 bidang=bidang, kind=kind, story=rules.join_story(list(parts)), status="published", created_at=now,
                 updated_at=now, author_name=member.full_name if member else "",
                 village_name=village.name if village else None)
    card = CardData(post=draft, tz=ZoneInfo(forum.timezone if forum else DEFAULT_TZ), credited=(),
                    attachments=attachments)
    return Preview(forum_name=forum.name if forum else "", card=card, link_type=link_type, link_id=link_id)


async def load_listing(services: Services, search_id: int, query: str, forum_ids: list[int], page: int,
                       bidang: str | None, kind: str | None) -> Listing:
    size = rules.PAGE_SIZE
    found = await posts_of(services).search(forum_ids, query, bidang=bidang, kind=kind, limit=size + 1,
                                            offset=page * size)
    shown = tuple(found[:size])
    return Listing(search_id=search_id, query=query, page=page, bidang=bidang, kind=kind, found=shown,
                   more=len(found) > size, tzs=await forum_tzs(services, (p.forum_id for p in shown)))


async def load_saved(services: Services, user_id: int, forum_ids: list[int], page: int) -> SavedPage:
    size = rules.PAGE_SIZE
    found = await posts_of(services).bookmarks(user_id, forum_ids, limit=size + 1, offset=page * size)
    shown = tuple(found[:size])
    return SavedPage(page=page, found=shown, more=len(found) > size,
                     tzs=await forum_tzs(services, (p.forum_id for p in shown)))


async def load_digest_panel(services: Services, forum: Forum, user_id: int) -> DigestPanel:
    posts = posts_of(services)
    membership = await services.members.membership(forum.id, user_id)
    return DigestPanel(forum=forum, settings=await posts.digest_settings(forum.id),
                       opted_out=await posts.digest_opted_out(forum.id, user_id),
                       may_pick_day=membership is not None and allowed(membership.role, Action.MANAGE_FORUM))
