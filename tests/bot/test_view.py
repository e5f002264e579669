"""The one button model renders the same keyboard for PTB replies and outbox pushes."""

from __future__ import annotations

import pytest

from bot.view import Button, View, per_row, rows_of


def test_same_keyboard_both_ways() -> None:
    view = View("<b>Rapat</b>", rows_of([[("Hadir", "m:r:1:y"), Button("Peta", url="https://osm.org")], []]))
    markup = view.markup()
    assert markup is not None
    assert markup.to_dict() == view.bot_api_markup()
    assert view.bot_api_markup() == {"inline_keyboard": [[{"text": "Hadir", "callback_data": "m:r:1:y"},
                                                          {"text": "Peta", "url": "https://osm.org"}]]}


def test_no_buttons_no_markup_and_button_needs_one_target() -> None:
    assert View("x").markup() is None and View("x").bot_api_markup() is None
    with pytest.raises(ValueError):
        Button("?")
    with pytest.raises(ValueError):
        Button("?", data="a", url="b")
    assert [len(r) for r in per_row([Button(str(i), data=str(i)) for i in range(5)], 2)] == [2, 2, 1]
