"""One glossary for every Indonesian text: the word we use, and the variants we do not.

`tests/bot/test_glossary.py` fails when a banned variant appears in the Indonesian catalog, so
a new text cannot quietly bring back "Anda" or "huruf". English texts are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    use: str
    banned: re.Pattern[str]
    why: str


GLOSSARY: tuple[Term, ...] = (
    Term("Bapak/Ibu", re.compile(r"\bAnda\b"), "village heads are addressed as Bapak/Ibu, not Anda"),
    Term("karakter", re.compile(r"\bhuruf\b"), "lengths count characters (spaces, digits), not letters"),
    Term("formulir", re.compile(r"\bisian\b"), "one word for a form in progress"),
    Term("kerja sama antardesa", re.compile(r"\bantar[ -]desa\b", re.IGNORECASE), "EYD writes antardesa"),
    Term("kerja sama", re.compile(r"(?<![/\w])kerjasama(?![_\w])", re.IGNORECASE),
         "two words in text (the command stays /kerjasama)"),
    Term("Mulai", re.compile(r"\bStart\b"), "Telegram's Start button reads Mulai on an Indonesian phone"),
    Term("batas waktu", re.compile(r"(?<!\{)\b(tenggat\w*|deadline)\b(?!\})", re.IGNORECASE), "one word for a due date"),
    Term("cerita pengalaman", re.compile(r"\btulisan\b"), "what members share is a cerita pengalaman"),
)


def violations(text: str) -> list[Term]:
    """The glossary terms a text breaks."""
    return [term for term in GLOSSARY if term.banned.search(text)]
