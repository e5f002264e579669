"""Village search forgives how people spell names: spacing, hyphens and small typos."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.regions import RegionRepo, bounded_distance, joined_variants, search_words, squash

CIPARI = "33.01.18"


async def names(db: Database, text: str, **kwargs: object) -> list[tuple[str, str | None, bool]]:
    found = await RegionRepo(db).search_ranked(text, **kwargs)  # type: ignore[arg-type]
    return [(region.name, region.kecamatan, near) for region, near in found]


@pytest.mark.parametrize(("typed", "village"), [
    ("karang reja", "Karangreja"),
    ("Karang-Reja", "Karangreja"),
    ("segara langu", "Segaralangu"),
    ("desa sidas", "Sidasari"),
    ("karang reja cipari", "Karangreja"),
])
async def test_split_and_hyphenated_names_find_the_forums_village(db: Database, typed: str, village: str) -> None:
    found = await names(db, typed, prefer=CIPARI)
    assert found[0] == (village, "Cipari", False)


async def test_own_area_comes_first_and_hides_namesakes_elsewhere(db: Database) -> None:
    # Nationally "karangreja" has namesakes in several kecamatan; the forum's own comes alone.
    assert len(await names(db, "karangreja")) > 1
    assert await names(db, "karangreja", prefer=CIPARI) == [("Karangreja", "Cipari", False)]


async def test_a_typo_is_a_marked_guess(db: Database) -> None:
    assert (await names(db, "segaralagu", prefer=CIPARI))[0] == ("Segaralangu", "Cipari", True)
    assert (await names(db, "kutasary"))[0][0] == "Kutasari"
    assert (await names(db, "caruk", prefer=CIPARI))[0] == ("Caruy", "Cipari", True)


async def test_outside_the_area_is_searched_when_the_area_has_nothing(db: Database) -> None:
    found = await names(db, "karang rau", prefer=CIPARI)
    assert {kecamatan for _, kecamatan, _ in found} >= {"Sokaraja"}
    assert all(name == "Karangrau" and not near for name, _, near in found)


async def test_code_and_within_still_restrict(db: Database) -> None:
    assert await names(db, "33.01.18.2011") == [("Sidasari", "Cipari", False)]
    assert await names(db, "33.01.18.2011", within="34") == []
    assert await names(db, "zzqqxx") == []
    assert await names(db, "ab") == []


def test_rules() -> None:
    assert squash("Karang-Reja") == "karangreja"
    assert search_words("Desa Karang Reja, Kec. Cipari") == ["karang", "reja", "cipari"]
    assert ["karangreja", "cipari"] in joined_variants(["karang", "reja", "cipari"])
    assert bounded_distance("segaralangu", "segaralagu", 2) == 1
    assert bounded_distance("sidasari", "karangreja", 2) == 3
