"""Benchmark: one step of the small meeting forms on the form engine vs the hand-rolled way.

    python bench/meeting_forms.py [--members 100] [--presses 200]

Real SQLite file; a forum of `--members` kades and a meeting that has ended. Times, per update:
  - daftar hadir toggle (the hard case: the whole list lives in the draft and the whole sheet is
    drawn again): the engine ("ma": load and validate the draft, toggle, save, draw the sheet) vs
    the hand-rolled handler it replaces (read the draft dict, check the koordinator's right on the
    meeting again, toggle, save the dict, draw the sheet);
  - notulen decision typed: the engine ("mm": load, parse, save, draw "Keputusan sejauh ini") vs
    hand-rolled (read the dict, parse, save, draw);
  - RSVP reason typed: the engine ("mr": load, clean, save the reason in one unit, drop the draft)
    vs hand-rolled (read the dict, clean, the same use case).
No Telegram here: what is timed is the work in the update path that the engine adds or removes.
Prints p50/p95 and the commit; figures are noisy on a shared machine (other test suites run on
the same 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import commit, seed_forum, summary
from bot import forms
from bot.callbacks import decode, encode
from bot.clock import FixedClock
from bot.config import load_settings
from bot.forms import Answer
from bot.meetings import service
from bot.meetings.forms_after import ATTENDANCE, FOLLOW_UP, MINUTES, FollowUp, attendance_of, minutes_of
from bot.meetings.rules import MAX_DECISIONS, MAX_REASON, agenda_items, clean_text
from bot.meetings.views import FEATURE
from bot.meetings.views_after import attendance_sheet
from bot.permissions import Action
from bot.services import Services
from bot.texts import t
from bot.view import Button, View
from storage.database import Database

START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
KOORD = 1



async def seed(services: Services, members: int) -> tuple[int, int]:
    """A forum of `members` kades (user 1 the koordinator) and one meeting, two hours long, that has ended."""
    forum_id = await seed_forum(services, members, START)
    async with services.write() as tx:
        meeting_id = await tx.meetings.create(forum_id=forum_id, title="Rapat bench", starts_at=START,
                                              duration_minutes=120, timezone="Asia/Jakarta", place_kind="none",
                                              created_by=1, now=START)
    return forum_id, meeting_id


async def engine_toggle(services: Services, meeting_id: int, presses: int) -> list[float]:
    sheet = await service.attendance_sheet(services, meeting_id, KOORD)
    out = await forms.start(services, KOORD, ATTENDANCE, attendance_of(sheet), "id")
    buttons = [b.data for row in out.send[0].buttons for b in row if b.data][:-1]  # toggles, not Simpan
    pressed = [decode(data) for data in buttons]
    out_ = []
    for i in range(presses):
        data = pressed[i % len(pressed)]
        assert data is not None
        began = time.perf_counter()
        reply = await forms.on_button(services, KOORD, data, "id")
        out_.append(time.perf_counter() - began)
        assert reply.edit is not None  # toggled: the sheet is drawn again in place
    draft = await services.drafts.get(KOORD)
    assert draft is not None and draft.flow == ATTENDANCE.code
    return out_


async def hand_toggle(services: Services, meeting_id: int, presses: int) -> list[float]:
    """What the old handler did per press (handlers/meetings_after.py at 984b820)."""
    sheet = await service.attendance_sheet(services, meeting_id, KOORD)
    await services.drafts.save(KOORD, "hand", "pick", {"meeting_id": meeting_id, "people": sheet.people,
                                                        "present": sheet.present}, START)
    ids = [int(p[0]) for p in sheet.people]
    out = []
    for i in range(presses):
        began = time.perf_counter()
        draft = await services.drafts.get(KOORD)
        assert draft is not None
        uid = ids[i % len(ids)]
        meeting, _ = await service.meeting_for(services, meeting_id, KOORD, Action.MANAGE_MEETING)
        present = sorted(set(draft.data["present"]) ^ {uid})
        draft = await services.drafts.save(KOORD, "hand", "pick", {**draft.data, "present": present}, START)
        people = [(int(p[0]), str(p[1])) for p in draft.data["people"]]
        attendance_sheet(meeting.title, people, set(present), "id",
                         lambda label, value: Button(label, data=encode(FEATURE, "at", meeting_id, value)), "s")
        out.append(time.perf_counter() - began)
    return out


async def engine_decision(services: Services, forum_id: int, meeting_id: int, count: int) -> list[float]:
    out = []
    await forms.start(services, KOORD, MINUTES, minutes_of(meeting_id, forum_id, "Rapat bench", "Asia/Jakarta"), "id")
    for i in range(count):
        began = time.perf_counter()
        draft = await services.drafts.get(KOORD)
        assert draft is not None
        await forms.on_input(services, draft, Answer(text=f"Keputusan nomor {i}"), "id")
        out.append(time.perf_counter() - began)
    return out


async def hand_decision(services: Services, meeting_id: int, count: int) -> list[float]:
    out = []
    await services.drafts.save(KOORD, "hand", "decisions", {"meeting_id": meeting_id, "decisions": [], "actions": []},
                               START)
    for i in range(count):
        began = time.perf_counter()
        draft = await services.drafts.get(KOORD)
        assert draft is not None
        items = [*draft.data["decisions"], *agenda_items(f"Keputusan nomor {i}")]
        assert len(items) <= MAX_DECISIONS
        await services.drafts.save(KOORD, "hand", "decisions", {**draft.data, "decisions": items}, START)
        listing = "\n".join(f"{n}. {x}" for n, x in enumerate(items, 1))
        View(str(t("meet.min.decisions_so_far", "id", items=listing)))
        out.append(time.perf_counter() - began)
    return out


async def answer_no(services: Services, meeting_id: int, users: range) -> None:
    for user in users:
        await service.rsvp(services, meeting_id, user, "no")


async def engine_reason(services: Services, meeting_id: int, users: range) -> list[float]:
    out = []
    for user in users:
        await forms.start(services, user, FOLLOW_UP, FollowUp(meeting_id=meeting_id), "id", only="reason")
        began = time.perf_counter()
        draft = await services.drafts.get(user)
        assert draft is not None
        await forms.on_input(services, draft, Answer(text="Ada musdes di desa"), "id")
        out.append(time.perf_counter() - began)
    return out


async def hand_reason(services: Services, meeting_id: int, users: range) -> list[float]:
    out = []
    for user in users:
        await services.drafts.save(user, "hand", "reason", {"meeting_id": meeting_id}, START)
        began = time.perf_counter()
        draft = await services.drafts.get(user)
        assert draft is not None
        reason = clean_text("Ada musdes di desa", max_length=MAX_REASON)
        await service.give_reason(services, int(draft.data["meeting_id"]), user, reason)
        out.append(time.perf_counter() - began)
    return out


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.open()
        clock = FixedClock(START)
        services = Services.build(load_settings(None, environ={"KADES_STORAGE__PATH": str(Path(tmp) / "x")}),
                                  db, clock)
        try:
            forum_id, meeting_id = await seed(services, args.members)
            clock.set(START - timedelta(hours=1))
            await answer_no(services, meeting_id, range(2, args.members + 1))  # before the start: RSVPs close then
            clock.set(START + timedelta(hours=3))
            runs: dict[str, list[float]] = {}
            for _ in range(2):  # interleaved, twice: the shared machine's load shifts during a run
                runs.setdefault("toggle, engine", []).extend(await engine_toggle(services, meeting_id, args.presses))
                runs.setdefault("toggle, hand-rolled", []).extend(await hand_toggle(services, meeting_id, args.presses))
                runs.setdefault("decision, engine", []).extend(
                    await engine_decision(services, forum_id, meeting_id, MAX_DECISIONS))
                runs.setdefault("decision, hand-rolled", []).extend(
                    await hand_decision(services, meeting_id, MAX_DECISIONS))
            clock.set(START - timedelta(hours=1))  # reasons are given before the meeting
            half = 2 + (args.members - 1) // 2
            runs["reason, engine"] = await engine_reason(services, meeting_id, range(2, half))
            runs["reason, hand-rolled"] = await hand_reason(services, meeting_id, range(half, args.members + 1))
        finally:
            await db.close()
    print(f"commit {commit()}; forum of {args.members} members (noisy shared machine)")
    for name, values in runs.items():
        print(f"{name:24s} n={len(values):4d} {summary(values)}  max={max(values) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
