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


def test_visit_refusals_are_whole_sentences_not_joined_fragments() -> None:
    from bot.texts import CATALOG

    refusals = {k: v for k, v in CATALOG["id"].items() if k.startswith("visit.err.") and "_when_" in k}
    assert len(refusals) >= 29
    assert all(";" not in text and text.endswith(".") for text in refusals.values()), refusals
    assert refusals["visit.err.complete_when_selesai"] == "Kunjungan ini sudah ditandai selesai sebelumnya."
