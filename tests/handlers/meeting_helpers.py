"""Helpers for the meeting flow tests: seeded forums, delivering due pushes, reading the outbox."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.meetings.pushes import plan_meetings
from bot.telegram_double import SentMessage
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum

# Villages in Kec. Cipari, Kab. Cilacap (WIB).
CARUY = "33.01.18.2001"
CISURU = "33.01.18.2004"
GROUP_ID = -100777


async def forum_with_members(bot: BotHarness, *, extra: int = 2, group: bool = True) -> tuple[int, Person, list[Person]]:
    """A forum with koordinator Budi (Sidasari) and `extra` members in other villages."""
    villages = [CARUY, CISURU, SIDASARI_CIPARI]
    members = {1001: ("Budi Santoso", SIDASARI_CIPARI)}
    for i in range(extra):
        members[2001 + i] = (f"Kades {i + 1}", villages[i % len(villages)])
    if group:
        chat = bot.double.group(GROUP_ID, "Forum Kades Cipari", bot_status="administrator")
        chat.members.update(members)
    forum_id = await seed_forum(bot.services, koordinator=1001, members=members,
                                group_chat_id=GROUP_ID if group else None)
    budi = bot.person(1001, "Budi Santoso")
    others = [bot.person(uid, name) for uid, (name, _) in members.items() if uid != 1001]
    return forum_id, budi, others


async def deliver(bot: BotHarness) -> None:
    """Send every push due at the bot's clock through the real delivery engine, then let the bot settle."""
    engine: Any = bot.services.delivery
    await engine.run_due()
    await bot.double.wait_idle(quiet=0.05)


async def plan(bot: BotHarness) -> None:
    await plan_meetings(bot.services, bot.clock.now())


async def outbox_rows(bot: BotHarness, prefix: str, status: str | None = "pending") -> list[dict[str, Any]]:
    sql = "SELECT * FROM outbox WHERE idem_key LIKE ?"
    params: list[Any] = [prefix + "%"]
    if status:
        sql += " AND status = ?"
        params.append(status)
    rows = await bot.services.db.fetchall(sql + " ORDER BY due_at, id", params)
    out = []
    for row in rows:
        d = dict(row)
        d["payload"] = json.loads(d["payload"])
        out.append(d)
    return out


def when(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["due_at"])


async def create_meeting(bot: BotHarness, budi: Person, *, title: str = "Pertemuan rutin Desember",
                         date_text: str = "12/12/2026 09.00", repeat: str | None = None,
                         end: str | None = None, rotation: list[str] | None = None) -> SentMessage:
    """Drive /pertemuan_baru to the end; returns the confirmation reply after saving."""
    reply = await budi.say("/pertemuan_baru")
    assert "Jadwalkan pertemuan baru" in reply.text
    reply = await budi.next()
    assert "judul" in reply.text
    reply = await budi.say(title)
    assert "Kapan" in reply.text
    reply = await budi.say(date_text)
    assert "Sudah benar?" in reply.text, reply.text
    await budi.press(reply, "Benar")
    reply = await budi.next()
    assert "Berapa lama" in reply.text, reply.text
    reply = await budi.press(reply, "2 jam")
    reply = await budi.next()
    assert "Di mana" in reply.text
    reply = await budi.say("Balai Desa Sidasari, Jl. Raya Cipari No. 1")
    assert "agenda" in reply.text.lower()
    reply = await budi.say("Laporan BUMDes\nRencana kerja 2027")
    assert "Rencana kerja 2027" in reply.text
    await budi.press(reply, "Selesai")
    reply = await budi.next()
    assert "dokumen" in reply.text.lower()
    await budi.press(reply, "Selesai")
    reply = await budi.next()
    assert "berulang" in reply.text
    if repeat is None:
        await budi.press(reply, "Sekali saja")
    else:
        await budi.press(reply, repeat)
        reply = await budi.next()
        assert "Sampai kapan" in reply.text
        reply = await budi.say(end or "3")
        assert "Tuan rumah bergilir" in reply.text, reply.text
        for village in rotation or []:
            reply = await budi.press(reply, village)
        await budi.press(reply, "Selesai" if rotation else "Tanpa giliran")
    reply = await budi.next()
    assert "Periksa sebelum disimpan" in reply.text, reply.text
    return await budi.press(reply, "Simpan dan umumkan")


async def answers(bot: BotHarness, *callback_ids: str, timeout: float = 30.0) -> list[str]:
    """Wait until the bot answered these button presses; their answer texts (alerts/toasts)."""
    return [str((await bot.double.wait_for_answer(cq, timeout=timeout)).get("text") or "") for cq in callback_ids]
