"""Helpers shared by the benchmark scripts (not a test suite: they print figures)."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The checkout's short commit, printed with the figures."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (f"p50={percentile(values, 50) * 1000:.1f} ms p95={percentile(values, 95) * 1000:.1f} ms "
            f"mean={statistics.fmean(values) * 1000:.1f} ms") if values else "no samples"


def rss_mib(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, in MiB (Linux)."""
    current = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return current, peak


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def bot_env(api_base_url: str, file_base_url: str, token: str, db_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KADES_", "TELEGRAM_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": file_base_url,
        "KADES_STORAGE__PATH": str(db_path),
        "KADES_BOT__LOG_LEVEL": "WARNING",
        "KADES_TELEGRAM__POLL_TIMEOUT": "10",
    })
    env.update(extra)
    return env


async def spawn(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, *args, env=env, cwd=ROOT,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def seed_forum(services: Any, members: int, now: datetime) -> int:
    """A forum of `members` kades in as many villages of Kec. Cipari (user 1 the koordinator)."""
    async with services.db.transaction() as conn:
        await conn.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)",
                               [("33", 1, "Jawa Tengah", None), ("33.01", 2, "Kabupaten Cilacap", "33"),
                                ("33.01.18", 3, "Cipari", "33.01"),
                                *((f"33.01.18.{2001 + i}", 4, f"Desa {i}", "33.01.18") for i in range(members))])
        for i in range(members):
            await services.members.upsert(conn, user_id=1 + i, full_name=f"Kades {i}", jabatan="kades",
                                          village_code=f"33.01.18.{2001 + i}", language="id", now=now)
        forum_id: int = await services.forums.create(conn, name="Forum Bench", scope_code="33.01.18",
                                                     timezone="Asia/Jakarta", created_by=1, now=now)
        for i in range(members):
            await services.members.add_membership(conn, forum_id=forum_id, user_id=1 + i,
                                                  role="koordinator" if i == 0 else "anggota", status="active",
                                                  now=now, decided_by=1)
    return forum_id
