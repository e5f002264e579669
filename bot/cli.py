"""The `kades-bot` command: run, console, migrate, backup."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.logsetup import setup_logging
from storage.database import Database, DatabaseError
from storage.lock import AlreadyRunning, InstanceLock

EXIT_CONFIG = 2
TOKEN_REJECTED = "Token ditolak oleh Telegram: periksa TELEGRAM_BOT_TOKEN"
# Waits between start-up tries while Telegram cannot be reached: 1, 2, 4 ... up to a minute.
FIRST_WAIT, MAX_WAIT = 1.0, 60.0

NO_TOKEN = (
    "kades-bot: no Telegram bot token. Create a bot with @BotFather in Telegram (/newbot), then set "
    "TELEGRAM_BOT_TOKEN=<token> (or [telegram] token in config.toml). "
    "To try the bot without a token, run: kades-bot console --demo"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kades-bot", description="Telegram bot for forums of village heads.")
    parser.add_argument("--config", help="TOML config file (default: config.toml or $KADES_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling, or webhook when configured)")
    console = sub.add_parser("console", help="try the bot in this terminal, no Telegram account needed")
    console.add_argument("--demo", action="store_true", help="seed a demo forum with village heads")
    console.add_argument("--db", help="SQLite file for the console (default: a temporary file)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    backup = sub.add_parser("backup", help="consistent copy of the database, safe while the bot runs")
    backup.add_argument("path", help="where to write the copy")
    admin = sub.add_parser("admin", help="operator repairs (each is logged)")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    set_role = admin_sub.add_parser("set-role", help="give a member a role in a forum (e.g. a headless forum)")
    set_role.add_argument("--forum", type=int, required=True, help="forum id")
    set_role.add_argument("--user", type=int, required=True, help="Telegram user id of the member")
    set_role.add_argument("--role", required=True, choices=["koordinator", "anggota", "pendamping"])
    return parser


def _fail(message: str) -> int:
    print(f"kades-bot: {message}", file=sys.stderr)
    return EXIT_CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else None
    setup_logging(settings.bot.log_level, token)
    if args.command in ("migrate", "run"):
        problem = _storage_problem(settings.storage.path)
        if problem:
            return _fail(problem)
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "backup":
        return asyncio.run(_backup(settings, Path(args.path)))
    if args.command == "admin":
        return asyncio.run(_set_role(settings, args.forum, args.user, args.role))
    if args.command == "console":
        return _console(settings, demo=args.demo, db_path=args.db)
    return _run(settings)


def _console(settings: Settings, *, demo: bool, db_path: str | None) -> int:
    from bot.console import run_console

    lock = _instance_lock(Path(db_path)) if db_path else None  # a temporary database is ours alone
    if db_path and lock is None:
        return EXIT_CONFIG
    try:
        return run_console(settings, demo=demo, db_path=db_path)
    finally:
        if lock is not None:
            lock.release()


async def _migrate(settings: Settings) -> int:
    db = Database(settings.storage.path)
    try:
        await db.open(migrate=False)
        applied = await db.migrate()
    except DatabaseError as exc:
        return _fail(str(exc))
    finally:
        await db.close()
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


async def _backup(settings: Settings, target: Path) -> int:
    if not settings.storage.path.exists():
        return _fail(f"no database at {settings.storage.path}")
    db = Database(settings.storage.path)
    try:
        await db.open(migrate=False)
        await db.backup(target)
    except DatabaseError as exc:
        return _fail(str(exc))
    finally:
        await db.close()
    print(f"backup written to {target}")
    return 0


async def _set_role(settings: Settings, forum_id: int, user_id: int, role: str) -> int:
    """`admin set-role`: the same use case the bot runs, with the operator as the actor."""
    from bot.clock import SystemClock
    from bot.errors import KadesError
    from bot.members import governance
    from bot.services import Services

    db = Database(settings.storage.path)
    try:
        await db.open()
        services = Services.build(settings, db, SystemClock())
        change = await governance.operator_set_role(services, forum_id=forum_id, user_id=user_id, role=role)
    except DatabaseError as exc:
        return _fail(str(exc))
    except KadesError as exc:
        return _fail(f"set-role refused: {exc.message_key}")
    finally:
        await db.close()
    print(f"forum {forum_id}: user {user_id} is now {change.new} (was {change.old}); "
          "they are told when the bot next runs")
    return 0


def _storage_problem(path: Path) -> str | None:
    """Why the database file cannot live at `path`, in one line; None when it can."""
    if path.is_dir():
        return f"storage.path {path} is a directory; give a file path such as {path / 'kades.sqlite3'}"
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"storage.path {path} is under {parent}, which is a file, not a directory"
            break
    return None


async def _wait_for_telegram(settings: Settings) -> int | None:
    """Ask Telegram who we are until it answers: None when it did, else the exit code.

    A rejected token is one line and exit 2 (the token is never printed); no network is one line
    per try with a growing wait, until it comes back or SIGTERM/SIGINT (exit 0).
    """
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    assert settings.telegram.token is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        wait, attempt = FIRST_WAIT, 1
        while True:
            bot = Bot(settings.telegram.token.get_secret_value(), base_url=settings.telegram.api_base_url,
                      base_file_url=settings.telegram.api_base_file_url)
            try:
                async with bot:  # initialize() asks getMe
                    return None
            except InvalidToken:
                print(f"kades-bot: {TOKEN_REJECTED}", file=sys.stderr)
                return EXIT_CONFIG
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                print(f"kades-bot: Telegram tidak dapat dihubungi (percobaan {attempt}: {type(exc).__name__}); "
                      f"mencoba lagi dalam {wait:.0f} detik", file=sys.stderr, flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if stop.is_set():
                return 0
            wait, attempt = min(wait * 2, MAX_WAIT), attempt + 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _check_database(settings: Settings) -> None:
    db = Database(settings.storage.path)
    try:
        await db.open()
    finally:
        await db.close()


def _run(settings: Settings) -> int:
    from bot.app import build_application, serve

    if settings.telegram.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    lock = _instance_lock(settings.storage.path)
    if lock is None:
        return EXIT_CONFIG
    try:
        try:
            asyncio.run(_check_database(settings))
        except DatabaseError as exc:
            return _fail(str(exc))
        waited = asyncio.run(_wait_for_telegram(settings))
        if waited is not None:
            return waited
        if settings.telegram.mode == "webhook" and not settings.telegram.webhook_url:
            return _fail("config error: telegram.webhook_url: required when telegram.mode is webhook")
        asyncio.run(serve(build_application(settings), poll_timeout=settings.telegram.poll_timeout))
    finally:
        lock.release()
    return 0


def _instance_lock(db_path: Path) -> InstanceLock | None:
    """The database's one-instance lock, taken; None (after one line on stderr) when another holds it."""
    lock = InstanceLock(db_path)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        _fail(str(exc))
        return None
    return lock
