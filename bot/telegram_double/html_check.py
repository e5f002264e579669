"""Telegram's HTML parse mode, checked the way the Bot API checks it.

The parser follows tdlib's ``parse_html`` closely (tag set, attribute rules, error wording
and byte offsets) so a message the double accepts is one Telegram accepts. One deliberate
difference: a bare ``&`` that does not start a valid entity is an error here, while
Telegram keeps it as a literal character. The project escapes every user string, so a
bare ``&`` means an escape was forgotten and we want the test to say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "ParsedText", "parse_html", "utf16_len"]

# Tag name -> Telegram entity type (None: needs attribute-dependent handling).
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji"})

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")


class HtmlParseError(ValueError):
    """Raised with the part of Telegram's description after "can't parse entities: "."""


@dataclass
class ParsedText:
    """Visible text plus Telegram-style entities (offsets/lengths in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the visible text
    attrs: dict[str, str]


def utf16_len(text: str) -> int:
    """Length as Telegram counts entity offsets (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the entity at text[i] == '&'; return (char, next index) or None if invalid."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        return None
    name, dec, hexa = match.groups()
    if name:
        return _NAMED_ENTITIES[name], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _decode_attr(value: str) -> str:
    # Attribute values may contain entities too; invalid ones stay literal (as in tdlib).
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_attrs(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes from text[i] up to and including the closing '>'."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        attr_name = text[name_start:i].lower()
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] != "=":
            # Only <blockquote expandable> may carry a value-less attribute.
            if tag == "blockquote" and attr_name == "expandable":
                attrs["expandable"] = ""
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                raise HtmlParseError(
                    f"Unclosed end of an attribute value at byte offset {_byte_offset(text, begin)}"
                )
            value = text[i + 1 : end]
            i = end + 1
        else:
            value_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-_"):
                i += 1
            value = text[value_start:i]
        attrs[attr_name] = _decode_attr(value)


def _entity_for(item: _Open, length: int) -> dict[str, Any] | None:
    if length == 0:
        return None  # Telegram drops empty entities
    base: dict[str, Any] = {"offset": item.start, "length": length}
    tag = item.tag
    if tag == "a":
        href = item.attrs.get("href")
        if not href:
            return None
        return {"type": "text_link", **base, "url": href}
    if tag == "span":
        return {"type": "spoiler", **base}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": item.attrs["emoji-id"]}
    if tag == "blockquote":
        kind = "expandable_blockquote" if "expandable" in item.attrs else "blockquote"
        return {"type": kind, **base}
    if tag == "pre" and item.attrs.get("language"):
        return {"type": "pre", **base, "language": item.attrs["language"]}
    return {"type": _SIMPLE_TAGS[tag], **base}


def parse_html(text: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram HTML; raise HtmlParseError with Telegram's wording on malformed input."""
    out: list[str] = []
    pos16 = 0  # UTF-16 length of the visible text so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                if strict_ampersand:
                    raise HtmlParseError(
                        f"Unsupported HTML entity at byte offset {_byte_offset(text, i)}: "
                        'a bare "&" must be written as "&amp;"'
                    )
                decoded = ("&", i + 1)
            out.append(decoded[0])
            pos16 += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if ch != "<":
            out.append(ch)
            pos16 += utf16_len(ch)
            i += 1
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            name_start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[name_start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            top = stack[-1]
            if end_name != top.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{top.tag}>", found "</{end_name}>"'
                )
            stack.pop()
            # <pre><code class="language-x"> becomes one pre entity with a language.
            if top.tag == "code" and stack and stack[-1].tag == "pre":
                lang = top.attrs.get("class", "")
                if lang.startswith("language-") and stack[-1].start == top.start:
                    stack[-1].attrs["language"] = lang[len("language-") :]
                    continue
            entity = _entity_for(top, pos16 - top.start)
            if entity is not None:
                entities.append(entity)
            continue

        name_start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[name_start:i].lower()
        if tag not in _ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        attrs, i = _parse_attrs(text, i, tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(text, begin)}'
            )
        stack.append(_Open(tag=tag, start=pos16, attrs=attrs))

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(text="".join(out), entities=entities)
