"""Telegram's HTML subset: what parses, what is rejected, and what length counts."""

from __future__ import annotations

import pytest

from bot.telegram_double import HtmlParseError, parse_html


def test_visible_text_and_entities() -> None:
    parsed = parse_html('<b>Rapat</b> di <a href="https://x.id/a?b=1&amp;c=2">balai</a> &lt;3 &#128512;')
    assert parsed.text == "Rapat di balai <3 😀"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "text_link", "offset": 9, "length": 5, "url": "https://x.id/a?b=1&c=2"},
    ]


def test_nested_and_special_tags() -> None:
    html = (
        '<blockquote expandable><i><u>x</u></i></blockquote><span class="tg-spoiler">s</span>'
        '<pre><code class="language-python">print(1)</code></pre><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    types = [(e["type"], e.get("language")) for e in parse_html(html).entities]
    assert ("expandable_blockquote", None) in types
    assert ("italic", None) in types and ("underline", None) in types
    assert ("spoiler", None) in types
    assert ("pre", "python") in types
    assert ("custom_emoji", None) in types


def test_utf16_offsets_after_emoji() -> None:
    parsed = parse_html("😀<b>x</b>")
    assert parsed.entities == [{"type": "bold", "offset": 2, "length": 1}]


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("Tom & Jerry", "byte offset 4"),
        ("&nbsp;", "byte offset 0"),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br>", 'Unsupported start tag "br"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y</a>', "Unclosed end of an attribute value"),
    ],
)
def test_malformed_html_is_rejected(html: str, fragment: str) -> None:
    with pytest.raises(HtmlParseError) as err:
        parse_html(html)
    assert fragment in str(err.value)


def test_byte_offsets_count_utf8_bytes() -> None:
    with pytest.raises(HtmlParseError, match="byte offset 11"):
        parse_html("Désa 😀 <x>")


def test_lenient_ampersand_mode_matches_telegram() -> None:
    assert parse_html("Tom & Jerry", strict_ampersand=False).text == "Tom & Jerry"
