"""Replies get parse_mode=HTML and no link preview from PTB Defaults, not from each call."""

from __future__ import annotations

from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum


async def test_replies_and_edits_are_html_without_link_previews(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    menu = await budi.say("/bahasa")  # handlers.common.reply, which passes neither argument
    assert menu.parse_mode == "HTML"
    assert menu.link_preview_options == {"is_disabled": True}
    edited = await budi.press(menu, "English")  # handlers.common.edit_or_reply
    assert edited.edited and edited.parse_mode == "HTML" and "English" in edited.text
