"""Both languages have every directory/visit key with the same placeholders."""

from __future__ import annotations

from bot.texts import directory as dir_texts
from bot.texts import placeholders
from bot.texts import visits as visit_texts


def test_id_and_en_match() -> None:
    for module in (dir_texts, visit_texts):
        assert module.ID.keys() == module.EN.keys()
        for key, text in module.ID.items():
            assert placeholders(text) == placeholders(module.EN[key]), key
