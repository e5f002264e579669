"""The inbox table: batches stored once, replay order, done marks, pruning, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.database import HANDLING_UPDATE, Database
from storage.inbox import InboxRepo, IncomingUpdate, chat_key_of
from storage.members import MemberRepo

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def update(update_id: int, user_id: int, text: str = "halo") -> IncomingUpdate:
    raw = {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "text": text,
                                               "chat": {"id": user_id, "type": "private"},
                                               "from": {"id": user_id, "is_bot": False, "first_name": "Budi"}}}
    key, sender = chat_key_of(raw)
    return IncomingUpdate(update_id, key, sender, raw)


async def test_a_redelivered_batch_is_stored_once_and_replayed_in_order(db: Database) -> None:
    repo = InboxRepo(db)
    assert await repo.store([update(1, 11), update(2, 12)], NOW) == {1, 2}
    assert await repo.store([update(2, 12), update(3, 11)], NOW) == {3}  # 2 came again before confirm
    assert [(u.update_id, u.chat_key) for u in await repo.open_rows()] == [(1, 11), (2, 12), (3, 11)]


async def test_a_write_while_handling_marks_the_update_applied_in_the_same_commit(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([update(1, 11), update(2, 11)], NOW)
    token = HANDLING_UPDATE.set(1)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO drafts(user_id, flow, step, data, updated_at) VALUES (11, 'f', 's', '{}', ?)",
                               (NOW.isoformat(),))
    finally:
        HANDLING_UPDATE.reset(token)
    assert await repo.status(1) == "applied"
    try:
        token = HANDLING_UPDATE.set(2)
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM drafts WHERE user_id = 11")
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    finally:
        HANDLING_UPDATE.reset(token)
    assert await repo.status(2) == "new"  # rolled back with the change
    await repo.mark_done([1, 2], NOW)
    assert await repo.counts() == {"done": 2}


async def test_prune_keeps_recent_and_open_rows(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([update(1, 11), update(2, 11)], NOW - timedelta(days=8))
    await repo.store([update(3, 11)], NOW)
    await repo.mark_done([1, 3], NOW)
    assert await repo.prune(NOW, timedelta(days=7)) == 1
    assert await repo.status(1) is None and await repo.status(2) == "new" and await repo.status(3) == "done"


async def test_erasing_a_member_removes_their_handled_updates(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([update(1, 11), update(2, 12)], NOW)
    await repo.mark_done([1, 2], NOW)
    members = MemberRepo(db)
    async with db.transaction() as conn:
        await members.upsert(conn, user_id=11, full_name="Budi", jabatan="kades", village_code=None,
                             language="id", now=NOW)
    async with db.write() as tx:
        await MemberRepo(tx).erase(11, NOW, "(dihapus)")
    assert await repo.status(1) is None and await repo.status(2) == "done"
