"""Finding one's village in the join form however it is spelled (issue: everyday friction)."""

from __future__ import annotations

from tests.conftest import BotHarness
from tests.handlers.test_onboarding import create_forum, invite_code, reach_village_step


async def test_join_finds_village_by_split_name_typo_and_across_the_country(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await reach_village_step(sri, code)

    reply = await sri.say("karang reja")
    assert reply.button_texts()[0] == "Karangreja — Kec. Cipari, Kab. Cilacap"

    reply = await sri.say("segaralagu")
    assert "Segaralangu?" in reply.text and "Bapak/Ibu" in reply.text
    assert "Segaralangu — Kec. Cipari, Kab. Cilacap" in reply.button_texts()

    reply = await sri.press(reply, "Tidak ada di daftar")
    assert "kode wilayah" in reply.text or "kode wilayah" in (await sri.next()).text
    reply = await sri.say("karang rau sokaraja")
    assert any("Karangrau — Kec. Sokaraja" in label for label in reply.button_texts())
    assert "Tidak ada di daftar" not in reply.button_texts()
    await sri.press(reply, "Karangrau — Kec. Sokaraja")
    reply = await sri.next()
    assert "Kirim permintaan" in reply.button_texts()
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None
    region = await bot.services.regions.get(draft.data["village_code"])
    assert region is not None and region.name == "Karangrau" and region.kecamatan == "Sokaraja"
