"""The member list rows (/anggota) and the repository writes that join the caller's unit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.config import Settings
from bot.services import Services
from storage.database import Database
from storage.members import MemberRepo
from tests.conftest import SIDASARI_CIPARI, seed_forum

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CARUY = "33.01.18.2001"
GANDRUNGMANGU = "33.01.10.2001"  # another kecamatan of Cilacap


def _services(db: Database) -> Services:
    return Services.build(Settings.model_validate({"storage": {"path": str(db.path)}}), db, FixedClock(NOW))


async def test_roster_lists_the_approved_village_in_kecamatan_order_with_light_rows(db: Database) -> None:
    services = _services(db)
    forum_id = await seed_forum(services, koordinator=1, members={
        1: ("Budi", SIDASARI_CIPARI), 2: ("Ani", CARUY), 3: ("Citra", GANDRUNGMANGU), 4: ("Dodi", CARUY)})
    async with services.write() as tx:
        # A profile change not approved in the forum: the forum still lists the approved village.
        await tx.members.set_profile_village(tx.conn, 2, GANDRUNGMANGU, NOW)
        await tx.members.upsert(tx.conn, user_id=5, full_name="Eko", jabatan="kades", village_code=CARUY,
                                language="id", now=NOW)
        await tx.members.add_membership(tx.conn, forum_id=forum_id, user_id=5, role="anggota", status="pending",
                                        now=NOW)
        await tx.members.mark_unreachable(tx.conn, 4, "blocked", NOW)
    roster = await services.members.roster(forum_id)
    full = await services.members.in_forum(forum_id)
    # The same people in the same order as the full models, with the same village names.
    assert [e.user_id for e in roster] == [e.member.user_id for e in full]
    assert [(e.village, e.kecamatan, e.kabupaten) for e in roster] == [
        (e.village.name, e.village.kecamatan, e.village.kabupaten) if e.village else (None, None, None) for e in full]
    ani = next(e for e in roster if e.user_id == 2)
    assert ani.village_code == CARUY and ani.kecamatan == "Cipari"
    kecamatan = [e.kecamatan for e in roster]
    assert kecamatan == sorted(kecamatan, key=lambda k: k or "~")
    assert next(e for e in roster if e.user_id == 4).unreachable_reason == "blocked"
    assert next(e for e in roster if e.user_id == 1).role == "koordinator"
    assert 5 not in {e.user_id for e in roster}
    assert [e.user_id for e in await services.members.roster(forum_id, statuses=("pending",))] == [5]
    assert await services.members.count_in_forum(forum_id) == 4
    assert await services.members.count_in_forum(forum_id, "pending") == 1
    with pytest.raises(AttributeError):  # slots: a light row, not a model
        ani.__dict__  # noqa: B018


async def test_erase_joins_the_callers_unit_or_runs_in_its_own(db: Database) -> None:
    services = _services(db)
    forum_id = await seed_forum(services, koordinator=1, members={1: ("Budi", SIDASARI_CIPARI), 2: ("Ani", CARUY)})
    with pytest.raises(RuntimeError):
        async with services.write() as tx:
            await tx.members.erase(2, NOW, "(dihapus)")
            assert (await tx.members.get(2)).erased_at is not None  # type: ignore[union-attr]
            raise RuntimeError("the use case failed after erasing")
    ani = await services.members.get(2)
    assert ani is not None and ani.full_name == "Ani" and ani.erased_at is None  # rolled back with the unit
    await MemberRepo(db).erase(2, NOW, "(dihapus)")  # on the Database: a unit of its own
    ani = await services.members.get(2)
    assert ani is not None and ani.full_name == "(dihapus)" and ani.village_code is None
    assert (await services.members.membership(forum_id, 2)).status == "removed"  # type: ignore[union-attr]
