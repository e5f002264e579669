"""`kades-bot` as a process: exit codes, no token in output, polling a real double, SIGTERM, restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.services import Services
from bot.telegram_double import Fault, TelegramDouble
from storage.database import Database
from tests.conftest import START, seed_forum
from tests.world import make_world

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
    async with services.write() as tx:
        await tx.members.erase(1001, START, "(data dihapus)")
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


# -- failures told plainly (issue 11, section 4) ---------------------------------------------------
def _bot_env(double: TelegramDouble, db_path: Path, **extra: str) -> dict[str, str]:
    return _env({
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": double.file_base_url,
        "KADES_STORAGE__PATH": str(db_path),
        "KADES_TELEGRAM__POLL_TIMEOUT": "5",
        **extra,
    })


async def _stop(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM the bot and return everything it wrote to stderr."""
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 15)
    return err.decode()


async def test_rejected_token_is_one_line_exit_2_without_the_token(double: TelegramDouble, db_path: Path,
                                                                  tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "999999:WRONG-SECRET-TOKEN", "TELEGRAM_API_BASE_URL": double.api_base_url,
           "KADES_STORAGE__PATH": str(db_path)}
    code, out, err = await _run(["run"], env, tmp_path)
    assert code == 2
    assert err.strip() == "kades-bot: Token ditolak oleh Telegram: periksa TELEGRAM_BOT_TOKEN"
    assert "WRONG-SECRET" not in out + err


@pytest.mark.parametrize("shape", ["directory", "under_a_file"])
async def test_unusable_storage_path_is_one_line_exit_2(tmp_path: Path, shape: str) -> None:
    if shape == "directory":
        path = tmp_path / "data"
        path.mkdir()
    else:
        (tmp_path / "afile").write_text("x")
        path = tmp_path / "afile" / "kades.sqlite3"
    for command in (["run"], ["migrate"]):
        code, _, err = await _run(command, {"TELEGRAM_BOT_TOKEN": "1:X", "KADES_STORAGE__PATH": str(path)}, tmp_path)
        assert code == 2, err
        assert err.strip().count("\n") == 0 and "storage.path" in err and "Traceback" not in err


async def test_no_network_at_start_retries_one_line_per_try_until_it_returns(db_path: Path,
                                                                           tmp_path: Path) -> None:
    double = TelegramDouble(token="123456:TEST-token")
    await double.start()
    port = double.port
    await double.stop()  # nothing listens on the port now: like no network
    env = {"TELEGRAM_BOT_TOKEN": double.token, "TELEGRAM_API_BASE_URL": double.api_base_url,
           "TELEGRAM_API_BASE_FILE_URL": double.file_base_url, "KADES_STORAGE__PATH": str(db_path),
           "KADES_TELEGRAM__POLL_TIMEOUT": "5"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=_env(env),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stderr is not None
        lines = [(await asyncio.wait_for(proc.stderr.readline(), 30)).decode() for _ in range(2)]
        assert all("percobaan" in line and "Traceback" not in line for line in lines), lines
        assert "percobaan 1" in lines[0] and "percobaan 2" in lines[1]
        back = TelegramDouble(token=double.token, port=port)
        async with back:  # the network returns: the bot starts and answers
            budi = back.user(1001, "Budi Santoso")
            await back.send_message(budi, "/start")
            assert "Selamat datang" in (await back.wait_for(budi.id, timeout=40)).text
            err = await _stop(proc)
        assert proc.returncode == 0 and "Traceback" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_sigterm_while_waiting_for_the_network_exits_cleanly(db_path: Path, tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123456:TEST-token", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
           "KADES_STORAGE__PATH": str(db_path)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=_env(env),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    first = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
    assert "percobaan 1" in first
    err = first + await _stop(proc)
    assert proc.returncode == 0 and "Traceback" not in err and "TEST-token" not in err


async def test_a_502_while_polling_is_one_warning_line_without_traceback(double: TelegramDouble, db_path: Path,
                                                                        tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path,
                                                env=_bot_env(double, db_path), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        budi = double.user(1001, "Budi Santoso")
        await double.send_message(budi, "/start")
        await double.wait_for(budi.id, timeout=30)
        double.inject(Fault(method="getUpdates", error="502"))
        await double.send_message(budi, "/bantuan")  # ends the current long poll; the next one gets 502
        await double.wait_for(budi.id, timeout=30)
        await double.send_message(budi, "/bantuan")  # answered after the retry
        await double.wait_for(budi.id, timeout=30)
        err = await _stop(proc)
        assert [r.status for r in double.request_log if r.method == "getUpdates"].count(502) == 1
        warnings = [line for line in err.splitlines() if "event=polling_error" in line]
        assert len(warnings) == 1 and "level=WARNING" in warnings[0], err
        assert "Traceback" not in err and "level=ERROR" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_debug_logging_never_shows_phone_or_token(double: TelegramDouble, db_path: Path,
                                                        tmp_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    await make_world(db, datetime.now(UTC), members=0, coordinator=1001)
    await db.close()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path,
                                                env=_bot_env(double, db_path, KADES_BOT__LOG_LEVEL="DEBUG"),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        budi = double.user(1001, "Budi Santoso")
        await double.send_message(budi, "/profil")
        profile = await double.wait_for(budi.id, timeout=30)
        await double.press_button(budi, profile, profile.callback_for("Bagikan nomor HP") or "")
        await double.wait_for(budi.id, timeout=30)
        await double.send_contact(budi, "+6281234567890")
        assert "disimpan" in (await double.wait_for(budi.id, timeout=30)).text
        err = await _stop(proc)
        assert "81234567890" not in err
        assert double.token not in err and double.token.split(":")[1] not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
