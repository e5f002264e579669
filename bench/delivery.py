"""Delivery benchmark: the real bot process against the Telegram test double (not a timed test).

    python bench/delivery.py [--quick]

The double enforces Telegram's flood limits (30/s overall, 1/s per private chat, 20/min per
group) with a 50 ms round trip. The bot runs as `python -m bot run`, exactly as deployed, and
its pushes are in the database before it starts, due a few seconds later, so the APScheduler
wake-up is part of what is measured. Figures are printed as they are, misses included:

  broadcast N     time from due to the last confirmed send, 429 share, CPU per message, peak RSS
  reminders       1,000 reminders to different chats due at the same moment
  kill -9         killed 5 s before the due time, restarted 60 s later: time after restart, lost, dups
  SIGTERM         stopped cleanly mid-way, restarted: lost and duplicates (expected 0 and 0)
  kills in flight a broadcast to N members and the forum group; kill -9 several times while
                  sends are in flight (after some were delivered, never before anything is due),
                  restart at once each time: lost, duplicates, and the rows in flight at each kill
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.telegram_double import TelegramDouble  # noqa: E402
from storage.broadcasts import Audience, BroadcastRepo  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.outbox import OutboxRepo, Priority, enqueue  # noqa: E402
from storage.regions import RegionRepo  # noqa: E402
from tests.world import make_world  # noqa: E402

RTT = 0.05
LEAD = 6.0  # seconds between the bot's start and the due time
TICK = os.sysconf("SC_CLK_TCK")
MARK = "Kerja bakti"


@dataclass
class Figures:
    name: str
    n: int
    seconds: float
    target: float
    delivered: int
    requests: int
    too_many: int
    cpu_ms_per_msg: float | None = None
    rss_mib: float | None = None
    duplicates: int = 0

    def line(self) -> str:
        share = 100 * self.too_many / max(self.requests, 1)
        ok = self.seconds <= self.target and self.delivered == self.n and share <= 1.0
        parts = [f"{self.name:<28}", f"n={self.n:<5}", f"time={self.seconds:7.2f}s", f"target<={self.target:6.2f}s",
                 f"delivered={self.delivered}/{self.n}", f"lost={self.n - self.delivered}",
                 f"dups={self.duplicates}", f"429={self.too_many}/{self.requests} ({share:.2f}%)"]
        if self.cpu_ms_per_msg is not None:
            parts.append(f"cpu={self.cpu_ms_per_msg:.2f}ms/msg")
        if self.rss_mib is not None:
            parts.append(f"rss_peak={self.rss_mib:.1f}MiB")
        parts.append("OK" if ok else "MISS")
        return "  ".join(parts)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Run:
    """One bot process (or several in a row) over one database and one double."""

    def __init__(self, workdir: Path, template: Path, double: TelegramDouble) -> None:
        self.workdir = workdir
        self.db_path = workdir / "kades.sqlite3"
        shutil.copyfile(template, self.db_path)
        self.double = double
        self.log = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KADES_", "TELEGRAM_"))}
        env.update({"PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": self.double.token,
                    "TELEGRAM_API_BASE_URL": self.double.api_base_url,
                    "TELEGRAM_API_BASE_FILE_URL": self.double.file_base_url,
                    "KADES_STORAGE__PATH": str(self.db_path), "KADES_BOT__LOG_LEVEL": "WARNING"})
        return env

    async def start(self) -> None:
        with self.log.open("ab") as sink:
            self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=self.workdir,
                                                             env=self.env(), stdout=sink, stderr=sink)

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        await asyncio.wait_for(self.proc.wait(), 20)


def deliveries(double: TelegramDouble, chats: set[int]) -> Counter[int]:
    return Counter(m.chat_id for m in double.sent() if m.chat_id in chats and MARK in m.text)


def send_stats(double: TelegramDouble, since: float) -> tuple[int, int, float]:
    """(requests, 429 answers, monotonic time of the last successful send) since `since`."""
    sends = [r for r in double.request_log if r.method.startswith("send") and r.time >= since]
    last_ok = max((r.time for r in sends if r.status == 200), default=since)
    return len(sends), sum(1 for r in sends if r.status == 429), last_ok


async def poll(predicate: Callable[[], bool], within: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + within
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


async def wait_for_all(double: TelegramDouble, chats: set[int], within: float) -> None:
    await poll(lambda: len(deliveries(double, chats)) >= len(chats), within)


async def seed(run: Run, n: int, *, due: datetime, kind: str) -> list[int]:
    db = Database(run.db_path)
    await db.open()
    now = datetime.now(UTC)
    world = await make_world(db, now, members=n, first_member=100_000)
    if kind == "broadcast":
        await BroadcastRepo(db).create(forum_id=world.forum_id, created_by=world.coordinator, text=MARK,
                                       audience=Audience(), scheduled_at=due, now=now,
                                       render={"id": f"📢 {MARK} Minggu pagi"}, group_chat_id=None)
    else:
        async with db.transaction() as conn:
            for uid in world.members:
                await enqueue(conn, key=f"meeting:1:reminder:h-1:user:{uid}", chat_id=uid,
                              text=f"⏰ {MARK}: rapat besok 09.00 WIB", due_at=due, now=now,
                              priority=Priority.REMINDER, urgent=True, forum_id=world.forum_id, member_user_id=uid,
                              expires_at=due + timedelta(hours=6))
    await db.close()
    for uid in [world.coordinator, *world.members]:
        run.double.user(uid, f"Kades {uid}")
    return world.members


async def plain(template: Path, n: int, kind: str) -> Figures:
    """A broadcast (or reminders) due LEAD seconds after the bot starts; measured from the due time."""
    async with TelegramDouble(rtt=RTT) as double:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), template, double)
            due = datetime.now(UTC) + timedelta(seconds=LEAD)
            due_mono = time.monotonic() + LEAD
            members = await seed(run, n, due=due, kind=kind)
            await run.start()
            assert run.proc is not None
            await asyncio.sleep(max(0.0, due_mono - time.monotonic()))
            cpu0 = cpu_seconds(run.proc.pid)
            target = 1.05 * n / 30 + 1
            await wait_for_all(double, set(members), target * 2 + 10)
            cpu1 = cpu_seconds(run.proc.pid)
            rss = rss_peak_mib(run.proc.pid)
            await run.stop()
            got = deliveries(double, set(members))
            requests, too_many, last_ok = send_stats(double, due_mono - 1)
            return Figures(f"{kind} {n}", n, last_ok - due_mono, target, len(got), requests, too_many,
                           cpu_ms_per_msg=1000 * (cpu1 - cpu0) / max(len(got), 1), rss_mib=rss,
                           duplicates=sum(c - 1 for c in got.values()))


async def killed(template: Path, n: int, *, down: float) -> Figures:
    """Killed (-9) 5 s before the due time, restarted `down` s later; measured from the restart."""
    async with TelegramDouble(rtt=RTT) as double:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), template, double)
            due = datetime.now(UTC) + timedelta(seconds=LEAD + 5)
            members = await seed(run, n, due=due, kind="reminders")
            await run.start()
            await asyncio.sleep(LEAD)
            await run.stop(signal.SIGKILL)
            await asyncio.sleep(down)
            restart = time.monotonic()
            await run.start()
            target = 1.05 * n / 30 + 5
            await wait_for_all(double, set(members), target * 2 + 10)
            await asyncio.sleep(1)
            await run.stop()
            got = deliveries(double, set(members))
            requests, too_many, last_ok = send_stats(double, restart)
            return Figures(f"kill -9, restart after {down:g}s", n, last_ok - restart, target, len(got), requests,
                           too_many, duplicates=sum(c - 1 for c in got.values()))


async def sigterm(template: Path, n: int) -> Figures:
    """SIGTERM mid-way through 1,000 reminders, restart at once: expect 0 lost and 0 duplicates."""
    async with TelegramDouble(rtt=RTT) as double:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), template, double)
            due = datetime.now(UTC) + timedelta(seconds=LEAD)
            members = await seed(run, n, due=due, kind="reminders")
            chats = set(members)
            await run.start()
            await poll(lambda: len(deliveries(double, chats)) >= n // 3, 60, every=0.02)
            await run.stop(signal.SIGTERM)
            restart = time.monotonic()
            await run.start()
            await wait_for_all(double, chats, 2 * n / 30 + 20)
            await asyncio.sleep(1)
            await run.stop()
            db = Database(run.db_path)
            await db.open()
            counts = await OutboxRepo(db).counts()
            await db.close()
            got = deliveries(double, chats)
            requests, too_many, last_ok = send_stats(double, restart)
            figures = Figures("SIGTERM mid-way, restart", n, last_ok - restart, 1.05 * n / 30 + 5, len(got),
                              requests, too_many, duplicates=sum(c - 1 for c in got.values()))
            print(f"    outbox after: {counts}")
            return figures


GROUP = -1_001_234_567_890


async def kills_in_flight(template: Path, n: int, kills: int) -> None:
    """kill -9 `kills` times while sends are in flight; report lost and duplicated messages."""
    async with TelegramDouble(rtt=RTT) as double:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), template, double)
            db = Database(run.db_path)
            await db.open()
            now = datetime.now(UTC)
            world = await make_world(db, now, members=n, first_member=100_000, group_chat_id=GROUP)
            await BroadcastRepo(db).create(forum_id=world.forum_id, created_by=world.coordinator, text=MARK,
                                           audience=Audience(group=True), scheduled_at=now, now=now,
                                           render={"id": f"📢 {MARK} Minggu pagi"}, group_chat_id=GROUP)
            await db.close()
            for uid in [world.coordinator, *world.members]:
                double.user(uid, f"Kades {uid}")
            double.group(GROUP, "Forum Kades Cilacap", bot_status="member")
            chats = {*world.members, GROUP}
            in_flight: list[int] = []
            await run.start()
            for k in range(kills):
                goal = len(chats) * (k + 1) // (kills + 1)
                await poll(lambda goal=goal: len(deliveries(double, chats)) >= goal, 120, every=0.01)
                await run.stop(signal.SIGKILL)
                db = Database(run.db_path)
                await db.open()
                in_flight.append((await OutboxRepo(db).counts()).get("sending", 0))
                await db.close()
                await run.start()
            await wait_for_all(double, chats, 2 * n / 30 + 60)
            await asyncio.sleep(2)  # anything still coming would be a duplicate
            await run.stop()
            got = deliveries(double, chats)
            lost = len(chats) - len(got)
            duplicates = sum(c - 1 for c in got.values())
            print(f"kills in flight  {n} members + 1 group, {kills} x kill -9: lost={lost} duplicates={duplicates} "
                  f"(bound: rows in flight at the kills = {sum(in_flight)}, per kill {in_flight}); "
                  f"group got it {got.get(GROUP, 0)}x")


async def build_template(path: Path) -> None:
    db = Database(path)
    await db.open()
    await RegionRepo(db).ensure_loaded()
    await db.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()


async def main(quick: bool, kills_only: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite3"
        await build_template(template)
        if kills_only:
            await kills_in_flight(template, 300 if quick else 1000, 3 if quick else 5)
            return
        print(f"double: rtt={RTT * 1000:.0f}ms, Telegram limits enforced; bot: python -m bot run (defaults)")
        print((await plain(template, 400, "broadcast")).line())
        if not quick:
            print((await plain(template, 3000, "broadcast")).line())
        print((await plain(template, 1000, "reminders")).line())
        print((await killed(template, 1000, down=5 if quick else 60)).line())
        print((await sigterm(template, 1000)).line())
        await kills_in_flight(template, 300 if quick else 1000, 3 if quick else 5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 3,000 broadcast; 5 s downtime")
    parser.add_argument("--kills-only", action="store_true", help="only the kills-in-flight figure")
    options = parser.parse_args()
    asyncio.run(main(options.quick, options.kills_only))
