"""/profil's one-answer changes on the form engine: saved at once, bad input re-asks, old drafts go."""

from __future__ import annotations

from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum


async def test_jabatan_change_is_saved_at_once(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    ask = await budi.press(profile, "Ubah jabatan")
    assert "jabatan" in ask.text
    await budi.press(ask, "Sekretaris")
    saved = await budi.next()
    assert "disimpan" in saved.text
    member = await bot.services.members.get(1001)
    assert member is not None and member.jabatan == "sekdes" and member.full_name == "Budi Santoso"
    assert await bot.services.drafts.get(1001) is None


async def test_bad_name_asks_again_and_nothing_changes(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    await budi.press(profile, "Ubah nama")
    again = await budi.say("x")
    assert "2 sampai" in again.text and "nama lengkap" in again.text
    member = await bot.services.members.get(1001)
    assert member is not None and member.full_name == "Budi Santoso"
    draft = await bot.services.drafts.get(1001)
    assert draft is not None and draft.step == "name"


async def test_old_hand_rolled_profile_draft_is_dropped_politely(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    await bot.services.drafts.save(1001, "profile", "name", {}, bot.clock.now())
    reply = await budi.say("Budi Baru")
    assert reply.text
    assert await bot.services.drafts.get(1001) is None
    member = await bot.services.members.get(1001)
    assert member is not None and member.full_name == "Budi Santoso"
