from __future__ import annotations

import pytest

from bot.place_titles import place_name, place_title


@pytest.mark.parametrize(("code", "place", "head"), [
    ("33.01.18.2011", "Desa", "Kepala Desa"),  # Sidasari, Cilacap
    ("73.26.01.1002", "Kelurahan", "Lurah"),  # Rantepao: a kelurahan code wins over Toraja's lembang
    ("73.18.01.2010", "Lembang", "Kepala Lembang"),  # Salutandung, Tana Toraja
    ("13.01.01.2001", "Nagari", "Wali Nagari"),  # Inderapura, Pesisir Selatan
    ("11.01.01.2001", "Gampong", "Keuchik"),  # Keude Bakongan, Aceh Selatan
    ("34.04.01.2001", "Kalurahan", "Lurah"),  # Balecatur, Sleman
    ("91.03.01.2004", "Kampung", "Kepala Kampung"),  # Sereh, Jayapura
    ("64.07.05.2008", "Kampung", "Petinggi"),  # Kutai Barat
    ("51.01.01.2001", "Desa", "Perbekel"),  # Bali
    (None, "Desa", "Kepala Desa"),
])
def test_local_titles(code: str | None, place: str, head: str) -> None:
    assert (place_title(code).place, place_title(code).head) == (place, head)


def test_names_are_titled_once() -> None:
    assert place_name("33.01.18.2011", "Sidasari") == "Desa Sidasari"
    assert place_name("11.01.01.2004", "Gampong Drien") == "Gampong Drien"
