"""A bare python-telegram-bot doing the same work as kades-bot for bench/updates.py's workload.

The fair baseline for issue #14's throughput target: no framework of ours, but the same kind of
work per update — read the member (and for /anggota the forum's members) from the same SQLite file
through aiosqlite, answer with HTML and an inline keyboard, and for a button press answer the
callback and edit the message. What it does not do (inbox, access layer, catalog, outbox) is
exactly what our own code costs.
"""

from __future__ import annotations

import html
import os

import aiosqlite
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

DB: aiosqlite.Connection | None = None
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ubah nama", callback_data="p:ed:name"),
                                  InlineKeyboardButton("Ubah desa", callback_data="p:ed:village")]])


async def db() -> aiosqlite.Connection:
    global DB
    if DB is None:
        DB = await aiosqlite.connect(os.environ["KADES_STORAGE__PATH"])
    return DB


async def member_line(user_id: int) -> str:
    conn = await db()
    async with conn.execute(
            """SELECT m.full_name, r.name FROM members m LEFT JOIN regions r ON r.code = m.village_code
               WHERE m.user_id = ?""", (user_id,)) as cur:
        row = await cur.fetchone()
    return f"<b>{html.escape(row[0])}</b>\nDesa {html.escape(row[1] or '-')}" if row else "Belum terdaftar"


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/profil: the member's card with buttons."""
    assert update.effective_user and update.effective_chat
    text = await member_line(update.effective_user.id)
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=KEYBOARD)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bantuan: the member's commands."""
    assert update.effective_user and update.effective_chat
    conn = await db()
    async with conn.execute("SELECT role FROM memberships WHERE user_id = ? AND status = 'active'",
                            (update.effective_user.id,)) as cur:
        roles = {r[0] for r in await cur.fetchall()}
    lines = ["<b>Perintah</b>", "/profil — Profil", "/agenda — Pertemuan", "/cari — Cari cerita"]
    if "koordinator" in roles:
        lines.append("/undang — Undang anggota")
    await update.effective_chat.send_message("\n".join(lines), parse_mode=ParseMode.HTML)


async def members(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/anggota: the forum's members by village."""
    assert update.effective_user and update.effective_chat
    conn = await db()
    async with conn.execute(
            """SELECT m.full_name, r.name FROM memberships s JOIN members m ON m.user_id = s.user_id
               LEFT JOIN regions r ON r.code = m.village_code
               WHERE s.forum_id IN (SELECT forum_id FROM memberships WHERE user_id = ?) AND s.status = 'active'
               ORDER BY r.name, m.full_name""", (update.effective_user.id,)) as cur:
        rows = await cur.fetchall()
    text = "\n".join(f"• {html.escape(n)} — {html.escape(v or '-')}" for n, v in rows)[:4000]
    await update.effective_chat.send_message(text or "-", parse_mode=ParseMode.HTML)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button: answer it and edit the message, as the bot's own buttons do."""
    query = update.callback_query
    assert query is not None and update.effective_user
    await query.answer()
    text = await member_line(update.effective_user.id)
    await query.edit_message_text(text + "\n\nKetik nama baru.", parse_mode=ParseMode.HTML)


async def close_db(_app: object) -> None:
    """aiosqlite's thread would keep the process alive after SIGTERM."""
    if DB is not None:
        await DB.close()


def main() -> None:
    app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_API_BASE_URL"]).base_file_url(os.environ["TELEGRAM_API_BASE_FILE_URL"])
           .concurrent_updates(64).post_shutdown(close_db).build())
    app.add_handler(CommandHandler("profil", profile))
    app.add_handler(CommandHandler("bantuan", help_command))
    app.add_handler(CommandHandler("anggota", members))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10, poll_interval=0.0)


if __name__ == "__main__":
    main()
