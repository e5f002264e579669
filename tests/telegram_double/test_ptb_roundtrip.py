"""A real python-telegram-bot Application, long polling the double over HTTP."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram_double import TelegramDouble, builder_for, polling


@dataclass
class Seen:
    """What the little test bot observed."""

    errors: list[BaseException] = field(default_factory=list)
    member_status: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)


RSVP = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Hadir", callback_data="m:rsvp:42:y"), InlineKeyboardButton("Tidak", callback_data="m:rsvp:42:n")]]
)


def build_app(double: TelegramDouble, seen: Seen) -> Application:  # type: ignore[type-arg]
    app = builder_for(double).build()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greet the user, echo the deep-link payload, offer an RSVP keyboard."""
        assert update.effective_message and update.effective_user
        name = html.escape(update.effective_user.first_name)
        await update.effective_message.reply_html(
            f"<b>Selamat datang</b>, {name}! payload={' '.join(context.args or [])}", reply_markup=RSVP
        )

    async def hubungkan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer in the group the command came from."""
        assert update.effective_message and update.effective_chat
        await update.effective_message.reply_text(f"Forum {update.effective_chat.title} terhubung")

    async def kontak(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask for the phone number with a request_contact keyboard."""
        assert update.effective_message
        keyboard = ReplyKeyboardMarkup([[KeyboardButton("Kirim nomor", request_contact=True)]], one_time_keyboard=True)
        await update.effective_message.reply_text("Bagikan nomor Bapak/Ibu", reply_markup=keyboard)

    async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record the shared phone number."""
        assert update.effective_message and update.effective_message.contact
        seen.contacts.append(update.effective_message.contact.phone_number)

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Download the user's file and send it back with a new name."""
        assert update.effective_message and update.effective_message.document
        tg_file = await update.effective_message.document.get_file()
        data = bytes(await tg_file.download_as_bytearray())
        await update.effective_message.reply_document(document=data, filename="balik.bin", caption=f"{len(data)} byte")

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledge the RSVP and replace the keyboard with the answer."""
        query = update.callback_query
        assert query is not None
        await query.answer(text="Tercatat")
        await query.edit_message_text(f"Jawaban: {query.data}")

    async def on_my_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Remember the bot's new status in a chat."""
        assert update.my_chat_member is not None
        seen.member_status.append(update.my_chat_member.new_chat_member.status)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        seen.errors.append(context.error)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("hubungkan", hubungkan))
    app.add_handler(CommandHandler("kontak", kontak))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(ChatMemberHandler(on_my_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(on_error)
    return app


@pytest.fixture
async def running(double: TelegramDouble) -> AsyncIterator[tuple[Application, Seen]]:  # type: ignore[type-arg]
    seen = Seen()
    app = build_app(double, seen)
    async with polling(app):
        yield app, seen


async def test_command_round_trip_button_and_edit(double: TelegramDouble, running: tuple[Application, Seen]) -> None:  # type: ignore[type-arg]
    _, seen = running
    budi = double.user(1001, "Budi Santoso", username="budi")
    await double.send_message(budi, "/start abc123")
    reply = await double.wait_for(budi.id)
    assert reply.text == "Selamat datang, Budi! payload=abc123"
    assert reply.html.startswith("<b>Selamat datang</b>")
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 14}]
    assert reply.button_texts() == ["Hadir", "Tidak"]
    assert reply.reply_to_message_id is None  # PTB quotes only in groups by default

    cq = await double.press_button(budi, reply, reply.callback_for("Hadir"))
    edited = await double.wait_for(budi.id, lambda m: m.edited)
    assert edited is reply  # the same message, now at its latest state
    assert double.answered_callbacks[cq]["text"] == "Tercatat"
    assert reply.text == "Jawaban: m:rsvp:42:y"
    assert reply.reply_markup is None  # edit without reply_markup drops the keyboard
    assert reply.edit_history[0]["text"].startswith("Selamat datang")

    # A stale tap on the vanished button: the bot's identical edit is refused by "Telegram".
    with pytest.raises(ValueError, match="not on message"):
        await double.press_button(budi, reply, "m:rsvp:42:y")
    await double.press_button(budi, reply, "m:rsvp:42:y", force=True)
    await double.wait_idle(quiet=0.2)
    assert len(seen.errors) == 1 and isinstance(seen.errors[0], BadRequest)
    assert "message is not modified" in str(seen.errors[0]).lower()
    assert len(double.sent(budi.id)) == 1


