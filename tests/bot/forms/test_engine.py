"""The form engine, each behaviour once, through the real bot and the Telegram double."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import forms
from bot.clock import FixedClock
from bot.telegram_double import TelegramDouble
from tests.bot.forms.trip_form import SAVED, Trip, install
from tests.conftest import BotHarness, settings_for, start_bot, stop_bot

WIB = ZoneInfo("Asia/Jakarta")


async def _trip(bot: BotHarness) -> Trip:
    draft = await bot.services.drafts.get(4242)
    assert draft is not None and draft.flow == "tt"
    return forms.data_of(draft, Trip)


async def _step(bot: BotHarness) -> str:
    draft = await bot.services.drafts.get(4242)
    assert draft is not None
    return draft.step


async def test_routes_typed_and_pressed_answers_and_branches(bot: BotHarness) -> None:
    install(bot.app)
    ani = bot.person(4242, "Ani")
    assert "Judul" in (await ani.say("/uji")).text
    kind = await ani.say("Studi banding BUMDes")
    assert kind.button_texts() == ["Kecil", "Besar"]
    await ani.press(kind, "Besar")  # the pressed message loses its buttons...
    ask = await ani.next()  # ...and the branch for a big trip asks how many people
    assert "Berapa orang" in ask.text and not bot.double.sent(ani.id)[-2].buttons
    when = await ani.say("12")
    assert "Kapan" in when.text and (await _trip(bot)).people == 12


async def test_bad_input_is_asked_again_and_nothing_is_lost(bot: BotHarness) -> None:
    install(bot.app)
    ani = bot.person(4242, "Ani")
    await ani.say("/uji")
    kind = await ani.say("Studi banding")
    await ani.press(kind, "Besar")
    await ani.next()
    again = await ani.say("banyak sekali")
    assert "angka 1 sampai 10000" in again.text and "Berapa orang" in again.text  # the problem, then the question
    assert await _step(bot) == "people" and (await _trip(bot)).title == "Studi banding"
    assert "Kapan" in (await ani.say("40")).text


async def test_batal_drops_the_form_and_its_buttons_go_stale(bot: BotHarness) -> None:
    install(bot.app)
    ani = bot.person(4242, "Ani")
    await ani.say("/uji")
    kind = await ani.say("Studi banding")
    assert "Dibatalkan" in (await ani.say("/batal")).text
    assert await bot.services.drafts.get(ani.id) is None
    cq = await bot.double.press_button(ani.user, kind, kind.callback_for("Kecil"))
    assert "tidak berlaku" in str((await bot.double.wait_for_answer(cq)).get("text"))
    assert await bot.services.drafts.get(ani.id) is None


async def test_buttons_of_an_earlier_step_or_an_older_form_are_refused(bot: BotHarness) -> None:
    install(bot.app)
    ani = bot.person(4242, "Ani")
    await ani.say("/uji")
    old_kind = await ani.say("Kunjungan lama")
    await ani.say("/uji")  # a new form replaces the old one
    kind = await ani.say("Kunjungan baru")
    cq = await bot.double.press_button(ani.user, old_kind, old_kind.callback_for("Besar"))
    assert "tidak berlaku" in str((await bot.double.wait_for_answer(cq)).get("text"))
    assert await _step(bot) == "kind" and (await _trip(bot)).kind == ""
    besar = kind.callback_for("Besar")
    await ani.press(kind, "Kecil")
    assert "Kapan" in (await ani.next()).text
    # The kind question's button pressed again once the form moved on: refused, the draft unchanged.
    cq = await bot.double.press_button(ani.user, kind, besar, force=True)
    assert "tidak berlaku" in str((await bot.double.wait_for_answer(cq)).get("text"))
    trip = await _trip(bot)
    assert await _step(bot) == "when" and trip.kind == "kecil" and trip.title == "Kunjungan baru"


async def test_restart_mid_form_continues_where_the_user_was(double: TelegramDouble, db_path: Path,
                                                            clock: FixedClock) -> None:
    settings = settings_for(double, db_path)
    app = await start_bot(double, settings, clock)
    install(app)
    ani = BotHarness(app, double, clock, settings).person(4242, "Ani")
    await ani.say("/uji")
    kind = await ani.say("Studi banding")
    await stop_bot(app)  # the process is gone; only the database file remains
    app = await start_bot(double, settings, clock)
    try:
        install(app)
        await ani.press(kind, "Kecil")  # a button from before the restart still answers its step
        ask = await ani.next()
        assert "Kapan" in ask.text
        confirm = await ani.say("12/12/2026 09.00")
        assert "Sudah benar" in confirm.text
    finally:
        await stop_bot(app)


async def test_prefill_skips_the_answered_step(bot: BotHarness) -> None:
    install(bot.app)
    ani = bot.person(4242, "Ani")
    kind = await ani.say("/uji Dari evaluasi kerja sama")
    assert "Jenis" in kind.text  # the title was given: the form starts at the next question
    assert (await _trip(bot)).title == "Dari evaluasi kerja sama"


async def test_review_lists_every_answer_and_ubah_returns_to_it(bot: BotHarness) -> None:
    install(bot.app)
    SAVED.clear()
    ani = bot.person(4242, "Ani")
    await ani.say("/uji")
    kind = await ani.say("Studi banding")
    await ani.press(kind, "Kecil")
    await ani.next()
    confirm = await ani.say("12/12/2026 09.00")
    await ani.press(confirm, "Benar")
    await ani.next()
    stops = await ani.say("Balai desa")
    await ani.press(stops, "Selesai")
    review = await ani.next()
    assert "Periksa" in review.text
    for shown in ("Studi banding", "kecil", "Sabtu, 12 Desember 2026 pukul 09.00 WIB", "Balai desa"):
        assert shown in review.text
    assert "Jumlah peserta" not in review.text  # skipped by the branch: not listed
    assert set(review.button_texts()) == {"✅ Simpan", "Ubah judul", "Ubah jenis", "Ubah waktu", "Ubah tempat", "Batal"}
    # Change the kind: the branch now needs the number of people, then back to the review.
    await ani.press(review, "Ubah jenis")
    kind = await ani.next()
    await ani.press(kind, "Besar")
    ask = await ani.next()
    assert "Berapa orang" in ask.text
    review = await ani.say("25")
    assert "Periksa" in review.text and "25" in review.text and "Ubah jumlah peserta" in review.button_texts()
    # Change the time: the picker starts fresh in the forum's zone, then back to the review.
    await ani.press(review, "Ubah waktu")
    ask = await ani.next()
    assert "WIB" in ask.text
    confirm = await ani.say("13/12/2026 10.00")
    benar = confirm.callback_for("Benar")
    await ani.press(confirm, "Benar")
    review = await ani.next()
    assert "Minggu, 13 Desember 2026 pukul 10.00 WIB" in review.text
    # The picker's buttons are stale now.
    cq = await bot.double.press_button(ani.user, confirm, benar, force=True)
    assert "tidak berlaku" in str((await bot.double.wait_for_answer(cq)).get("text"))
    simpan = review.callback_for("Simpan")
    saved = await ani.press(review, "Simpan")
    assert "Tersimpan: Studi banding" in saved.text
    assert [(uid, trip.people, trip.when.at) for uid, trip in SAVED] == [
        (4242, 25, datetime(2026, 12, 13, 10, 0, tzinfo=WIB))]
    assert await bot.services.drafts.get(ani.id) is None
    # Simpan pressed twice saves once.
    cq = await bot.double.press_button(ani.user, review, simpan, force=True)
    assert "tidak berlaku" in str((await bot.double.wait_for_answer(cq)).get("text"))
    assert len(SAVED) == 1
