"""What a village and its head are called where it lies (pure rules, from the region code).

Kemendagri codes tell a kelurahan (last part starting with 1) from a desa (2); many regions use
their own names for the desa and its head by law or custom. Shown instead of "Desa" for every
place, so a lurah is not called kepala desa and a nagari is not called a desa.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceTitle:
    place: str  # "Desa", "Kelurahan", "Nagari" ...
    head: str  # "Kepala Desa", "Lurah", "Wali Nagari" ...


DESA = PlaceTitle("Desa", "Kepala Desa")
KELURAHAN = PlaceTitle("Kelurahan", "Lurah")

# By kabupaten (PP.KK), then by province (PP). Sources: UU 6/2014 Pasal 6 (local names), Perda
# Sumatera Barat 7/2018 (nagari), Qanun Aceh 4/2009 (gampong), Perdais DIY 2/2020 (kalurahan),
# UU Otsus Papua (kampung), the kabupaten that name their desa kampung or lembang by perda.
_BY_KABUPATEN: dict[str, PlaceTitle] = {
    "13.09": DESA,  # Kepulauan Mentawai keeps desa
    "73.18": PlaceTitle("Lembang", "Kepala Lembang"),  # Tana Toraja
    "73.26": PlaceTitle("Lembang", "Kepala Lembang"),  # Toraja Utara
    "14.08": PlaceTitle("Kampung", "Penghulu"),  # Siak
    "64.03": PlaceTitle("Kampung", "Kepala Kampung"),  # Berau
    "64.07": PlaceTitle("Kampung", "Petinggi"),  # Kutai Barat
    "64.11": PlaceTitle("Kampung", "Petinggi"),  # Mahakam Ulu
    "18.02": PlaceTitle("Kampung", "Kepala Kampung"),  # Lampung Tengah
    "18.05": PlaceTitle("Kampung", "Kepala Kampung"),  # Tulang Bawang
    "18.08": PlaceTitle("Kampung", "Kepala Kampung"),  # Way Kanan
}
_BY_PROVINCE: dict[str, PlaceTitle] = {
    "11": PlaceTitle("Gampong", "Keuchik"),  # Aceh
    "13": PlaceTitle("Nagari", "Wali Nagari"),  # Sumatera Barat
    "34": PlaceTitle("Kalurahan", "Lurah"),  # DI Yogyakarta
    "51": PlaceTitle("Desa", "Perbekel"),  # Bali
    **{code: PlaceTitle("Kampung", "Kepala Kampung") for code in ("91", "92", "93", "94", "95", "96")},  # Papua
}


def place_title(code: str | None) -> PlaceTitle:
    """The local names of the place with this desa/kelurahan code and of its head."""
    if not code or code.count(".") != 3:
        return DESA
    if code.rsplit(".", 1)[1].startswith("1"):
        return KELURAHAN
    return _BY_KABUPATEN.get(code[:5]) or _BY_PROVINCE.get(code[:2]) or DESA


def place_name(code: str | None, name: str) -> str:
    """'Desa Sidasari', 'Kelurahan Rantepao', 'Nagari Inderapura'; a name that already starts
    with its title ("Gampong Drien") is not titled twice."""
    title = place_title(code).place
    return name if name.lower().startswith(title.lower() + " ") else f"{title} {name}"
