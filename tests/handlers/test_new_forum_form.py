"""/forum_baru on the form engine: the review (change the area with "Ubah"), bad input, and a
person with a complete profile going from the area straight to the review."""

from __future__ import annotations

from bot.forms import REVIEW, data_of
from bot.members.forms import NewForum
from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum


async def test_review_changes_the_area_with_ubah_then_creates(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await budi.say("/forum_baru")
    await budi.say("Forum Kades Banyumas")
    found = await budi.say("cipari")
    await budi.press(found, "Kec. Cipari")
    await budi.next()
    jabatan = await budi.say("Budi Santoso")
    await budi.press(jabatan, "Kepala Desa")
    await budi.next()
    found = await budi.say("sidasari")
    await budi.press(found, "Sidasari — Kec. Cipari")
    review = await budi.next()
    assert "Buat forum ini?" in review.text and "Kec. Cipari" in review.text and "Budi Santoso" in review.text
    assert {"Buat forum", "Ubah wilayah", "Ubah nama forum", "Ubah desa"} <= set(review.button_texts())

    await budi.press(review, "Ubah wilayah")
    await budi.next()
    found = await budi.say("sokaraja")
    await budi.press(found, "Kec. Sokaraja")
    review = await budi.next()
    assert "Wilayah: Kec. Sokaraja" in review.text and "Wilayah: Kec. Cipari" not in review.text
    draft = await bot.services.drafts.get(budi.id)
    assert draft is not None and draft.step == REVIEW and data_of(draft, NewForum).name == "Budi Santoso"

    done = await budi.press(review, "Buat forum")
    assert "dibuat" in done.text
    forums = await bot.services.forums.of_member(budi.id)
    assert [f.name for f in forums] == ["Forum Kades Banyumas"] and forums[0].scope_code.startswith("33.02")
    assert await bot.services.drafts.get(budi.id) is None


async def test_bad_forum_name_and_unknown_area_ask_again(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await budi.say("/forum_baru")
    reply = await budi.say("x")
    assert "nama forumnya" in reply.text  # the reason, then the question again
    reply = await budi.say("Forum Kades Cipari")
    assert "wilayah" in reply.text
    reply = await budi.say("zzqqxx")
    assert "tidak ditemukan" in reply.text
    draft = await bot.services.drafts.get(budi.id)
    assert draft is not None and draft.step == "scope"
    assert data_of(draft, NewForum).forum_name == "Forum Kades Cipari"


async def test_complete_profile_goes_from_the_area_to_the_review(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    await budi.say("/forum_baru")
    await budi.say("Forum Kedua")
    found = await budi.say("cipari")
    await budi.press(found, "Kec. Cipari")
    review = await budi.next()
    assert "Buat forum ini?" in review.text and "Sidasari" in review.text
    assert "Ubah desa" in review.button_texts()
