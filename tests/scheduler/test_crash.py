"""A broadcast survives kill -9 mid-way: the real bot process (`python -m bot run`) against the double.

After the restart every member has the broadcast; a member gets it twice only if their push
was in flight at the kill ('sending' in the database), so duplicates <= in_flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from bot.clock import SystemClock
from storage.broadcasts import Audience, BroadcastRepo
from storage.database import Database
from storage.outbox import OutboxRepo
from tests.double import TelegramDouble
from tests.world import make_world

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 150
IN_FLIGHT = 30


def bot_env(double: TelegramDouble, db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KADES_", "TELEGRAM_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": double.file_base_url,
        "KADES_STORAGE__PATH": str(db_path),
        "KADES_DELIVERY__IN_FLIGHT": str(IN_FLIGHT),
        "KADES_TELEGRAM__POLL_TIMEOUT": "1",
    })
    return env


async def start(env: dict[str, str], cwd: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
                                                    stdout=sink, stderr=sink)


def broadcast_counts(double: TelegramDouble, members: list[int]) -> Counter[int]:
    wanted = set(members)
    return Counter(m.chat_id for m in double.sent() if m.chat_id in wanted and "Kerja bakti" in m.text)


async def wait_until(predicate: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_broadcast_survives_kill_9_and_restart(tmp_path: Path, db_path: Path) -> None:
    clock = SystemClock()
    db = Database(db_path)
    await db.open()
    world = await make_world(db, clock.now(), members=MEMBERS)
    broadcast = await BroadcastRepo(db).create(
        forum_id=world.forum_id, created_by=world.coordinator, text="Kerja bakti Minggu", audience=Audience(),
        scheduled_at=clock.now(), now=clock.now(), render={"id": "📢 Kerja bakti Minggu"}, group_chat_id=None,
    )
    assert broadcast.recipients == MEMBERS
    await db.close()

    # A round trip like Telegram's keeps sends in flight at the moment of the kill.
    async with TelegramDouble(rtt=0.05) as double:
        for uid in [world.coordinator, *world.members]:
            double.user(uid, f"Kades {uid}")
        env = bot_env(double, db_path)
        log = tmp_path / "bot.log"
        proc = await start(env, tmp_path, log)
        try:
            await wait_until(lambda: sum(broadcast_counts(double, world.members).values()) >= MEMBERS // 3, 30)
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        delivered_before = broadcast_counts(double, world.members)
        assert len(delivered_before) < MEMBERS, "the kill came too late to test anything"

        db = Database(db_path)
        await db.open()
        counts = await OutboxRepo(db).counts()
        in_flight_at_kill = counts.get("sending", 0)
        assert in_flight_at_kill <= IN_FLIGHT
        await db.close()

        proc = await start(env, tmp_path, log)
        try:
            await wait_until(lambda: len(broadcast_counts(double, world.members)) == MEMBERS, 60)
        finally:
            # Counted after the process has drained and exited, so a late duplicate can't slip by.
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 15) == 0

        received = broadcast_counts(double, world.members)
        assert set(received) == set(world.members)  # nobody lost
        duplicates = sum(n - 1 for n in received.values())
        assert duplicates <= in_flight_at_kill <= IN_FLIGHT
        # Those confirmed and recorded before the kill never got it twice.
        db = Database(db_path)
        await db.open()
        assert (await OutboxRepo(db).counts()).get("sent") == MEMBERS
        await db.close()
        assert "Traceback" not in log.read_text(errors="replace")
