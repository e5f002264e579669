"""The text catalog: every sentence a user sees, Bahasa Indonesia first, English second.

Each feature keeps its sentences in its own module (`core`, `meetings`, ...) as two dicts,
`ID` and `EN`, with the same keys and the same `{placeholders}`. `t()` HTML-escapes every
placeholder value unless it is wrapped in `Html` (already-rendered, trusted markup), so a
village head's name containing `<b>` can never break a message.
"""

from __future__ import annotations

import html
import importlib
import string
from collections.abc import Callable, Mapping
from typing import Any

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

# Feature modules whose ID/EN dicts make up the catalog. Add yours here.
CATALOG_MODULES = (
    "bot.texts.core",
    "bot.texts.meetings",
    "bot.texts.reports",
    "bot.texts.directory",
    "bot.texts.visits",
    "bot.texts.posts",
    "bot.texts.agreements",
    "bot.texts.kerjasama",
    "bot.texts.kerjasama_forms",
    "bot.texts.delivery",
    "bot.texts.reliability",
    "bot.texts.governance",
    "bot.texts.trust",
    "bot.texts.musyawarah",
    "bot.texts.forms",
)


class Html(str):
    """A string that is already safe HTML (rendered by us); `t()` does not escape it again."""

    __slots__ = ()


def _load() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for name in CATALOG_MODULES:
        module = importlib.import_module(name)
        for lang, attr in (("id", "ID"), ("en", "EN")):
            part: Mapping[str, str] = getattr(module, attr)
            clash = merged[lang].keys() & part.keys()
            if clash:
                raise RuntimeError(f"duplicate text keys in {name}: {sorted(clash)}")
            merged[lang].update(part)
    return merged


CATALOG = _load()


def normalise_language(lang: str | None) -> str:
    if lang and lang[:2].lower() in LANGUAGES:
        return lang[:2].lower()
    return DEFAULT_LANGUAGE


def escape(value: Any) -> str:
    """Escape a value for parse_mode=HTML unless it is trusted `Html`."""
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


class ForReader:
    """A placeholder value formatted for the reader when the text is rendered (a month name,
    a date), so code that raises an error before the reader's language is known can name it."""

    __slots__ = ("render",)

    def __init__(self, render: Callable[[str], str]) -> None:
        self.render = render


# Placeholders that hold a quantity a person reads: written the reader's way ("16.000 karakter";
# English "16,000"). Ids (#1234), years and codes are left alone, so this is a list, not every int.
QUANTITIES = frozenset({
    "count", "max", "min", "n", "total", "length", "people", "sent", "failed", "days", "present",
    "maximum", "minimum", "rows", "size", "active", "left", "waiting", "not_sent", "yes", "no", "maybe",
    "pending", "meetings", "villages", "thanks", "limit", "parts",
})


def format_number(value: int, lang: str) -> str:
    """16000 -> "16.000" (Indonesian) or "16,000" (English)."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if lang == "id" else grouped


def _value(value: Any, lang: str, name: str = "") -> Any:
    if isinstance(value, ForReader):
        return value.render(lang)
    if name in QUANTITIES and isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, lang)
    return value


def t(key: str, lang: str | None = DEFAULT_LANGUAGE, /, **params: Any) -> Html:
    """Render catalog text `key` in `lang` with escaped params."""
    lang = normalise_language(lang)
    template = CATALOG[lang].get(key) or CATALOG[DEFAULT_LANGUAGE][key]
    if not params:
        return Html(template)
    return Html(template.format(**{k: escape(_value(v, lang, k)) for k, v in params.items()}))


def t_plain(key: str, lang: str | None = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Render catalog text as plain data (no escaping), for text stored and escaped later.

    Only for templates without markup, e.g. a post story assembled from a visit report.
    """
    lang = normalise_language(lang)
    template = CATALOG[lang].get(key) or CATALOG[DEFAULT_LANGUAGE][key]
    return template.format(**{k: str(_value(v, lang, k)) for k, v in params.items()})


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
