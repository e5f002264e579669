"""The unit of work: one write transaction with the repositories bound to it.

    async with services.write() as tx:          # BEGIN IMMEDIATE on the one writer
        meeting = await tx.meetings.get(id)      # reads see this transaction's own writes
        await tx.meetings.set_rsvp(...)
        await outbox.enqueue(tx.conn, ...)       # the pushes the change causes, same commit

A repository joins the unit when its constructor takes a `Handle` (the Database or a Tx)
instead of a Database; it is then reachable here as a lazily built attribute.
"""

from __future__ import annotations

from functools import cached_property

import aiosqlite

from storage.database import Tx
from storage.drafts import DraftRepo
from storage.governance import GovernanceRepo
from storage.meetings import MeetingRepo
from storage.planning import PlanningRepo
from storage.visits import VisitRepo


class Unit:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    @property
    def conn(self) -> aiosqlite.Connection:
        """For the writers that still take a connection (outbox.enqueue, static repo writes)."""
        return self.tx.conn

    @cached_property
    def drafts(self) -> DraftRepo:
        return DraftRepo(self.tx)

    @cached_property
    def meetings(self) -> MeetingRepo:
        return MeetingRepo(self.tx)

    @cached_property
    def visits(self) -> VisitRepo:
        return VisitRepo(self.tx)

    @cached_property
    def governance(self) -> GovernanceRepo:
        return GovernanceRepo(self.tx)

    @cached_property
    def planning(self) -> PlanningRepo:
        return PlanningRepo(self.tx)
