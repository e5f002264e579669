"""Throughput and latency of the bot's update handling against the Telegram test double.

    python bench/updates.py [--updates 2000] [--users 200] [--rtt 0.05]

Both bots run as real processes polling the double over loopback with a simulated round trip.
1. Closed loop: USERS village heads each send their share of UPDATES mixed updates (/profil,
   /bantuan, /anggota, button presses), each waiting for the reply before the next; updates/s
   and reply latency, for kades-bot and for a bare PTB echo bot (the framework's ceiling).
2. Open loop at 20 updates/s offered: reply latency p50/p95 (target p95 <= rtt + 25 ms).
3. RSS of the bot process with the full village registry loaded (target <= 100 MiB).
Flood limits are off in the double here: this measures the bot, not Telegram's limits.

    python bench/updates.py --suite reliability [--updates 1000] [--users 100]

The durable inbox's cost and the intake's behaviour, same work for every variant:
kades-bot with the inbox (polling), without it (PTB's Updater, `inbox.enabled=false`), and
with the inbox in webhook mode (the double POSTs each update with the secret header):
closed-loop throughput and open-loop reply latency for each; then flood figures: another
user's /bantuan p50/p95 idle vs while one user sends 300 updates (inbox only: without it the
issue measured 0.07 s -> 234 s).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bot_env, percentile, rss_mib, spawn, summary
from bot.clock import SystemClock
from bot.config import load_settings
from bot.services import Services
from bot.telegram_double import SimUser, TelegramDouble
from storage.database import Database

VILLAGES = ["33.01.18.2011", "33.01.18.2001", "33.01.18.2002", "33.01.18.2003", "33.01.17.2004"]


async def seed(db_path: Path, users: int) -> None:
    """One forum with all users as members; the registry is loaded like on a first start."""
    db = Database(db_path)
    await db.open()
    services = Services.build(load_settings(environ={}), db, SystemClock())
    await services.regions.ensure_loaded()
    now = services.clock.now()
    async with db.transaction() as conn:
        for i in range(users):
            await services.members.upsert(conn, user_id=10_000 + i, full_name=f"Kades Nomor {i}", jabatan="kades",
                                          village_code=VILLAGES[i % len(VILLAGES)], language="id", now=now)
        forum_id = await services.forums.create(conn, name="Forum Bench", scope_code="33.01", timezone="Asia/Jakarta",
                                                created_by=10_000, now=now)
        for i in range(users):
            await services.members.add_membership(conn, forum_id=forum_id, user_id=10_000 + i,
                                                  role="koordinator" if i == 0 else "anggota", status="active",
                                                  now=now, decided_by=10_000)
    await db.close()


def plan(user_index: int, count: int, rng: random.Random) -> list[str]:
    """A village head's session: mostly profile views and help, some presses and member lists."""
    steps = []
    for _ in range(count):
        roll = rng.random()
        steps.append("/profil" if roll < 0.4 else "/bantuan" if roll < 0.6 else "press" if roll < 0.95 else "/anggota")
    return steps


async def one_update(double: TelegramDouble, user: SimUser, step: str) -> float:
    """Send one update; return the seconds until the bot's first reply in that chat."""
    before = len(double.sent(user.id))
    started = time.perf_counter()
    if step == "press":
        with_buttons = [m for m in double.sent(user.id) if m.callback_data()]
        if with_buttons:
            await double.press_button(user, with_buttons[-1], with_buttons[-1].callback_data()[0])
        else:
            await double.send_message(user, "/profil")
    else:
        await double.send_message(user, step)
    await double.wait_for(user.id, after=before, timeout=60)
    return time.perf_counter() - started