async def test_group_command_privacy_and_my_chat_member(double: TelegramDouble, running: tuple[Application, Seen]) -> None:  # type: ignore[type-arg]
    _, seen = running
    budi = double.user(1001, "Budi Santoso")
    group = double.group(-1001234567890, "Forum Kades Cipari")
    await double.add_bot_to_group(group, by=budi, admin=False)
    await double.send_message(budi, "/hubungkan@kades_test_bot", chat=group)
    reply = await double.wait_for(group.id)
    assert reply.text == "Forum Forum Kades Cipari terhubung"
    assert reply.reply_to_message_id is not None  # quoted: PTB replies with reply_parameters in groups
    assert seen.member_status == ["member"]
    assert group.admins[budi.id] == "creator"

    # Privacy mode: chatter and commands for other bots never reach a non-admin bot.
    await double.send_message(budi, "halo semua", chat=group)
    await double.send_message(budi, "/hubungkan@other_bot", chat=group)
    assert double.pending_updates == 0
    # ...but a reply to the bot's own message does.
    await double.send_message(budi, "terima kasih", chat=group, reply_to=reply)
    assert double.pending_updates == 1
    await double.wait_idle(quiet=0.1)


async def test_contact_keyboard_and_file_round_trip(double: TelegramDouble, running: tuple[Application, Seen]) -> None:  # type: ignore[type-arg]
    app, seen = running
    siti = double.user(1002, "Siti")
    await double.send_message(siti, "/kontak")
    ask = await double.wait_for(siti.id)
    assert ask.buttons == [[("Kirim nomor", None)]]
    assert double.keyboard(siti.id) is not None and double.keyboard(siti.id)["keyboard"][0][0]["request_contact"]  # type: ignore[index]
    await double.send_contact(siti, "+6281234567890")
    assert double.keyboard(siti.id) is None  # one_time_keyboard hides after use
    await double.wait_idle(quiet=0.1)
    assert seen.contacts == ["+6281234567890"]

    payload = bytes(range(256)) * 10
    await double.send_document(siti, file_name="notulen.pdf", content=payload)
    back = await double.wait_for(siti.id, lambda m: m.kind == "document")
    assert back.file_bytes == payload and back.file_name == "balik.bin" and back.text == "2560 byte"

    await app.bot.set_my_commands([BotCommand("start", "Mulai")], scope=BotCommandScopeAllPrivateChats(), language_code="id")
    assert double.commands_for("all_private_chats", "id") == [{"command": "start", "description": "Mulai"}]
    assert [c.command for c in await app.bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="id")] == ["start"]
    assert await app.bot.get_my_commands() == ()


async def test_wait_for_after_and_cursor(double: TelegramDouble, running: tuple[Application, Seen]) -> None:  # type: ignore[type-arg]
    budi = double.user(1001, "Budi")
    await double.send_message(budi, "/start")
    first = await double.wait_for(budi.id)
    seen_count = len(double.sent(budi.id))
    await double.send_message(budi, "/start lagi")
    second = await double.wait_for(budi.id, after=seen_count)
    assert second is not first and second.text.endswith("payload=lagi")
    with pytest.raises(TimeoutError):
        await double.wait_for(budi.id, timeout=0.3)  # cursor is past both replies


async def test_wait_for_answer_returns_the_bots_answer_to_a_press(double: TelegramDouble, running: tuple[Application, Seen]) -> None:  # type: ignore[type-arg]
    budi = double.user(1001, "Budi")
    await double.send_message(budi, "/start")
    reply = await double.wait_for(budi.id)
    cq = await double.press_button(budi, reply, reply.callback_for("Tidak"))
    answer = await double.wait_for_answer(cq)
    assert answer["text"] == "Tercatat" and answer["show_alert"] is False
    assert await double.wait_for_answer(cq) is answer  # already answered: returns at once
    with pytest.raises(TimeoutError, match="not answered"):
        await double.wait_for_answer("4000000000000009999", timeout=0.1)  # a press the bot never saw
