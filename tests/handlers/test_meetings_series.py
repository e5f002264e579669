"""Series with rotating hosts, the planner announcing the next meeting, host notices and swaps."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from storage.meetings import MeetingRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness
from tests.handlers.meeting_helpers import (
    CARUY,
    CISURU,
    create_meeting,
    deliver,
    forum_with_members,
    outbox_rows,
    plan,
)

WIB = ZoneInfo("Asia/Jakarta")


async def test_monthly_series_with_rotation_announces_one_at_a_time(bot: BotHarness) -> None:
    forum_id, budi, (kades1, kades2) = await forum_with_members(bot)
    # Kades 1 lives in Caruy, Kades 2 in Cisuru, Budi in Sidasari (all Kec. Cipari).
    saved = await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Senin pertama", end="3",
                                 rotation=["Caruy", "Cisuru", "Sidasari"])
    assert "3 pertemuan" in saved.text
    repo = MeetingRepo(bot.services.db)
    meetings = await repo.upcoming([forum_id], bot.clock.now())
    assert [m.starts_at for m in meetings] == [datetime(2026, 12, 7, 9, tzinfo=WIB), datetime(2027, 1, 4, 9, tzinfo=WIB),
                                               datetime(2027, 2, 1, 9, tzinfo=WIB)]
    assert [m.host_village_code for m in meetings] == [CARUY, CISURU, SIDASARI_CIPARI]
    assert [m.announced_at is not None for m in meetings] == [True, False, False]
    series = await repo.series(meetings[0].series_id or 0)
    assert series is not None and series.rule == {"kind": "monthly_nth", "nth": 1, "weekday": 0, "count": 3}
    await deliver(bot)
    # Within two weeks of the first meeting, its host was told at once with a swap button.
    notice = bot.double.wait_for  # readability
    host_msg = await notice(kades1.id, lambda m: "giliran menjadi tuan rumah" in m.text)
    assert "Tukar giliran" in " ".join(host_msg.button_texts())
    # The planner announces the second meeting only once the first has started.
    await plan(bot)
    assert (await repo.get(meetings[1].id)).announced_at is None  # type: ignore[union-attr]
    bot.clock.set(datetime(2026, 12, 7, 9, 1, tzinfo=WIB))
    await plan(bot)
    second = await repo.get(meetings[1].id)
    assert second is not None and second.announced_at is not None
    assert await outbox_rows(bot, f"meeting:{second.id}:announce:u{kades2.id}")


async def test_host_swap_needs_the_other_village_to_agree(bot: BotHarness) -> None:
    forum_id, budi, (kades1, kades2) = await forum_with_members(bot)
    await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Senin pertama", end="3",
                         rotation=["Caruy", "Cisuru", "Sidasari"])
    await deliver(bot)
    host_msg = await bot.double.wait_for(kades1.id, lambda m: "giliran menjadi tuan rumah" in m.text)
    # Someone from another village cannot use the host's swap button.
    await bot.double.press_button(kades1.user, host_msg, host_msg.callback_for("Tukar giliran"))
    pick = await bot.double.wait_for(kades1.id, lambda m: "Tukar dengan desa mana" in m.text)
    await kades1.press(pick, "Cisuru")
    await deliver(bot)
    request = await bot.double.wait_for(kades2.id, lambda m: "meminta bertukar giliran" in m.text)
    assert "Setuju" in request.button_texts()[0]
    agree = request.callback_for("Setuju")
    await bot.double.press_button(kades2.user, request, agree)
    await bot.double.wait_for(kades2.id, lambda m: "sudah ditukar" in m.text)
    repo = MeetingRepo(bot.services.db)
    first, second, third = await repo.upcoming([forum_id], bot.clock.now())
    assert (first.host_village_code, second.host_village_code, third.host_village_code) == (
        CISURU, CARUY, SIDASARI_CIPARI)
    await deliver(bot)
    told = await bot.double.wait_for(budi.id, lambda m: "tuan rumah berganti" in m.text)
    assert "Cisuru" in told.text or "Perubahan" in told.text
    assert "setuju" in (await bot.double.wait_for(kades1.id, lambda m: "setuju bertukar" in m.text)).text
    # A second press on the same request is refused.
    again = await bot.double.press_button(kades2.user, request, agree, force=True)
    from tests.handlers.meeting_helpers import answers

    assert "sudah dijawab" in (await answers(bot, again))[0]


async def test_series_ics_has_rrule_and_moved_occurrence(bot: BotHarness) -> None:
    forum_id, budi, (kades1, _) = await forum_with_members(bot)
    await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Setiap hari Senin", end="4")
    await deliver(bot)
    invite = await bot.double.wait_for(kades1.id, lambda m: "Apakah Bapak/Ibu akan hadir" in m.text)
    await bot.double.press_button(kades1.user, invite, invite.callback_for("Tambahkan ke kalender"))
    document = await bot.double.wait_for(kades1.id, lambda m: m.kind == "document")
    assert document.file_name and document.file_name.endswith(".ics")
    assert document.file_bytes is not None
    cal = Calendar.from_ical(document.file_bytes)
    [event] = cal.walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [4]
    assert event["DTSTART"].dt == datetime(2026, 12, 7, 9, tzinfo=WIB)
    assert str(cal.walk("VTIMEZONE")[0]["TZID"]) == "Asia/Jakarta"
    del forum_id


async def test_agenda_shows_a_series_as_one_line_with_all_dates_and_a_way_back(bot: BotHarness) -> None:
    _, budi, _ = await forum_with_members(bot)
    await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Senin pertama", end="3",
                         rotation=["Caruy", "Cisuru", "Sidasari"])
    await deliver(bot)
    await budi.send("/agenda")
    agenda = await bot.double.wait_for(budi.id, lambda m: "Pertemuan mendatang" in m.text)
    assert agenda.text.count("Pertemuan rutin Desember") == 1  # one line for the whole series
    assert "Tuan rumah: Caruy" in agenda.text and "2 tanggal lagi" in agenda.text
    [first] = [label for label in agenda.button_texts() if "Caruy" in label]
    assert "7 Des 2026" in first
    dates = await budi.press(agenda, "Lihat semua tanggal")
    labels = dates.button_texts()
    assert len(labels) == 4 and labels[-1] == "◀ Kembali"
    assert ["Caruy" in labels[0], "Cisuru" in labels[1], "Sidasari" in labels[2]] == [True, True, True]
    assert "4 Jan 2027" in labels[1] and len(set(labels)) == 4  # every button says which date it is
    detail = await budi.press(dates, "Cisuru")
    assert "Kembali" in detail.button_texts()[-1]
    back = await budi.press(detail, "Kembali")
    assert "Pertemuan mendatang" in back.text and back.message_id == agenda.message_id