async def closed_loop(double: TelegramDouble, users: list[SimUser], per_user: int) -> tuple[float, list[float]]:
    rng = random.Random(7)
    latencies: list[float] = []

    async def session(index: int, user: SimUser) -> None:
        for step in plan(index, per_user, rng):
            latencies.append(await one_update(double, user, step))

    started = time.perf_counter()
    await asyncio.gather(*(session(i, u) for i, u in enumerate(users)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def open_loop(double: TelegramDouble, users: list[SimUser], rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    tasks = []
    count = int(rate * seconds)
    for i in range(count):
        user = users[i % len(users)]
        tasks.append(asyncio.create_task(one_update(double, user, "/profil" if i % 2 else "/bantuan")))
        await asyncio.sleep(1 / rate)
    latencies.extend(await asyncio.gather(*tasks))
    return latencies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


VARIANTS: dict[str, dict[str, str]] = {
    "kades-bot": {},
    "inbox": {},
    "no-inbox": {"KADES_INBOX__ENABLED": "false"},
    "webhook": {"KADES_TELEGRAM__MODE": "webhook"},
}


async def run_bot(kind: str, args: argparse.Namespace, tmp: Path, *, flood: bool = False) -> dict[str, float]:
    async with TelegramDouble(token="777000:BENCH", rtt=args.rtt, enforce_limits=False) as double:
        db_path = tmp / f"{kind}.sqlite3"
        extra = dict(VARIANTS.get(kind, {}))
        if kind != "echo":
            await seed(db_path, args.users)  # the same-work baseline reads the same file
        if kind == "webhook":
            port = free_port()
            extra.update({"KADES_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
                          "KADES_TELEGRAM__WEBHOOK_PORT": str(port), "KADES_TELEGRAM__WEBHOOK_LISTEN": "127.0.0.1"})
        env = bot_env(double.api_base_url, double.file_base_url, double.token, db_path, **extra)
        scripts = {"echo": "echo_bot.py", "same-work": "same_work_bot.py"}
        command = ([str(Path(__file__).with_name(scripts[kind]))] if kind in scripts else ["-m", "bot", "run"])
        proc = await spawn(command, env)
        try:
            users = [double.user(10_000 + i, f"Kades Nomor {i}") for i in range(args.users)]
            # Warm up: the first reply proves the bot is polling.
            await one_update(double, users[0], "/bantuan")
            await double.wait_idle(quiet=0.5, timeout=30)
            throughput, closed = await closed_loop(double, users, args.updates // args.users)
            await double.wait_idle(quiet=0.5, timeout=30)
            open_latencies = await open_loop(double, users, 20.0, args.open_seconds)
            rss, peak = rss_mib(proc.pid)
            flood_figures = await flood_run(double, users) if flood else None
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 20)
        print(f"{kind:10s} closed loop: {throughput:7.1f} updates/s  reply latency {summary(closed)}")
        print(f"{kind:10s} open loop @20/s: reply latency {summary(open_latencies)}")
        print(f"{kind:10s} RSS now={rss:.1f} MiB peak={peak:.1f} MiB")
        if flood_figures is not None:
            idle, flooded = flood_figures
            print(f"{kind:10s} flood: another user's /bantuan idle {summary(idle)}")
            print(f"{kind:10s} flood: while one user sends 300 updates {summary(flooded)}")
        return {"throughput": throughput, "open_p95": percentile(open_latencies, 95),
                "open_p50": percentile(open_latencies, 50), "rss": rss, "peak": peak}


async def flood_run(double: TelegramDouble, users: list[SimUser]) -> tuple[list[float], list[float]]:
    """Another user's /bantuan, one at a time, idle and then while one user floods 300 updates."""
    await double.wait_idle(quiet=0.5, timeout=60)
    others = iter([double.user(90_000 + i, f"Kades Lain {i}") for i in range(80)])  # one fresh chat each
    idle = [await one_update(double, next(others), "/bantuan") for _ in range(40)]
    flooder = users[0]
    for _ in range(300):
        await double.send_message(flooder, "/bantuan")
    flooded = [await one_update(double, next(others), "/bantuan") for _ in range(40)]
    return idle, flooded


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rtt", type=float, default=0.05)
    parser.add_argument("--open-seconds", type=float, default=10.0)
    parser.add_argument("--suite", choices=["baseline", "reliability"], default="baseline")
    args = parser.parse_args()
    print(f"updates={args.updates} users={args.users} rtt={args.rtt * 1000:.0f} ms suite={args.suite}")
    if args.suite == "reliability":
        await reliability(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        echo = await run_bot("echo", args, Path(tmp))
        same = await run_bot("same-work", args, Path(tmp))
        ours = await run_bot("kades-bot", args, Path(tmp))
    ratio = ours["throughput"] / echo["throughput"]
    fair = ours["throughput"] / same["throughput"]
    target_p95 = args.rtt + 0.025
    print()
    print(f"throughput vs echo: {ratio * 100:.0f}% (target >= 85%) -> {'OK' if ratio >= 0.85 else 'MISS'}")
    print(f"throughput vs a bare PTB bot doing the same work: {fair * 100:.0f}% (target >= 90%) -> "
          f"{'OK' if fair >= 0.90 else 'MISS'}; its RSS {same['rss']:.1f} MiB")
    print(f"p95 at 20 updates/s: {ours['open_p95'] * 1000:.1f} ms (target <= {target_p95 * 1000:.0f} ms) -> "
          f"{'OK' if ours['open_p95'] <= target_p95 else 'MISS'}")
    print(f"RSS with registry: {ours['rss']:.1f} MiB now, {ours['peak']:.1f} MiB peak (target <= 100 MiB) -> "
          f"{'OK' if ours['peak'] <= 100 else 'MISS'}")


async def reliability(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = await run_bot("inbox", args, Path(tmp), flood=True)
        plain = await run_bot("no-inbox", args, Path(tmp))
        webhook = await run_bot("webhook", args, Path(tmp))
    print()
    print(f"inbox cost: throughput {inbox['throughput']:.1f} vs {plain['throughput']:.1f} updates/s without "
          f"({(inbox['throughput'] / plain['throughput'] - 1) * 100:+.0f}%); open-loop p50/p95 "
          f"{inbox['open_p50'] * 1000:.1f}/{inbox['open_p95'] * 1000:.1f} ms vs "
          f"{plain['open_p50'] * 1000:.1f}/{plain['open_p95'] * 1000:.1f} ms")
    print(f"webhook vs polling (both with the inbox): open-loop p50/p95 {webhook['open_p50'] * 1000:.1f}/"
          f"{webhook['open_p95'] * 1000:.1f} ms vs {inbox['open_p50'] * 1000:.1f}/{inbox['open_p95'] * 1000:.1f} ms; "
          f"throughput {webhook['throughput']:.1f} vs {inbox['throughput']:.1f} updates/s")


if __name__ == "__main__":
    asyncio.run(main())
