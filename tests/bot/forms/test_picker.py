"""The shared date-and-time picker as plain values: typed dates, the calendar, zones."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, Field

from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Stay
from bot.forms.picker import When, when_step

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=WIB)


class Plan(BaseModel):
    when: When = Field(default_factory=lambda: When.starting("Asia/Jakarta"))


STEP = when_step("when", field="when")


def ctx(data: Plan) -> Ctx[Plan]:
    return Ctx(data, "id", NOW, None, "pl", 1)


def stay(result: Any) -> Plan:
    assert isinstance(result, Stay)
    return result.data  # type: ignore[no-any-return]


def typed(data: Plan, text: str) -> Plan:
    assert STEP.typed is not None
    return stay(STEP.typed(ctx(data), Answer(text=text)))


def press(data: Plan, value: str) -> Any:
    assert STEP.choice is not None
    return STEP.choice(ctx(data), value)


def labels(data: Plan) -> list[str]:
    return [b.label for row in STEP.prompt(ctx(data)).buttons for b in row]


def test_typed_date_is_confirmed_with_its_zone_and_the_zone_can_be_moved() -> None:
    plan = typed(Plan(), "12/12/2026 09.00 WITA")
    assert plan.when.pending == datetime(2026, 12, 12, 9, 0, tzinfo=WITA)
    view = STEP.prompt(ctx(plan))
    assert "Sabtu, 12 Desember 2026 pukul 09.00 WITA" in view.text and "WITA ✓" in labels(plan)
    moved = stay(press(plan, "zWIT"))  # same wall-clock time, another zone
    assert moved.when.pending == datetime(2026, 12, 12, 9, 0, tzinfo=WIT)
    done = press(moved, "ok")
    assert isinstance(done, Plan) and done.when.at == datetime(2026, 12, 12, 9, 0, tzinfo=WIT)
    assert done.when.mode == "ask" and done.when.pending is None


def test_a_new_reading_starts_in_the_forums_zone_not_the_last_typed_one() -> None:
    plan = typed(Plan(), "12/12/2026 09.00 WITA")
    again = stay(press(plan, "again"))
    assert "WIB" in STEP.prompt(ctx(again)).text
    assert typed(again, "12/12/2026 09.00").when.pending == datetime(2026, 12, 12, 9, 0, tzinfo=WIB)


def test_calendar_month_day_hour_minute() -> None:
    cal = stay(press(Plan(), "m"))
    view = STEP.prompt(ctx(cal))
    assert "November 2026" in view.text and "24" in labels(cal) and "23" not in labels(cal)  # no past days
    cal = stay(press(cal, "m202612"))
    assert "Desember 2026" in STEP.prompt(ctx(cal)).text
    hours = stay(press(cal, "d20261225"))
    assert "Jumat, 25 Desember 2026" in STEP.prompt(ctx(hours)).text and "10.00" in labels(hours)
    minutes = stay(press(hours, "h10"))
    assert labels(minutes) == ["10.00", "10.15", "10.30", "10.45"]
    picked = press(minutes, "i30")
    assert isinstance(picked, Stay) and picked.new_message
    assert picked.data.when.pending == datetime(2026, 12, 25, 10, 30, tzinfo=WIB)


@pytest.mark.parametrize("value", ["d20200101", "dxx", "h99", "zGMT", "ok", "i30", "q"])
def test_forged_or_out_of_place_values_are_stale(value: str) -> None:
    with pytest.raises(StaleAction):
        press(Plan(), value)


@pytest.mark.parametrize(("text", "key"), [("1/1/2020 09.00", "form.date.in_past"),
                                           ("kapan-kapan", "form.date.unrecognised"),
                                           ("1/1/2030 09.00", "form.date.too_far")])
def test_typed_problems_are_named(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as err:
        typed(Plan(), text)
    assert err.value.message_key == key


def test_the_days_of_the_month_are_checked_by_name() -> None:
    with pytest.raises(InvalidInput) as err:
        typed(Plan(), "31/04/2027 09.00")
    assert err.value.message_key == "date.no_such_day"


DAY = when_step("end", field="when", with_time=False)
PAST_DAY = when_step("from", field="when", with_time=False, allow_past=True)


def test_a_date_only_picker_takes_a_day_typed_or_picked() -> None:
    assert DAY.typed is not None and DAY.choice is not None
    typed_day = stay(DAY.typed(ctx(Plan()), Answer(text="31 Desember 2027")))
    assert typed_day.when.pending == datetime(2027, 12, 31, 0, 0, tzinfo=WIB)
    confirm = DAY.prompt(ctx(typed_day))
    assert "Jumat, 31 Desember 2027" in confirm.text and "pukul" not in confirm.text
    assert [b.label for row in confirm.buttons for b in row] == ["✅ Benar", "Ganti tanggal"]  # no zones for a day
    picked = DAY.choice(ctx(Plan()), "d20261124")  # today may be picked: a day, not a moment
    assert isinstance(picked, Stay) and picked.data.when.pending is not None
    done = DAY.choice(ctx(picked.data), "ok")
    assert isinstance(done, Plan) and done.when.local_date() == datetime(2026, 11, 24).date()
    with pytest.raises(InvalidInput):
        DAY.typed(ctx(Plan()), Answer(text="1/1/2026"))


def test_a_past_day_only_where_allowed() -> None:
    assert PAST_DAY.typed is not None and PAST_DAY.choice is not None
    plan = stay(PAST_DAY.typed(ctx(Plan()), Answer(text="1/1/2026")))
    assert plan.when.pending == datetime(2026, 1, 1, 0, 0, tzinfo=WIB)
    cal = stay(PAST_DAY.choice(ctx(Plan()), "m202610"))
    assert "1" in [b.label for row in PAST_DAY.prompt(ctx(cal)).buttons for b in row]
