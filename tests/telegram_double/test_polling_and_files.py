"""Long polling semantics and file upload/download."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.telegram_double import TelegramDouble

from .conftest import RawApi


async def test_long_poll_waits_for_timeout(double: TelegramDouble, api: RawApi) -> None:
    start = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 <= time.monotonic() - start < 1.5


async def test_long_poll_returns_early_on_update(double: TelegramDouble, api: RawApi) -> None:
    budi = double.user(1001, "Budi")
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    start = time.monotonic()
    await double.send_message(budi, "/start@kades_test_bot x")
    updates = await poll
    assert time.monotonic() - start < 0.5
    message = updates[0]["message"]
    assert message["text"] == "/start@kades_test_bot x"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 21}]
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Budi"}
    assert message["from"]["is_bot"] is False and isinstance(message["date"], int)


async def test_offset_confirms_limit_and_allowed_updates(double: TelegramDouble, api: RawApi) -> None:
    budi = double.user(1001, "Budi")
    for i in range(3):
        await double.send_message(budi, f"pesan {i}")
    first = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first] == ["pesan 0", "pesan 1"]
    again = await api.ok("getUpdates")  # nothing confirmed yet: redelivered
    assert [u["update_id"] for u in again] == [u["update_id"] for u in first] + [first[-1]["update_id"] + 1]
    rest = await api.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["pesan 2"]
    assert await api.ok("getUpdates", offset=rest[-1]["update_id"] + 1) == []
    assert double.pending_updates == 0
    assert [u["message"]["message_id"] for u in first + rest] == [1, 2, 3]

    await double.send_message(budi, "teks")
    await api.ok("sendMessage", chat_id=1001, text="Pilih", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    await double.press_button(budi, double.last(1001), "a")
    only_cq = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [next(k for k in u if k != "update_id") for u in only_cq] == ["callback_query"]
    query = only_cq[0]["callback_query"]
    assert query["data"] == "a" and query["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert query["message"]["from"]["is_bot"] is True and query["chat_instance"]


async def test_second_poller_terminates_the_first(double: TelegramDouble, api: RawApi) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api("getUpdates", timeout=0))
    (status, body), (second_status, _) = await asyncio.gather(first, second)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert second_status == 200


async def test_webhook_blocks_polling(double: TelegramDouble, api: RawApi) -> None:
    await api.ok("setWebhook", url="https://example.org/hook")
    assert (await api.ok("getWebhookInfo"))["url"] == "https://example.org/hook"
    assert (await api("getUpdates"))[0] == 409
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await api.ok("getUpdates") == []


async def test_multipart_document_keeps_bytes_and_downloads(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    payload = b"\x00\x01laporan\xff" * 1000
    response = await api.client.post(
        f"{double.api_base_url}{double.token}/sendDocument",
        data={"chat_id": "1001", "caption": "<b>Notulen</b>", "parse_mode": "HTML", "disable_notification": "true"},
        files={"document": ("notulen.xlsx", payload, "application/vnd.ms-excel")},
    )
    assert response.status_code == 200, response.text
    doc = response.json()["result"]["document"]
    assert doc["file_name"] == "notulen.xlsx" and doc["file_size"] == len(payload)
    sent = double.last(1001)
    assert (sent.kind, sent.file_name, sent.file_bytes, sent.text) == ("document", "notulen.xlsx", payload, "Notulen")
    assert sent.disable_notification is True

    # Re-sending by file_id works; getFile + the file URL return the same bytes.
    again = await api.ok("sendDocument", chat_id=1001, document=doc["file_id"])
    assert again["document"]["file_id"] == doc["file_id"]
    info = await api.ok("getFile", file_id=doc["file_id"])
    async with httpx.AsyncClient() as client:
        download = await client.get(f"{double.file_base_url}{double.token}/{info['file_path']}")
    assert download.content == payload
    status, body = await api("sendDocument", chat_id=1001, document="nonsense")
    assert (status, body["description"]) == (400, "Bad Request: wrong file identifier/HTTP URL specified")


async def test_forum_topics_pins_and_rtt(api: RawApi) -> None:
    async with TelegramDouble(rtt=0.05, enforce_limits=False) as double:
        api.double = double
        budi = double.user(1001, "Budi")
        forum = double.group(-100900, "Forum Topik", is_forum=True)
        await double.add_bot_to_group(forum, by=budi)
        topic = await api.ok("createForumTopic", chat_id=-100900, name="Kunjungan")
        thread = topic["message_thread_id"]
        start = time.monotonic()
        msg = await api.ok("sendMessage", chat_id=-100900, text="Jadwal", message_thread_id=thread)
        assert time.monotonic() - start >= 0.05  # simulated round trip
        assert msg["message_thread_id"] == thread and msg["is_topic_message"] is True
        user_msg = await double.send_message(budi, "/hadir", chat=forum, thread_id=thread)
        assert user_msg["message_thread_id"] == thread and user_msg["is_topic_message"] is True
        await api.ok("pinChatMessage", chat_id=-100900, message_id=msg["message_id"])
        assert double.pinned(-100900) == [msg["message_id"]]
        await api.ok("unpinChatMessage", chat_id=-100900)
        assert double.pinned(-100900) == []
        admins = await api.ok("getChatAdministrators", chat_id=-100900)
        assert {a["status"] for a in admins} == {"creator", "administrator"}
        member = await api.ok("getChatMember", chat_id=-100900, user_id=1001)
        assert member["status"] == "creator"


async def test_stop_answers_a_pending_long_poll(api: RawApi) -> None:
    double = TelegramDouble()
    await double.start()
    api.double = double
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    start = time.monotonic()
    await double.stop()
    assert await poll == []
    assert time.monotonic() - start < 1.0
