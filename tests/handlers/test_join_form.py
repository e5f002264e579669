"""The join form on the form engine: its review (change one answer with "Ubah"), bad input,
a complete profile starting at the review, and an old hand-rolled draft dropped politely."""

from __future__ import annotations

from bot.forms import REVIEW, data_of
from bot.members.forms import Join
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum


async def _invite(bot: BotHarness) -> tuple[int, str]:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", SIDASARI_CIPARI)})
    invite = await bot.services.forums.new_invite(forum_id, 1001, bot.clock.now())
    return forum_id, invite.code


async def _to_review(sri: Person, code: str) -> object:
    await sri.say(f"/start {code}")
    await sri.next()
    reply = await sri.say("Sri Wahyuni")
    await sri.press(reply, "Kepala Desa")
    await sri.next()
    reply = await sri.say("sidasari")
    await sri.press(reply, "Sidasari — Kec. Cipari")
    return await sri.next()


async def test_review_changes_the_village_with_ubah_then_sends(bot: BotHarness) -> None:
    forum_id, code = await _invite(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    review = await _to_review(sri, code)
    assert "Forum Kades Cipari" in review.text and "Sri Wahyuni" in review.text and "Sidasari" in review.text
    assert {"Kirim permintaan", "Ubah nama", "Ubah jabatan", "Ubah desa"} <= set(review.button_texts())

    await sri.press(review, "Ubah desa")
    ask = await sri.next()
    assert "desa" in ask.text.lower() and not ask.button_texts()
    found = await sri.say("karang reja")
    await sri.press(found, "Karangreja — Kec. Cipari")
    review = await sri.next()
    assert "Karangreja" in review.text and "Sidasari" not in review.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.step == REVIEW
    assert data_of(draft, Join).name == "Sri Wahyuni"  # the other answers stay

    sent = await sri.press(review, "Kirim permintaan")
    assert "terkirim" in sent.text
    member = await bot.services.members.get(sri.id)
    assert member is not None
    region = await bot.services.regions.get(member.village_code or "")
    assert region is not None and region.name == "Karangreja"
    membership = await bot.services.members.membership(forum_id, sri.id)
    assert membership is not None and (membership.status, membership.role) == ("pending", "anggota")
    assert await bot.services.drafts.get(sri.id) is None


async def test_bad_input_asks_again_and_keeps_the_answers(bot: BotHarness) -> None:
    _, code = await _invite(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say(f"/start {code}")
    await sri.next()
    reply = await sri.say("x")
    assert "2 sampai 100" in reply.text and "nama lengkap" in reply.text
    jabatan = await sri.say("Sri Wahyuni")
    reply = await sri.say("kepala desa")  # typed where a button is needed
    assert "tombol" in reply.text.lower() and "jabatan" in reply.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.step == "jabatan" and data_of(draft, Join).name == "Sri Wahyuni"
    await sri.press(jabatan, "Kepala Desa")
    await sri.next()
    reply = await sri.say("zzqqxx")
    assert "tidak ditemukan" in reply.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.step == "village" and data_of(draft, Join).jabatan == "kades"


async def test_complete_profile_starts_at_the_review(bot: BotHarness) -> None:
    forum_id, code = await _invite(bot)
    await seed_forum(bot.services, koordinator=3003, name="Forum Lain", members={3003: ("Hartini", SIDASARI_CIPARI)})
    hartini = bot.person(3003, "Hartini")
    review = await hartini.say(f"/start {code}")
    assert "diundang" in review.text and "Hartini" in review.text and "Sidasari" in review.text
    assert "Kirim permintaan" in review.button_texts() and "Ubah nama" in review.button_texts()
    sent = await hartini.press(review, "Kirim permintaan")
    assert "terkirim" in sent.text
    membership = await bot.services.members.membership(forum_id, hartini.id)
    assert membership is not None and membership.status == "pending"


async def test_old_hand_rolled_join_draft_is_dropped_politely(bot: BotHarness) -> None:
    forum_id, _ = await _invite(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    await bot.services.drafts.save(sri.id, "join", "village", {"forum_id": forum_id, "name": "Sri"},
                                   bot.clock.now())
    reply = await sri.say("sidasari")
    assert reply.text  # told what to do, not silence
    assert await bot.services.drafts.get(sri.id) is None
