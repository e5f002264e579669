from __future__ import annotations

from bot.texts import CATALOG, Html, escape, placeholders, t


def test_both_languages_have_every_key_with_the_same_placeholders() -> None:
    assert CATALOG["id"].keys() == CATALOG["en"].keys()
    for key, template in CATALOG["id"].items():
        assert placeholders(template) == placeholders(CATALOG["en"][key]), key


def test_placeholders_are_escaped_unless_trusted() -> None:
    text = t("join.already_member", "id", forum="<b>Forum</b> & Co")
    assert "&lt;b&gt;Forum&lt;/b&gt; &amp; Co" in text
    assert "<b>" in text  # the catalog's own markup stays
    trusted = t("join.already_member", "id", forum=Html("<i>x</i>"))
    assert "<i>x</i>" in trusted


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert t("core.cancel", "fr") == "Batal"
    assert t("core.cancel", "en") == "Cancel"
    assert escape(5) == "5"


def test_quantities_read_the_readers_way() -> None:
    from bot.texts import format_number, t

    assert format_number(16000, "id") == "16.000" and format_number(16000, "en") == "16,000"
    assert "16.000" in t("meet.bad.too_long", "id", length=16000, max=150)
    assert "16,000" in t("meet.bad.too_long", "en", length=16000, max=150)
    assert "#1234" in t("visit.sent", "id", id=1234, village="Desa Sidasari")  # ids stay as they are
