"""Posts (berbagi pengalaman): stories, attachments, thanks, bookmarks, comments, search, digests.

The full-text index `posts_fts` holds only *published* posts (rowid = posts.id), already
normalised by bot.search_id, plus filter tokens (f<forum> b<bidang> k<kind>) in its `scope`
column, so a search touches only the asker's forums inside the index itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.search_id import index_text, match_expression
from storage.database import Database, Handle
from storage.directory import Hit
from storage.timeutil import from_db, to_db

PostStatus = Literal["published", "withdrawn", "hidden"]
CARD_KEY = "post:{id}:card"
SEARCH_WINDOW = 500  # newest matching posts ranked by relevance (see search())


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Post(_Model):
    id: int
    forum_id: int
    author_user_id: int
    village_code: str | None
    title: str
    bidang: str
    kind: str
    story: str
    status: PostStatus
    link_type: str | None = None
    link_id: int | None = None
    credited_villages: tuple[str, ...] = ()
    thanks_count: int = 0
    comments_count: int = 0
    hidden_reason: str | None = None
    hidden_by: int | None = None
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None = None
    # Joined for display.
    author_name: str = ""
    village_name: str | None = None


class Attachment(_Model):
    position: int
    kind: Literal["photo", "document"]
    file_id: str
    file_name: str | None = None


class Comment(_Model):
    id: int
    post_id: int
    user_id: int
    author_name: str
    village_name: str | None
    text: str
    source: Literal["group", "private"]
    created_at: datetime
    village_code: str | None = None


class DigestSettings(_Model):
    forum_id: int
    weekday: int = 0  # Monday
    hour: int = 7


_POST_SELECT = """SELECT p.*, coalesce(m.full_name, '') AS author_name, v.name AS village_name
    FROM posts p LEFT JOIN members m ON m.user_id = p.author_user_id
    LEFT JOIN regions v ON v.code = p.village_code"""


def _post(row: Any) -> Post:
    d = dict(row)
    for key in ("created_at", "updated_at", "edited_at"):
        d[key] = from_db(d[key])
    d["credited_villages"] = tuple(json.loads(d.pop("credited_villages") or "[]"))
    return Post(**d)


def scope_tokens(forum_id: int, bidang: str, kind: str) -> str:
    return f"f{forum_id} b{bidang} k{kind}"


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


async def index_post(db: Handle, post_id: int, forum_id: int, title: str, story: str, bidang: str,
                     kind: str) -> None:
    """(Re)index one published post for /cari."""
    await db.execute("DELETE FROM posts_fts WHERE rowid = ?", (post_id,))
    await db.execute(
        "INSERT INTO posts_fts(rowid, title, body, scope) VALUES (?, ?, ?, ?)",
        (post_id, index_text(title), index_text(story), scope_tokens(forum_id, bidang, kind)),
    )


class PostRepo:
    """Posts through a `Handle`: the Database for reads, or a unit of work's Tx (`tx.posts`).

    The writes that answer "did it happen?" (thank, bookmark, status, comment, digest run) read
    before they write; inside the unit's BEGIN IMMEDIATE transaction nothing can come between.
    """

    def __init__(self, db: Handle) -> None:
        self.db = db

    # -- writing ---------------------------------------------------------------------------
    async def create(self, *, forum_id: int, author_user_id: int,
                     village_code: str | None, title: str, bidang: str, kind: str, story: str, now: datetime,
                     credited_villages: Sequence[str] = (), link_type: str | None = None,
                     link_id: int | None = None, attachments: Sequence[tuple[str, str, str | None]] = (),
                     status: PostStatus = "published") -> int:
        """Insert a post (and index it when published); attachments are (kind, file_id, file_name)."""
        post_id = await self.db.execute(
            """INSERT INTO posts(forum_id, author_user_id, village_code, title, bidang, kind, story, status,
                                 link_type, link_id, credited_villages, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, author_user_id, village_code, title, bidang, kind, story, status, link_type, link_id,
             json.dumps(list(credited_villages)), to_db(now), to_db(now)),
        )
        if attachments:
            await self.db.executemany(
                "INSERT INTO post_attachments(post_id, position, kind, file_id, file_name) VALUES (?, ?, ?, ?, ?)",
                [(post_id, i, kind_, file_id, name) for i, (kind_, file_id, name) in enumerate(attachments)],
            )
        if status == "published":
            await index_post(self.db, post_id, forum_id, title, story, bidang, kind)
        return post_id

    async def update_content(self, post: Post, now: datetime, *,
                             title: str | None = None, story: str | None = None, bidang: str | None = None,
                             kind: str | None = None) -> Post:
        """Change what the author wrote; the index follows. Returns the post as it is now."""
        new = post.model_copy(update={k: v for k, v in {"title": title, "story": story, "bidang": bidang,
                                                         "kind": kind}.items() if v is not None})
        await self.db.execute(
            "UPDATE posts SET title = ?, story = ?, bidang = ?, kind = ?, updated_at = ?, edited_at = ? WHERE id = ?",
            (new.title, new.story, new.bidang, new.kind, to_db(now), to_db(now), post.id),
        )
        if new.status == "published":
            await index_post(self.db, post.id, new.forum_id, new.title, new.story, new.bidang, new.kind)
        return new

    async def set_status(self, post_id: int, status: PostStatus, now: datetime, *,
                         expect: PostStatus = "published", reason: str | None = None,
                         by: int | None = None) -> bool:
        """Withdraw or hide a post (it leaves the index); False when it was not `expect` any more."""
        if await self.db.fetchval("SELECT status FROM posts WHERE id = ?", (post_id,)) != expect:
            return False
        await self.db.execute(
            "UPDATE posts SET status = ?, hidden_reason = ?, hidden_by = ?, updated_at = ? WHERE id = ?",
            (status, reason, by, to_db(now), post_id),
        )
        if status != "published":
            await self.db.execute("DELETE FROM posts_fts WHERE rowid = ?", (post_id,))
        return True

    async def thank(self, post_id: int, user_id: int, now: datetime) -> tuple[bool, int]:
        """Record one member's thanks; (False, count) when they had thanked already."""
        added = not await self.has_thanked(post_id, user_id)
        if added:
            await self.db.execute(
                "INSERT INTO post_thanks(post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (post_id, user_id, to_db(now)),
            )
            # Incremented, not recounted (bench/posts.py: a recount of 5,000 thanks costs 5x):
            # inside the unit's transaction the check above and this write cannot be split.
            await self.db.execute("UPDATE posts SET thanks_count = thanks_count + 1 WHERE id = ?", (post_id,))
        count = await self.db.fetchval("SELECT thanks_count FROM posts WHERE id = ?", (post_id,))
        return added, int(count or 0)

    async def has_thanked(self, post_id: int, user_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM post_thanks WHERE post_id = ? AND user_id = ?", (post_id, user_id)))

    async def toggle_bookmark(self, post_id: int, user_id: int, now: datetime) -> bool:
        """Save the post for the user, or unsave it when saved; True when it is saved now."""
        if await self.is_bookmarked(post_id, user_id):
            await self.db.execute("DELETE FROM post_bookmarks WHERE user_id = ? AND post_id = ?", (user_id, post_id))
            return False
        await self.db.execute("INSERT INTO post_bookmarks(user_id, post_id, created_at) VALUES (?, ?, ?) "
                              "ON CONFLICT DO NOTHING", (user_id, post_id, to_db(now)))
        return True

    async def is_bookmarked(self, post_id: int, user_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM post_bookmarks WHERE post_id = ? AND user_id = ?", (post_id, user_id)))

    async def add_comment(self, *, post_id: int, user_id: int, text: str,
                          source: Literal["group", "private"], now: datetime, chat_id: int | None = None,
                          message_id: int | None = None) -> int | None:
        """Keep a comment; None when this group message was stored already (a replayed update)."""
        if chat_id is not None and message_id is not None and await self.db.fetchval(
                "SELECT 1 FROM post_comments WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)):
            return None
        comment_id = await self.db.execute(
            """INSERT INTO post_comments(post_id, user_id, text, source, chat_id, message_id, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (post_id, user_id, text, source, chat_id, message_id, to_db(now)),
        )
        await self.db.execute("UPDATE posts SET comments_count = comments_count + 1 WHERE id = ?", (post_id,))
        return comment_id

    # -- reading ---------------------------------------------------------------------------
    async def get(self, post_id: int) -> Post | None:
        row = await self.db.fetchone(f"{_POST_SELECT} WHERE p.id = ?", (post_id,))
        return _post(row) if row else None

    async def attachments(self, post_id: int) -> list[Attachment]:
        rows = await self.db.fetchall(
            "SELECT position, kind, file_id, file_name FROM post_attachments WHERE post_id = ? ORDER BY position",
            (post_id,))
        return [Attachment(**dict(r)) for r in rows]

    async def comments(self, post_id: int, limit: int = 30) -> list[Comment]:
        """The latest `limit` comments, oldest first."""
        rows = await self.db.fetchall(
            """SELECT * FROM (
                   SELECT c.id, c.post_id, c.user_id, coalesce(m.full_name, '') AS author_name,
                          v.name AS village_name, m.village_code, c.text, c.source, c.created_at
                   FROM post_comments c LEFT JOIN members m ON m.user_id = c.user_id
                   LEFT JOIN regions v ON v.code = m.village_code
                   WHERE c.post_id = ? ORDER BY c.created_at DESC, c.id DESC LIMIT ?)
               ORDER BY created_at, id""",
            (post_id, limit))
        return [Comment(**(dict(r) | {"created_at": from_db(r["created_at"])})) for r in rows]

    async def search(self, forum_ids: Sequence[int], query: str, *, bidang: str | None = None,
                     kind: str | None = None, limit: int = 5, offset: int = 0) -> list[Post]:
        """Published posts in these forums matching `query`, most relevant first, then newest.

        Empty query: the newest posts. The forum (and bidang/kind) filter runs inside the index.
        """
        if not forum_ids:
            return []
        expression = match_expression(query) if query.strip() else None
        if query.strip() and expression is None:
            return []
        scope = "(" + " OR ".join(f'"f{int(f)}"' for f in forum_ids) + ")"
        if bidang:
            scope += f' AND "b{bidang}"'
        if kind:
            scope += f' AND "k{kind}"'
        if expression is None:
            return await self.newest(forum_ids, bidang=bidang, kind=kind, limit=limit, offset=offset)
        match = f"{{scope}} : ({scope}) AND {expression}"
        # Relevance is computed for the newest SEARCH_WINDOW matches only: a very common word in
        # a forum network of 100,000 posts would otherwise rank every one of them (slow), and
        # an old story that matches as well as a new one is the less useful of the two anyway.
        rows = await self.db.fetchall(
            f"""{_POST_SELECT} JOIN (
                    SELECT pid, r FROM (
                        SELECT rowid AS pid, rank AS r FROM posts_fts WHERE posts_fts MATCH ?
                        ORDER BY rowid DESC LIMIT ?)
                    ORDER BY r, pid DESC LIMIT ? OFFSET ?) hit ON hit.pid = p.id
                WHERE p.status = 'published' AND p.forum_id IN ({_marks(forum_ids)})
                ORDER BY hit.r, p.id DESC""",
            (match, SEARCH_WINDOW, limit, offset, *forum_ids),
        )
        return [_post(r) for r in rows]

    async def newest(self, forum_ids: Sequence[int], *, bidang: str | None = None, kind: str | None = None,
                     limit: int = 5, offset: int = 0) -> list[Post]:
        if not forum_ids:
            return []
        params: list[Any] = list(forum_ids)
        extra = ""
        if bidang:
            extra += " AND p.bidang = ?"
            params.append(bidang)
        if kind:
            extra += " AND p.kind = ?"
            params.append(kind)
        rows = await self.db.fetchall(
            f"""{_POST_SELECT} WHERE p.forum_id IN ({_marks(forum_ids)}) AND p.status = 'published'{extra}
                ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?""",
            (*params, limit, offset),
        )
        return [_post(r) for r in rows]

    async def bookmarks(self, user_id: int, forum_ids: Sequence[int], *, limit: int = 5,
                        offset: int = 0) -> list[Post]:
        """The user's saved posts that are still published in forums they belong to, newest saved first."""
        if not forum_ids:
            return []
        rows = await self.db.fetchall(
            f"""{_POST_SELECT} JOIN post_bookmarks b ON b.post_id = p.id
                WHERE b.user_id = ? AND p.status = 'published' AND p.forum_id IN ({_marks(forum_ids)})
                ORDER BY b.created_at DESC, p.id DESC LIMIT ? OFFSET ?""",
            (user_id, *forum_ids, limit, offset),
        )
        return [_post(r) for r in rows]

    async def in_period(self, forum_id: int, start: datetime, end: datetime, *,
                        statuses: Sequence[str] = ("published",)) -> list[Post]:
        """Posts created in [start, end) in one forum, oldest first (reports, digests)."""
        rows = await self.db.fetchall(
            f"""{_POST_SELECT} WHERE p.forum_id = ? AND p.created_at >= ? AND p.created_at < ?
                AND p.status IN ({_marks(statuses)}) ORDER BY p.created_at, p.id""",
            (forum_id, to_db(start), to_db(end), *statuses),
        )
        return [_post(r) for r in rows]

    async def most_thanked(self, forum_id: int, start: datetime, end: datetime, limit: int = 3) -> list[
            tuple[Post, int]]:
        """Published posts with the most thanks given in [start, end), with that count."""
        rows = await self.db.fetchall(
            f"""SELECT q.*, t.n AS week_thanks FROM ({_POST_SELECT}) q JOIN (
                    SELECT th.post_id, count(*) AS n FROM post_thanks th JOIN posts pp ON pp.id = th.post_id
                    WHERE pp.forum_id = ? AND th.created_at >= ? AND th.created_at < ? GROUP BY th.post_id
                ) t ON t.post_id = q.id
                WHERE q.status = 'published' ORDER BY t.n DESC, q.id DESC LIMIT ?""",
            (forum_id, to_db(start), to_db(end), limit),
        )
        out = []
        for r in rows:
            d = dict(r)
            n = int(d.pop("week_thanks"))
            out.append((_post(d), n))
        return out

    # -- the group card --------------------------------------------------------------------
    async def card_message(self, post_id: int) -> tuple[int, int] | None:
        """(chat_id, message_id) of the post's card in the group, once it was sent."""
        row = await self.db.fetchone(
            "SELECT chat_id, message_id FROM outbox WHERE idem_key = ? AND status = 'sent' AND message_id IS NOT NULL",
            (CARD_KEY.format(id=post_id),))
        return (int(row[0]), int(row[1])) if row else None

    async def card_pending(self, post_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM outbox WHERE idem_key = ? AND status IN ('pending', 'sending')",
            (CARD_KEY.format(id=post_id),)))

    async def post_of_message(self, chat_id: int, message_id: int) -> int | None:
        """The post whose group card (or a card attachment) is this message."""
        row = await self.db.fetchone(
            """SELECT idem_key FROM outbox WHERE chat_id = ? AND message_id = ? AND status = 'sent'
               AND idem_key LIKE 'post:%' ORDER BY id DESC LIMIT 1""",
            (chat_id, message_id))
        if row is None:
            return None
        parts = str(row[0]).split(":")
        return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() and parts[2] in ("card", "att") else None

    # -- searches (for result-page buttons) ------------------------------------------------
    async def add_question(self, post_id: int, asker_user_id: int, now: datetime) -> int:
        return await self.db.execute("INSERT INTO post_questions(post_id, asker_user_id, asked_at) VALUES (?, ?, ?)",
                                     (post_id, asker_user_id, to_db(now)))

    async def question(self, question_id: int) -> tuple[int, int] | None:
        """(post id, asker user id) of a stored question."""
        row = await self.db.fetchone("SELECT post_id, asker_user_id FROM post_questions WHERE id = ?", (question_id,))
        return (int(row["post_id"]), int(row["asker_user_id"])) if row else None

    async def save_search(self, user_id: int, query: str, forum_id: int | None, now: datetime) -> int:
        return await self.db.execute(
            "INSERT INTO post_searches(user_id, query, forum_id, created_at) VALUES (?, ?, ?, ?)",
            (user_id, query, forum_id, to_db(now)))

    async def get_search(self, search_id: int) -> tuple[int, str, int | None] | None:
        row = await self.db.fetchone("SELECT user_id, query, forum_id FROM post_searches WHERE id = ?",
                                     (search_id,))
        return (int(row[0]), str(row[1]), row[2]) if row else None

    # -- digest ----------------------------------------------------------------------------
    async def digest_settings(self, forum_id: int) -> DigestSettings:
        row = await self.db.fetchone(
            "SELECT digest_weekday, digest_hour FROM post_forum_settings WHERE forum_id = ?", (forum_id,))
        if row is None:
            return DigestSettings(forum_id=forum_id)
        return DigestSettings(forum_id=forum_id, weekday=int(row[0]), hour=int(row[1]))

    async def set_digest_day(self, forum_id: int, weekday: int) -> None:
        await self.db.execute(
            """INSERT INTO post_forum_settings(forum_id, digest_weekday) VALUES (?, ?)
               ON CONFLICT(forum_id) DO UPDATE SET digest_weekday = excluded.digest_weekday""",
            (forum_id, weekday))

    async def set_digest_optout(self, forum_id: int, user_id: int, out: bool, now: datetime) -> None:
        if out:
            await self.db.execute(
                "INSERT INTO post_digest_optouts(forum_id, user_id, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING", (forum_id, user_id, to_db(now)))
        else:
            await self.db.execute("DELETE FROM post_digest_optouts WHERE forum_id = ? AND user_id = ?",
                                  (forum_id, user_id))

    async def digest_opted_out(self, forum_id: int, user_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM post_digest_optouts WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)))

    async def digest_recipients(self, forum_id: int) -> list[tuple[int, str]]:
        """Active, reachable, not erased members who did not opt out: (user_id, language)."""
        rows = await self.db.fetchall(
            """SELECT m.user_id, m.language FROM memberships ms JOIN members m ON m.user_id = ms.user_id
               WHERE ms.forum_id = ? AND ms.status = 'active' AND m.erased_at IS NULL
                 AND m.unreachable_reason IS NULL
                 AND NOT EXISTS (SELECT 1 FROM post_digest_optouts o
                                 WHERE o.forum_id = ms.forum_id AND o.user_id = ms.user_id)
               ORDER BY m.user_id""",
            (forum_id,))
        return [(int(r[0]), str(r[1])) for r in rows]

    async def digest_done(self, forum_id: int, local_date: str) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM post_digest_runs WHERE forum_id = ? AND local_date = ?", (forum_id, local_date)))

    async def mark_digest(self, forum_id: int, local_date: str, posts: int, recipients: int,
                          now: datetime) -> bool:
        """Record the forum's digest of this local day; False when it was recorded already."""
        if await self.digest_done(forum_id, local_date):
            return False
        await self.db.execute(
            """INSERT INTO post_digest_runs(forum_id, local_date, posts, recipients, created_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (forum_id, local_date, posts, recipients, to_db(now)))
        return True

    async def all_forum_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT id, timezone FROM forums ORDER BY id")
        return [int(r[0]) for r in rows]

    async def link_target_exists(self, link_type: str, link_id: int, forum_id: int) -> bool | None:
        """Whether the linked agreement/visit exists in this forum; None when that feature has no
        table in this database yet (the link is then kept as typed)."""
        table = {"agreement": "agreements", "visit": "visits"}[link_type]
        exists = await self.db.fetchval("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        if not exists:
            return None
        try:
            return bool(await self.db.fetchval(f"SELECT 1 FROM {table} WHERE id = ? AND forum_id = ?",
                                               (link_id, forum_id)))
        except Exception:  # the other feature's table has another shape: do not block posting
            return None


async def village_hits(db: Database, terms: list[str], village_codes: Sequence[str]) -> list[Hit]:
    """`/cari_desa` source: villages whose shared experience matches the words.

    A post counts for its author's village and every village it credits. No snippet is
    returned: the directory may span forums the post does not belong to.
    """
    expression = match_expression(" ".join(terms))
    wanted = set(village_codes)
    if expression is None or not wanted:
        return []
    rows = await db.fetchall(
        """SELECT p.village_code, p.credited_villages, hit.r FROM posts p JOIN (
               SELECT rowid AS pid, rank AS r FROM posts_fts WHERE posts_fts MATCH ?
               ORDER BY rowid DESC LIMIT ?) hit ON hit.pid = p.id
           WHERE p.status = 'published'""",
        (expression, SEARCH_WINDOW),
    )
    best: dict[str, float] = {}
    for row in rows:
        villages = {row["village_code"], *json.loads(row["credited_villages"] or "[]")}
        for code in villages & wanted:
            best[code] = min(best.get(code, 0.0), float(row["r"]))
    return [Hit(code, score, len(terms), "post") for code, score in best.items()]
