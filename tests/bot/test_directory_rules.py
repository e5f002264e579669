from __future__ import annotations

from bot.directory.rules import match_expression, matched_terms, query_terms, stems


def test_related_words_share_a_stem() -> None:
    assert "tani" in stems("pertanian") & stems("bertani") & stems("tani")
    assert "ternak" in stems("peternakan")
    assert "ikan" in stems("perikanan")
    assert stems("bank") == {"bank"}


def test_query_terms_drop_stop_words_and_repeats() -> None:
    assert query_terms("Bagaimana cara pertanian organik di desa, organik!") == ["pertanian", "organik"]
    assert query_terms("a b") == []


def test_match_expression_quotes_everything() -> None:
    expr = match_expression(['x"yz', "or"])
    assert '"xyz"*' in expr and '"or"' in expr and '"or"*' not in expr


def test_matched_terms_counts_prefix_and_stem_hits() -> None:
    assert matched_terms(["pertanian", "organik"], "Kelompok bertani padi organik") == 2
    assert matched_terms(["bank", "sampah"], "Bank sampah Berseri") == 2
    assert matched_terms(["bank", "sampah"], "Pengelolaan sampah") == 1
