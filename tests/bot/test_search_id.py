"""The Indonesian search normaliser: folding, stop words, affix readings, the FTS5 expression."""

from __future__ import annotations

import pytest

from bot.search_id import (
    MIN_STEM,
    STOP_WORDS,
    content_words,
    fold,
    index_text,
    match_expression,
    query_terms,
    readings,
    stems,
    words,
)


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Désa KÉRJA-Sama") == "desa kerja-sama"
    assert words("Désa KÉRJA-Sama, 2026!") == ["desa", "kerja", "sama", "2026"]


def test_stop_words_are_dropped() -> None:
    assert content_words("Bagaimana cara desa yang kecil untuk bertani dengan baik") == [
        "cara", "desa", "kecil", "bertani"]
    assert {"yang", "dan", "di", "untuk", "dengan"} <= STOP_WORDS


@pytest.mark.parametrize(("a", "b"), [
    ("pertanian", "bertani"),
    ("pertanian", "tani"),
    ("bertani", "petani"),
    ("pendidikan", "mendidik"),
    ("pendidikan", "didik"),
    ("pengelolaan", "kelola"),
    ("mengelola", "dikelola"),
    ("tanaman", "menanam"),
    ("pembangunan", "membangun"),
    ("perikanan", "ikan"),
    ("peternakan", "ternak"),
    ("kesehatan", "sehat"),
    ("keamanan", "aman"),
    ("pemberdayaan", "memberdayakan"),
    ("pertemuan", "bertemu"),
    ("sampahnya", "sampah"),
    ("menyapu", "sapu"),
    ("memupuk", "pupuk"),
    ("kegagalan", "gagal"),
    ("keberhasilan", "berhasil"),
])
def test_related_forms_share_a_reading(a: str, b: str) -> None:
    assert stems(a) & stems(b), (sorted(stems(a)), sorted(stems(b)))


@pytest.mark.parametrize(("a", "b"), [
    ("tani", "tanah"),
    ("sehat", "hati"),
    ("jalan", "jalur"),
    ("ikan", "ikat"),
    ("kerja", "kering"),
])
def test_unrelated_words_do_not_collide(a: str, b: str) -> None:
    assert not stems(a) & stems(b)


def test_minimum_stem_length_keeps_short_words_whole() -> None:
    assert MIN_STEM == 4
    assert stems("jalan") == {"jalan"}  # not "jal" (-an)
    assert stems("ikan") == {"ikan"}
    assert stems("sehat") == {"sehat"}  # not "hat" (se-)
    assert stems("kerja") == {"kerja"}  # not "rja" (ke-)
    assert all(len(s) >= MIN_STEM for w in ("pendidikan", "bertani", "menanam") for s in stems(w))


def test_particles_and_possessives() -> None:
    assert "bagaimana" in stems("bagaimanakah")
    assert "sampah" in stems("sampahnya")
    assert "desa" in stems("desalah")


def test_nasal_prefixes_restore_the_first_sound() -> None:
    assert "tanam" in stems("menanam")
    assert "pupuk" in stems("memupuk")
    assert "sapu" in stems("menyapu")
    assert "kelola" in stems("mengelola")
    assert "ajar" in stems("mengajar")


def test_numbers_and_codes_are_not_stemmed() -> None:
    assert stems("2026") == {"2026"}
    assert stems("bumdes") == {"bumdes"}


def test_index_text_adds_readings_once() -> None:
    text = index_text("Pertanian organik, pertanian desa")
    tokens = text.split()
    assert tokens[:4] == ["pertanian", "organik", "pertanian", "desa"]
    assert tokens.count("tani") == 1
    assert "dan" not in index_text("padi dan jagung").split()


def test_query_terms_and_expression() -> None:
    assert query_terms("yang dan") == []
    assert match_expression("yang di dan") is None
    assert match_expression("!!!") is None
    expr = match_expression("Pertanian desa")
    assert expr is not None
    assert expr.startswith("{title body} : (")
    assert '"pertanian"' in expr and '"pertanian"*' not in expr  # not the last word: complete
    assert '"tani"' in expr and '"desa"*' in expr and " AND " in expr  # the last word is a prefix


def test_expression_cannot_inject_fts_syntax() -> None:
    expr = match_expression('tani" OR scope : f1 NEAR(') or ""
    assert expr.count('"') % 2 == 0
    assert "NEAR(" not in expr and "scope :" not in expr
    assert '"near"*' in expr  # typed operators are just words


def test_long_query_uses_the_first_words() -> None:
    expr = match_expression(" ".join(f"kata{i}x" for i in range(50))) or ""
    assert expr.count(" AND ") == 7


@pytest.mark.parametrize(("word", "root", "over_cut"), [
    ("dibentuk", "bentuk", "ntuk"),
    ("pemerintah", "perintah", "intah"),
    ("kesempatan", "sempat", "mpat"),
    ("bendungan", "bendung", "ndung"),
])
def test_only_dictionary_roots_are_kept(word: str, root: str, over_cut: str) -> None:
    # The rules still propose the over-cut reading; the root dictionary drops it.
    assert over_cut in readings(word)
    assert root in stems(word) and over_cut not in stems(word)
    assert over_cut not in index_text(f"Desa {word} jalan").split()


def test_a_root_keeps_its_shape() -> None:
    assert stems("sekolah") == {"sekolah"}  # not se- + "kolah", nor "seko" + -lah
    assert stems("perintah") == {"perintah"}


def test_irregular_prefixes_reach_the_root() -> None:
    assert {"ajar"} <= stems("belajar") & stems("pembelajaran") & stems("mempelajari") & stems("pengajar")
    assert "rencana" in stems("perencanaan")
    assert "kerjasama" in stems("bekerjasama") & stems("dikerjasamakan")  # a domain root


def test_words_without_a_known_root_keep_only_safe_cuts() -> None:
    assert stems("sidasarinya") == {"sidasarinya", "sidasari"}
    assert stems("tenggarong") == {"tenggarong"}


def test_the_query_asks_for_the_indexed_readings() -> None:
    expr = match_expression("kesempatan dibentuk") or ""
    assert '"sempat"' in expr and '"bentuk"' in expr
    assert '"mpat"' not in expr and '"ntuk"' not in expr
