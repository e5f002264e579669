"""Telegram's refusals, with its status codes and exact wording, over raw HTTP."""

from __future__ import annotations

import httpx
import pytest

from bot.telegram_double import TelegramDouble

from .conftest import RawApi

KB = {"inline_keyboard": [[{"text": "Hadir", "callback_data": "m:rsvp:42:y"}]]}


async def test_token_and_method_errors(double: TelegramDouble, api: RawApi) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{double.api_base_url}999:WRONG/getMe")
        assert (wrong.status_code, wrong.json()) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert await api("fooBar") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    me = await api.ok("getMe")
    assert me["is_bot"] is True and me["username"] == "kades_test_bot"
    assert me["can_read_all_group_messages"] is False and me["supports_inline_queries"] is False


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "   "}, "Bad Request: message text is empty"),
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "a < b", "parse_mode": "HTML"}, 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        ({"text": "Tom & Jerry", "parse_mode": "HTML"}, "Bad Request: can't parse entities: Unsupported HTML entity at byte offset 4"),
        ({"text": "<b>tebal", "parse_mode": "HTML"}, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ({"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}}, "Bad Request: BUTTON_DATA_INVALID"),
        # 22 three-byte characters = 66 bytes although only 22 characters
        ({"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "€" * 22}]]}}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}}, "Bad Request: text buttons are unallowed in the inline keyboard"),
        ({"text": "x", "reply_to_message_id": 99}, "Bad Request: message to be replied not found"),
    ],
)
async def test_send_message_rejections(double: TelegramDouble, api: RawApi, params: dict[str, object], description: str) -> None:
    double.user(1001, "Budi")
    status, body = await api("sendMessage", chat_id=1001, **params)
    assert status == 400
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith(description), body
    assert double.sent() == []


async def test_length_counts_visible_text_and_64_byte_data_passes(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    # 4096 visible characters wrapped in tags is fine; tags don't count.
    await api.ok("sendMessage", chat_id=1001, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await api.ok("sendMessage", chat_id=1001, text="&lt;" * 4096, parse_mode="HTML")
    kb = {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 64}]]}
    msg = await api.ok("sendMessage", chat_id=1001, text="ok", reply_markup=kb)
    assert msg["reply_markup"] == kb and msg["from"]["is_bot"] is True


async def test_caption_too_long(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    files = {"document": ("a.txt", b"isi", "text/plain")}
    response = await api.client.post(
        f"{double.api_base_url}{double.token}/sendDocument", data={"chat_id": "1001", "caption": "c" * 1025}, files=files
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message caption is too long"


async def test_edit_rejections(double: TelegramDouble, api: RawApi) -> None:
    budi = double.user(1001, "Budi")
    msg = await api.ok("sendMessage", chat_id=1001, text="<b>Rapat</b>", parse_mode="HTML", reply_markup=KB)
    mid = msg["message_id"]
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    status, body = await api("editMessageText", chat_id=1001, message_id=mid, text="<b>Rapat</b>", parse_mode="HTML", reply_markup=KB)
    assert (status, body["description"]) == (400, not_modified)
    status, body = await api("editMessageReplyMarkup", chat_id=1001, message_id=mid, reply_markup=KB)
    assert (status, body["description"]) == (400, not_modified)
    # Same visible text but without bold is a modification (entities differ).
    edited = await api.ok("editMessageText", chat_id=1001, message_id=mid, text="Rapat", reply_markup=KB)
    assert "entities" not in edited and edited["edit_date"] >= edited["date"]
    status, body = await api("editMessageText", chat_id=1001, message_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    user_msg = await double.send_message(budi, "halo")
    status, body = await api("editMessageText", chat_id=1001, message_id=user_msg["message_id"], text="x")
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")
    sent = double.last(1001)
    assert sent.edited and sent.text == "Rapat" and len(sent.edit_history) == 1

    # Removing the keyboard, then deleting; a second delete finds nothing.
    await api.ok("editMessageReplyMarkup", chat_id=1001, message_id=mid)
    assert sent.reply_markup is None and "reply_markup" not in sent.message
    assert await api.ok("deleteMessage", chat_id=1001, message_id=mid) is True
    assert sent.deleted
    status, body = await api("deleteMessage", chat_id=1001, message_id=mid)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")


async def test_answer_callback_unknown_twice_and_too_old(api: RawApi) -> None:
    now = [1000.0]
    async with TelegramDouble(clock=lambda: now[0]) as double:
        api.double = double
        budi = double.user(1001, "Budi")
        await api.ok("sendMessage", chat_id=1001, text="Pilih", reply_markup=KB)
        sent = double.last(budi.id)
        too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
        assert (await api("answerCallbackQuery", callback_query_id="123"))[1]["description"] == too_old

        cq = await double.press_button(budi, sent, "m:rsvp:42:y")
        assert await api.ok("answerCallbackQuery", callback_query_id=cq, text="Oke", show_alert=True) is True
        assert double.answered_callbacks[cq] == {"text": "Oke", "show_alert": True, "url": None, "cache_time": 0}
        assert (await api("answerCallbackQuery", callback_query_id=cq))[1]["description"] == too_old

        late = await double.press_button(budi, sent, "m:rsvp:42:y")
        now[0] += 15 * 60 + 1
        status, body = await api("answerCallbackQuery", callback_query_id=late)
        assert (status, body["description"]) == (400, too_old)
        assert late not in double.answered_callbacks


async def test_chat_errors(double: TelegramDouble, api: RawApi) -> None:
    status, body = await api("sendMessage", chat_id=4242, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    shy = double.user(1003, "Rina", started=False)
    status, body = await api("sendMessage", chat_id=1003, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot can't initiate conversation with a user")
    await double.send_message(shy, "/start")
    await api.ok("sendMessage", chat_id=1003, text="x")
    double.never_started(1003)
    assert (await api("sendMessage", chat_id=1003, text="x"))[0] == 403

    group = double.group(-100777, "Forum")
    status, body = await api("sendMessage", chat_id=-100777, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot is not a member of the supergroup chat")
    await double.add_bot_to_group(group, by=shy)
    await api.ok("sendMessage", chat_id=-100777, text="x")
    status, body = await api("createForumTopic", chat_id=-100777, name="Topik")
    assert (status, body["description"]) == (400, "Bad Request: the chat is not a forum")
