"""The MAD/Musdes input rules, with plain values."""

from __future__ import annotations

import pytest

from bot.agreements import musyawarah as rules
from bot.errors import InvalidInput


def test_agenda_is_one_item_per_line_without_bullets() -> None:
    assert rules.parse_agenda("- Pembahasan draf\n\n• Pendanaan  \n* Jadwal") == ["Pembahasan draf", "Pendanaan",
                                                                               "Jadwal"]


@pytest.mark.parametrize(("text", "key"), [
    ("", "mus.bad.agenda_empty"), ("\n - \n", "mus.bad.agenda_empty"),
    ("\n".join("x" for _ in range(rules.MAX_AGENDA_ITEMS + 1)), "mus.bad.agenda_many"),
    ("a" * (rules.MAX_AGENDA_ITEM + 1), "mus.bad.too_long"),
])
def test_bad_agenda_says_why(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.parse_agenda(text)
    assert caught.value.message_key == key


def test_named_delegate_is_name_and_optional_role() -> None:
    assert rules.parse_named("Karto Wiyono, Ketua BPD") == ("Karto Wiyono", "Ketua BPD")
    assert rules.parse_named("  Bu Sumi  ") == ("Bu Sumi", None)
    assert rules.parse_named("Pak Darto, tokoh masyarakat, RW 3") == ("Pak Darto", "tokoh masyarakat, RW 3")
    for bad in (", Ketua BPD", "", "   "):
        with pytest.raises(InvalidInput):
            rules.parse_named(bad)
    with pytest.raises(InvalidInput) as caught:
        rules.parse_named("x" * (rules.MAX_NAME + 1))
    assert caught.value.params == {"max": rules.MAX_NAME, "length": rules.MAX_NAME + 1}


def test_decisions_may_be_none_but_not_too_many() -> None:
    assert rules.parse_decisions("") == []
    assert rules.parse_decisions("1. Iuran\n- Jadwal") == ["1. Iuran", "Jadwal"]
    with pytest.raises(InvalidInput):
        rules.parse_decisions("\n".join(f"k{n}" for n in range(rules.MAX_DECISIONS + 1)))
