"""Directory search rules: how typed words become an FTS5 query, and how hits are ranked. No SQL here.

Choices:
- words are lowercased, accents folded by the FTS tokenizer, common Indonesian stop words dropped;
- every word is matched as a prefix ("organ" finds "organik") OR through a crude Indonesian stem
  (prefixes me-/pe-/ber-/ter-/di-/ke-/se-/per-, suffixes -kan/-an/-i/-nya), so "bertani",
  "pertanian" and "tani" find each other; the stem is only used when at least 4 letters remain;
- words are OR-ed: a village matching some words is still found, but one matching more of the
  words always ranks above one matching fewer; inside that, FTS5 bm25 decides (bidang tags weigh
  most, then programmes, then the free-text detail).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]+")
STOP_WORDS = frozenset(
    "dan atau yang di ke dari untuk dengan pada dalam ini itu adalah oleh sebagai juga akan ada tidak "
    "desa kami kita saya bagaimana cara tentang serta para bagi".split()
)
_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "per", "pe", "ber", "be", "ter",
             "di", "ke", "se")
_SUFFIXES = ("nya", "kan", "lah", "an", "i")
MIN_STEM = 4
MAX_TERMS = 8


def words(text: str) -> list[str]:
    """Lowercased words of `text`, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A crude Indonesian stem: strip one derivational prefix and one suffix if enough is left."""
    w = word.lower()
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= MIN_STEM:
            w = w[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= MIN_STEM:
            w = w[len(prefix):]
            break
    return w


def stems_of(text: str) -> str:
    """The stems of all words of `text`, space-separated (the `stems` index column)."""
    return " ".join(stem(w) for w in words(text))


def query_terms(text: str) -> list[str]:
    """The searchable words of a query: no stop words, no one-letter words, at most 8, no repeats."""
    out: list[str] = []
    for w in words(text):
        if len(w) < 2 or w in STOP_WORDS or w in out:
            continue
        out.append(w)
    return out[:MAX_TERMS]


def match_expression(terms: list[str], stems_column: str = "stems") -> str:
    """An FTS5 MATCH expression: each term as a prefix or by its stem, terms OR-ed."""
    parts = []
    for term in terms:
        safe = term.replace('"', "")
        parts.append(f'("{safe}"* OR {stems_column}:"{stem(safe)}")')
    return " OR ".join(parts)


def matched_terms(terms: list[str], text: str) -> int:
    """How many query terms a document's text contains (as a word prefix or by stem)."""
    doc_words = words(text)
    doc_stems = {stem(w) for w in doc_words}
    count = 0
    for term in terms:
        if stem(term) in doc_stems or any(w.startswith(term) for w in doc_words):
            count += 1
    return count
