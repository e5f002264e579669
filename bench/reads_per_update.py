"""Database reads per update: how often one update reads who is asking (member row, memberships).

    python bench/reads_per_update.py

Runs the real bot in-process against the Telegram test double (no flood limits), one member of
one forum sending a fixed script of updates, and counts the SQL statements on the reader and
writer connections while each update is handled (sqlite trace callback). Counts, not times, so
the figures do not depend on the load of the machine. Run the same file on an older checkout to
get the baseline (same work: the same script, the same data).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_application, start_manually, stop_manually
from bot.clock import FixedClock
from bot.config import load_settings
from bot.services import Services
from bot.telegram_double import TelegramDouble
from storage.database import Database
from storage.regions import RegionRepo

MEMBER = re.compile(r"\bFROM members WHERE user_id\b", re.IGNORECASE)
MEMBERSHIPS = re.compile(r"\bFROM memberships WHERE user_id\b", re.IGNORECASE)
_PLUMBING = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK)|\b(inbox|bot_state|outbox|planner_due)\b", re.IGNORECASE)
SIDASARI = "33.01.18.2011"
USER = 1001


def commit() -> str:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kades.sqlite3"
        db = Database(path)
        await db.open()
        await RegionRepo(db).ensure_loaded()
        await db.close()
        async with TelegramDouble(token="123456:BENCH", bot_username="kades_bench_bot",
                                  enforce_limits=False) as double:
            settings = load_settings(None, environ={
                "TELEGRAM_BOT_TOKEN": double.token, "TELEGRAM_API_BASE_URL": double.api_base_url,
                "TELEGRAM_API_BASE_FILE_URL": double.file_base_url, "KADES_STORAGE__PATH": str(path)})
            clock = FixedClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
            app = build_application(settings, clock=clock)
            await start_manually(app)
            services: Services = app.bot_data["services"]
            try:
                now = clock.now()
                async with services.db.transaction() as conn:
                    await services.members.upsert(conn, user_id=USER, full_name="Budi Santoso", jabatan="kades",
                                                  village_code=SIDASARI, language="id", now=now)
                    forum = await services.forums.create(conn, name="Forum Kades Cipari", scope_code="33.01.18",
                                                         timezone="Asia/Jakarta", created_by=USER, now=now)
                    await services.members.add_membership(conn, forum_id=forum, user_id=USER, role="koordinator",
                                                          status="active", now=now, decided_by=USER)
                user = double.user(USER, "Budi")
                statements: list[str] = []
                for conn in (services.db.reader, services.db.writer):
                    await conn.set_trace_callback(statements.append)
                rows: list[tuple[str, int, int, int]] = []

                async def measure(label: str, action: object) -> object:
                    await double.wait_idle(quiet=0.1)
                    statements.clear()
                    result = await action  # type: ignore[misc]
                    await double.wait_idle(quiet=0.1)
                    # The handler's own SQL: not the intake's inbox writes, not the delivery loop.
                    mine = [s for s in statements if not _PLUMBING.search(s)]
                    rows.append((label, sum(1 for s in mine if MEMBER.search(s)),
                                 sum(1 for s in mine if MEMBERSHIPS.search(s)), len(mine)))
                    return result

                async def say(text: str) -> object:
                    await double.send_message(user, text)
                    return await double.wait_for(USER, timeout=15)

                async def press(message: object, label: str) -> object:
                    data = message.callback_for(label)  # type: ignore[attr-defined]
                    await double.press_button(user, message, data)
                    return await double.wait_for(USER, timeout=15)

                for text in ("/bantuan", "/anggota", "halo"):
                    await measure(text, say(text))
                profile = await measure("/profil", say("/profil"))
                await measure("press Ubah nama", press(profile, "Ubah nama"))
                await measure("/batal", say("/batal"))
                menu = await measure("/bahasa", say("/bahasa"))
                await measure("press Bahasa Indonesia", press(menu, "Bahasa Indonesia"))
            finally:
                await stop_manually(app)
    print(f"reads per update at commit {commit()} (SQL statement counts, not timings)")
    print(f"{'update':<26}{'member row':>11}{'memberships':>13}{'handler SQL':>13}")
    for label, member, memberships, total in rows:
        print(f"{label:<26}{member:>11}{memberships:>13}{total:>13}")
    print(f"{'total':<26}{sum(r[1] for r in rows):>11}{sum(r[2] for r in rows):>13}{sum(r[3] for r in rows):>13}")


if __name__ == "__main__":
    asyncio.run(main())
