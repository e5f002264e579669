"""When each planner must next look at an item: the `planner_due` table.

A planner selects the items due by index (`due`), does its work, then stores the next time
anything can happen to the item (`set_next`). Triggers in the schema reset an item to "now"
('') when its data changes, so a pass costs what is due, not what exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.database import Handle
from storage.timeutil import to_db

# Far enough to mean "nothing planned"; a data change resets it.
NEVER = "9999-12-31T00:00:00+00:00"


class PlanningRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    async def due(self, planner: str, now: datetime, *, limit: int = 5000) -> list[int]:
        """Items of `planner` due by `now`, earliest first."""
        rows = await self.db.fetchall(
            "SELECT item_id FROM planner_due WHERE planner = ? AND due_at <= ? ORDER BY due_at LIMIT ?",
            (planner, to_db(now), limit))
        return [int(r[0]) for r in rows]

    async def set_next(self, planner: str, items: Iterable[tuple[int, datetime | None]]) -> None:
        """Store each item's next due time (None: nothing ahead until its data changes)."""
        rows = [(planner, item_id, to_db(at) if at is not None else NEVER) for item_id, at in items]
        if rows:
            await self.db.executemany(
                "INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES (?, ?, ?)", rows)

    async def next_at(self, planner: str, item_id: int) -> str | None:
        """The stored due time (tests, tools)."""
        value = await self.db.fetchval("SELECT due_at FROM planner_due WHERE planner = ? AND item_id = ?",
                                       (planner, item_id))
        return str(value) if value is not None else None
