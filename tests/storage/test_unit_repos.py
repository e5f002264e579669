"""The unit of work with the cross-cutting repositories bound to it: forums, drafts, inbox, outbox.

Reads through the unit see its own writes; an exception rolls back every repository's writes
and the pushes with them; outside a unit each repository call is its own transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.database import Database, joined
from storage.drafts import DraftRepo
from storage.forums import ForumRepo
from storage.inbox import BotStateRepo
from storage.outbox import OutboxRepo
from storage.unit import Unit

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def _forum(tx: Unit) -> int:
    return await tx.forums.create(tx.conn, name="Forum Kades Cipari", scope_code="33.01.18",
                                  timezone="Asia/Jakarta", created_by=1001, now=NOW)


async def test_reads_in_a_unit_see_its_writes_and_commit_together(db: Database) -> None:
    async with db.write() as handle:
        tx = Unit(handle)
        forum_id = await _forum(tx)
        await tx.forums.link_group(forum_id, -100123)
        invite = await tx.forums.new_invite(forum_id, 1001, NOW)
        assert (await tx.forums.by_group(-100123)) is not None  # its own write, before the commit
        assert (await tx.forums.invite(invite.code)) is not None
        assert await ForumRepo(db).get(forum_id) is None  # the reader does not see it yet
        await tx.drafts.save(1001, "forum", "name", {"name": "Budi"}, NOW)
        assert await tx.drafts.clear(1001) is True
        assert await tx.outbox.enqueue(key="forum:1:hello", chat_id=1001, text="Halo", due_at=NOW, now=NOW)
        assert await tx.outbox.is_pending("forum:1:hello")
    assert (await ForumRepo(db).by_group(-100123)) is not None
    assert await DraftRepo(db).get(1001) is None
    assert (await OutboxRepo(db).by_key("forum:1:hello") or {}).get("status") == "pending"


async def test_an_error_rolls_back_every_repository_and_the_pushes(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as handle:
            tx = Unit(handle)
            forum_id = await _forum(tx)
            await tx.forums.new_invite(forum_id, 1001, NOW)
            await tx.drafts.save(1001, "forum", "name", {}, NOW)
            await tx.bot_state.get_or_create("webhook_secret", lambda: "s3cret")
            await tx.outbox.enqueue(key="forum:x", chat_id=1001, text="Halo", due_at=NOW, now=NOW)
            raise RuntimeError("the use case failed half way")
    assert await db.fetchval("SELECT count(*) FROM forums") == 0
    assert await db.fetchval("SELECT count(*) FROM invites") == 0
    assert await DraftRepo(db).get(1001) is None
    assert await BotStateRepo(db).get("webhook_secret") is None
    assert await OutboxRepo(db).by_key("forum:x") is None


async def test_outside_a_unit_each_call_is_its_own_transaction(db: Database) -> None:
    async with db.write() as handle:
        forum_id = await _forum(Unit(handle))
    forums = ForumRepo(db)
    first = await forums.new_invite(forum_id, 1001, NOW)
    second = await forums.new_invite(forum_id, 1001, NOW)  # revokes the first, atomically
    active = await forums.active_invite(forum_id)
    assert active is not None and active.code == second.code != first.code
    assert await forums.revoke_invites(forum_id, NOW) == 1


async def test_joined_joins_a_unit_or_opens_its_own(db: Database) -> None:
    async with db.write() as handle:
        async with joined(handle) as inner:
            assert inner is handle  # no nested transaction
    async with joined(db) as tx:
        await tx.execute("INSERT INTO bot_state(key, value) VALUES ('k', 'v')")
    assert await BotStateRepo(db).get("k") == "v"
