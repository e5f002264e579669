"""The meeting views are pure: loaded records in, text and buttons out, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.callbacks import decode
from bot.meetings.views import MeetingInfo, after_answer, card, detail_buttons, rsvp_buttons
from bot.meetings.views_after import attendance_sheet, minutes_text
from bot.view import Button
from storage.meetings import Meeting, Series

START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Senin 09.00 WIB


def meeting(**changes: Any) -> Meeting:
    fields: dict[str, Any] = dict(
        id=7, forum_id=1, series_id=None, seq=None, original_start_at=None, title="Rapat <rutin>", starts_at=START,
        duration_minutes=90, timezone="Asia/Jakarta", place_kind="village", host_village_code="33.01.18.2011",
        address=None, latitude=None, longitude=None, online_url=None, agenda=["Laporan BUMDes"], documents=[],
        max_attendees=None, rsvp_deadline=None, reminders=None, status="scheduled", version=1, announced_at=None,
        tally_version=0, tally_queued=0, tally_edit_due=None, host_notified_at=None, attendance_at=None,
        attendance_by=None, created_by=1, created_at=START, updated_at=START, cancelled_at=None, cancel_reason=None)
    fields.update(changes)
    return Meeting(**fields)


def actions_of(buttons: Any) -> list[list[str]]:
    out = []
    for row in buttons:
        parsed = [decode(b.data) for b in row]
        out.append([p.action if p else "?" for p in parsed])
    return out


def test_card_uses_the_loaded_village_and_series_and_escapes_the_title() -> None:
    series = Series(id=3, forum_id=1, rule={"kind": "weekly", "interval": 2, "weekday": 0}, first_start_at=START,
                    timezone="Asia/Jakarta", host_rotation=[], created_by=1, created_at=START)
    text = card(MeetingInfo(meeting(series_id=3, seq=2), "Sidasari, Kec. Cipari", series), "id")
    assert "Sidasari, Kec. Cipari" in text
    assert "&lt;rutin&gt;" in text and "<rutin>" not in text
    assert "09.00" in text and "Laporan BUMDes" in text
    assert "2" in text  # the occurrence number of the series
    without = card(MeetingInfo(meeting(), "Sidasari"), "id")
    assert len(without.splitlines()) < len(text.splitlines())


def test_answer_follow_ups() -> None:
    assert actions_of(after_answer(meeting(), "yes", "id").buttons) == [["ppl"] * 5, ["r", "r", "r"], ["who", "ics"]]
    assert actions_of(after_answer(meeting(), "no", "id").buttons) == [["why"], ["r", "r", "r"], ["who", "ics"]]
    assert actions_of(after_answer(meeting(), "maybe", "id").buttons) == [["r", "r", "r"], ["who", "ics"]]
    assert actions_of(rsvp_buttons(7, "en", extras=False)) == [["r", "r", "r"]]


def test_detail_buttons_follow_role_and_time() -> None:
    m = meeting(documents=[{"kind": "document", "file_id": "f"}])
    assert actions_of(detail_buttons(m, "id", koordinator=False, started=False)) == [
        ["r", "r", "r"], ["who", "ics"], ["docs"]]
    assert actions_of(detail_buttons(m, "id", koordinator=True, started=False))[-1] == ["mg"]
    assert actions_of(detail_buttons(m, "id", koordinator=True, started=True)) == [["who"], ["docs"], ["att", "min"]]
    assert actions_of(detail_buttons(meeting(status="cancelled"), "id", koordinator=True, started=False)) == [["who"]]


def test_attendance_sheet_ticks_the_present() -> None:
    view = attendance_sheet("Rapat", [(1, "Budi (Sidasari)"), (2, "Siti (Caruy)")], {2}, "id",
                            lambda label, value: Button(label, data=f"v:{value}"), "ok")
    labels = [row[0].label for row in view.buttons]
    assert labels[0].startswith("⬜ Budi") and labels[1].startswith("✅ Siti")
    assert [row[0].data for row in view.buttons] == ["v:1", "v:2", "v:ok"]  # toggles, then Simpan
    assert "Hadir: 1 dari 2" in view.text


def test_minutes_name_owners_and_escape_decisions() -> None:
    text = minutes_text("Rapat", ["<b>Gotong royong</b>"], [("Data BUMDes", 5, START.date())], {5: "Siti"}, "id")
    assert "&lt;b&gt;Gotong royong" in text and "Siti" in text and "Data BUMDes" in text
    assert "-" in minutes_text("Rapat", [], [("Data", 9, START.date())], {}, "id")  # owner unknown
