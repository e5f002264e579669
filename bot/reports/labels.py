"""Catalog texts as plain text for images and files (no heavy imports: the bot process uses it)."""

from __future__ import annotations

from bot.texts import CATALOG, normalise_language


def label(key: str, lang: str, **params: object) -> str:
    """A catalog text as plain (unescaped) text for the image."""
    lang = normalise_language(lang)
    template = CATALOG[lang].get(key) or CATALOG["id"][key]
    return template.format(**params) if params else template


def state_text(code: str, lang: str) -> str:
    """An agreement state's (or, before signing, its stage's) label (plain text); the code itself for
    unknown states."""
    for key in (f"agr.state.{code}", f"ks.stage.{code}"):
        if key in CATALOG["id"]:
            return label(key, lang)
    return code
