"""The unit of work: one write transaction with the repositories bound to it.

    async with services.write() as tx:          # BEGIN IMMEDIATE on the one writer
        meeting = await tx.meetings.get(id)      # reads see this transaction's own writes
        await tx.meetings.set_rsvp(...)
        await tx.outbox.enqueue(key=..., ...)    # the pushes the change causes, same commit

A repository joins the unit when its constructor takes a `Handle` (the Database or a Tx)
instead of a Database; it is then reachable here as a lazily built attribute.
"""

from __future__ import annotations

from functools import cached_property

import aiosqlite

from storage.agreements import AgreementRepo
from storage.database import Tx
from storage.drafts import DraftRepo
from storage.forums import ForumRepo
from storage.governance import GovernanceRepo
from storage.inbox import BotStateRepo, InboxRepo
from storage.kerjasama import KerjasamaRepo
from storage.meetings import MeetingRepo
from storage.musyawarah import MusyawarahRepo
from storage.outbox import TxOutbox
from storage.planning import PlanningRepo
from storage.posts import PostRepo
from storage.regions import RegionRepo
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

    @cached_property
    def posts(self) -> PostRepo:
        return PostRepo(self.tx)

    @cached_property
    def agreements(self) -> AgreementRepo:
        return AgreementRepo(self.tx)

    @cached_property
    def kerjasama(self) -> KerjasamaRepo:
        return KerjasamaRepo(self.tx)

    @cached_property
    def forums(self) -> ForumRepo:
        return ForumRepo(self.tx)

    @cached_property
    def regions(self) -> RegionRepo:
        return RegionRepo(self.tx)

    @cached_property
    def inbox(self) -> InboxRepo:
        return InboxRepo(self.tx)

    @cached_property
    def bot_state(self) -> BotStateRepo:
        return BotStateRepo(self.tx)

    @cached_property
    def outbox(self) -> TxOutbox:
        return TxOutbox(self.tx.conn)

    @cached_property
    def musyawarah(self) -> MusyawarahRepo:
        return MusyawarahRepo(self.tx)
