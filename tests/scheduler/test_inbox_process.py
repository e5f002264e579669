"""The durable inbox and the instance lock with the real bot process (`python -m bot run`) and the double.

kill -9 while 30 village heads answer a form step: after the restart every answer is saved once
and every one of them got the next question. A second instance on the same database refuses
to start naming the first one's pid; a kill -9 of the first never blocks the next start.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from storage.database import Database
from tests.double import TelegramDouble
from tests.scheduler.test_crash import bot_env, start, wait_until

NAMES = [f"Forum Desa Nomor {i}" for i in range(30)]


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_kill9_while_30_users_answer_a_form_step(double: TelegramDouble, db_path: Path,
                                                        tmp_path: Path) -> None:
    env = bot_env(double, db_path)
    log = tmp_path / "bot.log"
    users = [double.user(5000 + i, f"Kades {i}") for i in range(30)]
    proc = await start(env, tmp_path, log)
    try:
        for user in users:
            await double.send_message(user, "/forum_baru")
        for user in users:
            await double.wait_for(user.id, lambda m: "nama forumnya" in m.text, timeout=60)
        before = {u.id: len(double.sent(u.id)) for u in users}
        for user, name in zip(users, NAMES, strict=True):
            await double.send_message(user, name)
        # Kill as soon as the first answer was handled: the others are stored, in flight or queued.
        await wait_until(lambda: any(len(double.sent(u.id)) > before[u.id] for u in users), 30)
        proc.kill()
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    answered_before_restart = sum(1 for u in users if len(double.sent(u.id)) > before[u.id])
    assert answered_before_restart < 30, "the kill came too late to test anything"

    proc = await start(env, tmp_path, log)
    try:
        for user in users:
            await double.wait_for(user.id, lambda m: "wilayah" in m.text, after=before[user.id], timeout=60)
        await double.wait_idle(quiet=0.5, timeout=30)
    finally:
        await _stop(proc)

    db = Database(db_path)
    await db.open()
    try:
        rows = await db.fetchall("SELECT user_id, step, data FROM drafts WHERE user_id >= 5000 ORDER BY user_id")
        open_rows = await db.fetchval("SELECT count(*) FROM inbox WHERE status IN ('new', 'applied')")
    finally:
        await db.close()
    assert [(r["user_id"], r["step"], json.loads(r["data"])["forum_name"]) for r in rows] == [
        (u.id, "scope", name) for u, name in zip(users, NAMES, strict=True)]
    for user in users:
        replies = [m.text for m in double.sent(user.id)[before[user.id]:]]
        # An answer handled twice would be read as the next step's input: an area search.
        assert not any("tidak ditemukan" in text or "Pilih wilayah" in text for text in replies), replies
    assert open_rows == 0


async def test_second_instance_refused_naming_the_first_and_kill9_never_blocks(
        double: TelegramDouble, db_path: Path, tmp_path: Path) -> None:
    env = bot_env(double, db_path)
    log = tmp_path / "bot.log"
    budi = double.user(1001, "Budi Santoso")
    first = await start(env, tmp_path, log)
    try:
        await double.send_message(budi, "/start")
        await double.wait_for(budi.id, lambda m: "Selamat datang" in m.text, timeout=60)
        second = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                      stdout=asyncio.subprocess.PIPE,
                                                      stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0], lines
        first.kill()  # no goodbye: the OS releases the lock
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    third = await start(env, tmp_path, log)
    try:
        await double.send_message(budi, "/bantuan")
        await double.wait_for(budi.id, timeout=60)
    finally:
        await _stop(third)
