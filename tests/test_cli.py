"""`kades-bot` as a process: exit codes, no token in output, polling a real double, SIGTERM, restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.services import Services
from bot.telegram_double import TelegramDouble
from storage.database import Database
from tests.conftest import START, seed_forum

ROOT = Path(__file__).resolve().parents[1]


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KADES_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=cwd, env=_env(env),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_no_token_explains_botfather_and_console(tmp_path: Path) -> None:
    code, _, err = await _run(["run"], {}, tmp_path)
    assert code == 2
    assert "@BotFather" in err and "kades-bot console" in err
    assert "Traceback" not in err


async def test_bad_config_is_one_line_exit_2_without_the_token(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[delivery]\nin_flight = -1\n")
    code, out, err = await _run(["run"], {"TELEGRAM_BOT_TOKEN": "123:SUPERSECRET"}, tmp_path)
    assert code == 2
    assert err.strip().count("\n") == 0 and "delivery.in_flight" in err
    assert "SUPERSECRET" not in out + err and "Traceback" not in err


async def test_migrate_and_backup(tmp_path: Path) -> None:
    env = {"KADES_STORAGE__PATH": str(tmp_path / "db" / "k.sqlite3")}
    code, out, _ = await _run(["migrate"], env, tmp_path)
    assert code == 0 and "0001_foundation.sql" in out
    code, out, _ = await _run(["migrate"], env, tmp_path)
    assert code == 0 and "up to date" in out
    code, out, _ = await _run(["backup", str(tmp_path / "copy.sqlite3")], env, tmp_path)
    assert code == 0 and (tmp_path / "copy.sqlite3").stat().st_size > 0


async def _start_bot(double: TelegramDouble, db_path: Path, cwd: Path) -> asyncio.subprocess.Process:
    env = _env({
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": double.file_base_url,
        "KADES_STORAGE__PATH": str(db_path),
        "KADES_TELEGRAM__POLL_TIMEOUT": "5",
    })
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_run_answers_and_stops_on_sigterm_within_10s(double: TelegramDouble, db_path: Path,
                                                           tmp_path: Path) -> None:
    proc = await _start_bot(double, db_path, tmp_path)
    try:
        budi = double.user(1001, "Budi Santoso")
        await double.send_message(budi, "/start")
        reply = await double.wait_for(budi.id, timeout=30)
        assert "Selamat datang" in reply.text
        assert double.commands_for("all_private_chats", "")  # the command menu was registered
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 15)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0
        assert double.token not in err.decode() and double.token.split(":")[1] not in err.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_restart_mid_form_keeps_what_was_typed(double: TelegramDouble, db_path: Path, tmp_path: Path) -> None:
    budi = double.user(1001, "Budi Santoso")
    proc = await _start_bot(double, db_path, tmp_path)
    try:
        await double.send_message(budi, "/forum_baru")
        await double.wait_for(budi.id, lambda m: "nama forumnya" in m.text, timeout=30)
        await double.send_message(budi, "Forum Kades Cipari")
        await double.wait_for(budi.id, lambda m: "wilayah" in m.text, timeout=10)
    finally:
        proc.kill()  # no goodbye: like a power cut
        await proc.wait()
    proc = await _start_bot(double, db_path, tmp_path)
    try:
        await double.send_message(budi, "cipari")
        choice = await double.wait_for(budi.id, lambda m: bool(m.button_texts()), timeout=30)
        assert "Kec. Cipari, Kab. Cilacap" in choice.button_texts()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 15)


@pytest.mark.parametrize("command", [["--help"]])
async def test_help(tmp_path: Path, command: list[str]) -> None:
    code, out, _ = await _run(command, {}, tmp_path)
    assert code == 0 and "console" in out and "backup" in out


async def test_admin_set_role_repairs_a_headless_forum_and_is_logged(db_path: Path, tmp_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    services = Services.build(load_settings(None, environ={"KADES_STORAGE__PATH": str(db_path)}), db,
                              FixedClock(START))
    forum_id = await seed_forum(services, koordinator=1001, members={1001: ("Budi", "33.01.18.2011"),
                                                                     1002: ("Sri", "33.01.18.2001")})
    await services.members.erase(1001, START, "(data dihapus)")
    await db.close()

    env = {"KADES_STORAGE__PATH": str(db_path)}
    args = ["admin", "set-role", "--forum", str(forum_id), "--user", "1002", "--role", "koordinator"]
    code, out, err = await _run(args, env, tmp_path)
    assert code == 0, err
    assert "now koordinator (was anggota)" in out
    assert "event=operator_set_role" in err and f"forum={forum_id}" in err
    code, _, err = await _run(["admin", "set-role", "--forum", str(forum_id), "--user", "1002", "--role",
                               "koordinator"], env, tmp_path)
    assert code == 2 and "gov.same_role" in err

    db = Database(db_path)
    await db.open()
    row = await db.fetchone("SELECT role, status FROM memberships WHERE forum_id = ? AND user_id = 1002", (forum_id,))
    history = await db.fetchone("SELECT how, set_by FROM role_history WHERE forum_id = ? AND user_id = 1002",
                                (forum_id,))
    pushes = await db.fetchval("SELECT count(*) FROM outbox WHERE chat_id = 1002 AND idem_key LIKE 'gov:role:%'")
    await db.close()
    assert row is not None and (row["role"], row["status"]) == ("koordinator", "active")
    assert history is not None and (history["how"], history["set_by"]) == ("operator", None)
    assert pushes == 1  # Sri is told when the bot next runs
