from __future__ import annotations

import pytest

from bot.bidang import BIDANG, CODES, bidang_label, by_code, labels, normalise


def test_sixteen_fields_with_unique_short_codes() -> None:
    assert len(BIDANG) == 16
    assert len(set(CODES)) == 16
    assert all(len(c) <= 8 and c.isalnum() for c in CODES)
    assert len({b.label_id for b in BIDANG}) == 16
    assert len({b.label_en for b in BIDANG}) == 16


def test_labels_in_both_languages() -> None:
    assert bidang_label("tani", "id") == "Pertanian"
    assert bidang_label("tani", "en") == "Agriculture"
    assert bidang_label("umkm") == "UMKM dan BUMDes"
    assert bidang_label("gone", "id") == "gone"
    assert by_code("air").label("en") == "Clean water and sanitation"
    with pytest.raises(KeyError):
        by_code("nope")


def test_issue_list_is_complete() -> None:
    issue = ["pertanian", "perikanan", "peternakan", "pariwisata", "umkm dan bumdes", "pendidikan", "kesehatan",
             "air bersih dan sanitasi", "infrastruktur jalan dan jembatan", "energi dan listrik",
             "lingkungan dan sampah", "keamanan", "pelayanan publik dan administrasi", "pemberdayaan perempuan",
             "budaya", "teknologi dan digitalisasi"]
    assert [b.label_id.lower() for b in BIDANG] == issue


def test_normalise_and_join() -> None:
    assert normalise(["wisata", "tani", "x", "tani"]) == ["tani", "wisata"]
    assert labels(["wisata", "tani"], "id") == "Pertanian, Pariwisata"
    assert labels([], "id") == ""
