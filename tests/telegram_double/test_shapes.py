"""JSON shapes: PTB must parse every object the double returns or sends."""

from __future__ import annotations

from telegram import (
    Bot,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.constants import ChatAction

from bot.telegram_double import TelegramDouble


async def test_ptb_parses_returned_objects(double: TelegramDouble) -> None:
    budi = double.user(1001, "Budi Santoso", username="budi")
    group = double.group(-100123, "Forum Kades", is_forum=True)
    await double.add_bot_to_group(group, by=budi)
    async with Bot(double.token, base_url=double.api_base_url, base_file_url=double.file_base_url) as bot:
        chat = await bot.get_chat(group.id)
        assert isinstance(chat, ChatFullInfo) and chat.is_forum and chat.title == "Forum Kades"
        assert isinstance(await bot.get_chat_member(group.id, budi.id), ChatMemberOwner)
        assert isinstance(await bot.get_chat_member(group.id, bot.id), ChatMemberAdministrator)
        assert (await bot.get_chat_member(group.id, 1001)).user.username == "budi"
        topic = await bot.create_forum_topic(group.id, "Kunjungan kerja")
        assert topic.message_thread_id in group.topics

        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Lihat", url="https://desa.id")]])
        photo = await bot.send_photo(budi.id, photo=b"\xff\xd8fake", caption="<i>Foto</i>", parse_mode="HTML", reply_markup=kb)
        assert photo.photo and photo.caption == "Foto" and photo.caption_entities[0].type == "italic"
        edited = await bot.edit_message_caption(budi.id, photo.message_id, caption="Foto baru", reply_markup=kb)
        assert isinstance(edited, type(photo)) and edited.caption == "Foto baru" and edited.edit_date
        sent = double.last(budi.id)
        assert (sent.kind, sent.text, sent.buttons) == ("photo", "Foto baru", [[("Lihat", "https://desa.id")]])

        loc = await bot.send_location(budi.id, latitude=-6.2, longitude=106.8)
        assert loc.location and loc.location.latitude == -6.2
        assert await bot.send_chat_action(budi.id, ChatAction.TYPING)
        assert double.chat_actions == [(budi.id, "typing")]
        assert await bot.set_chat_menu_button(budi.id, MenuButtonCommands())
        assert double.menu_buttons[budi.id] == {"type": "commands"}


async def test_user_side_updates_parse_as_ptb_updates(double: TelegramDouble) -> None:
    budi = double.user(1001, "Budi Santoso", language_code="id")
    group = double.group(-100123, "Forum", is_forum=True)
    await double.add_bot_to_group(group, by=budi)
    thread = double.create_topic(group, "Umum")
    await double.send_location(budi, -6.2, 106.8)
    await double.send_photo(budi, caption="dokumentasi")
    await double.send_document(budi, file_name="x.pdf", caption="notulen")
    await double.send_contact(budi, "+6281234567890")
    await double.send_message(budi, "/hadir", chat=group, thread_id=thread)
    async with Bot(double.token, base_url=double.api_base_url) as bot:
        updates = await bot.get_updates()
    kinds: list[str] = []
    for update in updates:
        assert isinstance(update, Update)
        if update.my_chat_member:
            kinds.append(f"member:{update.my_chat_member.new_chat_member.status}")
            continue
        message = update.message
        assert message is not None and message.from_user and message.from_user.language_code == "id"
        if message.location:
            kinds.append("location")
        elif message.photo:
            kinds.append(f"photo:{message.caption}")
        elif message.document:
            kinds.append(f"document:{message.document.file_name}")
        elif message.contact:
            assert message.contact.user_id == budi.id
            kinds.append("contact")
        else:
            assert message.is_topic_message and message.message_thread_id == thread
            assert message.text == "/hadir" and message.entities[0].type == "bot_command"
            kinds.append("command")
    assert kinds == ["member:administrator", "location", "photo:dokumentasi", "document:x.pdf", "contact", "command"]
