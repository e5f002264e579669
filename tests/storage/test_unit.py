"""The unit of work: repositories bound to one write transaction read its own writes; an error
rolls every write back; outside it, readers see only committed state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.database import Database
from storage.forums import ForumRepo
from storage.meetings import MeetingRepo
from storage.unit import Unit

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def _forum(db: Database) -> int:
    async with db.transaction() as conn:
        return await ForumRepo(db).create(conn, name="Forum", scope_code="33.01.18", timezone="Asia/Jakarta",
                                          created_by=1, now=NOW)


async def _meeting(tx: Unit, forum_id: int) -> int:
    return await tx.meetings.create(forum_id=forum_id, title="Rapat", starts_at=NOW,
                                    duration_minutes=60, timezone="Asia/Jakarta", place_kind="none",
                                    created_by=1, now=NOW)


async def test_reads_inside_see_own_writes_and_commit_once(db: Database) -> None:
    forum_id = await _forum(db)
    outside = MeetingRepo(db)
    async with db.write() as handle:
        tx = Unit(handle)
        meeting_id = await _meeting(tx, forum_id)
        assert (await tx.meetings.get(meeting_id)) is not None
        assert await outside.get(meeting_id) is None  # not committed yet
    committed = await outside.get(meeting_id)
    assert committed is not None and committed.title == "Rapat"


async def test_error_rolls_everything_back(db: Database) -> None:
    forum_id = await _forum(db)
    meeting_id = 0
    with pytest.raises(RuntimeError):
        async with db.write() as handle:
            meeting_id = await _meeting(Unit(handle), forum_id)
            raise RuntimeError("boom")
    assert meeting_id and await MeetingRepo(db).get(meeting_id) is None
    # The writer is free again: a new unit commits.
    async with db.write() as handle:
        assert await _meeting(Unit(handle), forum_id)
