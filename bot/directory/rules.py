"""Directory search rules: how typed words become an FTS5 query, and how hits are ranked. No SQL here.

Choices:
- words are lowercased, accents folded by the FTS tokenizer, common Indonesian stop words dropped;
- every word of 3+ letters is matched as a prefix ("organ" finds "organik") OR through crude
  Indonesian stems (one prefix me-/pe-/ber-/ter-/di-/ke-/se-/per- and one suffix -kan/-an/-i/-nya
  stripped, each optional, only forms of 4+ letters kept), so "bertani", "pertanian" and "tani"
  find each other and "peternakan" finds "ternak"; indexing every variant keeps recall high at the
  price of a few loose matches, which rank low because they match fewer words;
- words are OR-ed: a village matching some words is still found, but one matching more of the
  words always ranks above one matching fewer; inside that, FTS5 bm25 decides (bidang tags weigh
  most, then programmes, then the free-text detail).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]+")
STOP_WORDS = frozenset(
    "dan atau yang di ke dari untuk dengan pada dalam ini itu adalah oleh sebagai juga akan ada tidak "
    "desa kami kita saya bagaimana cara tentang serta para bagi "
    "and or the of in on not near to for".split()
)
_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "per", "pe", "ber", "be", "ter",
             "di", "ke", "se")
_SUFFIXES = ("nya", "kan", "lah", "an", "i")
MIN_STEM = 4
MAX_TERMS = 8


def words(text: str) -> list[str]:
    """Lowercased words of `text`, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def stems(word: str) -> set[str]:
    """Crude Indonesian stems of a word: with and without one derivational prefix, each with and
    without one suffix, keeping only forms of at least 4 letters ("peternakan" -> {..., "ternak"})."""
    w = word.lower()
    bases = {w}
    for prefix in _PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= MIN_STEM:
            bases.add(w[len(prefix):])
            break
    out = set(bases)
    for base in bases:
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= MIN_STEM:
                out.add(base[: -len(suffix)])
    return out


def stem(word: str) -> str:
    """The shortest stem (for display and tests)."""
    return min(stems(word), key=lambda s: (len(s), s))


def stems_of(text: str) -> str:
    """All stems of all words of `text`, space-separated (the `stems` index column)."""
    out: list[str] = []
    seen: set[str] = set()
    for w in words(text):
        for s in sorted(stems(w)):
            if s not in seen:
                seen.add(s)
                out.append(s)
    return " ".join(out)


def query_terms(text: str) -> list[str]:
    """The searchable words of a query: no stop words, no one-letter words, at most 8, no repeats."""
    out: list[str] = []
    for w in words(text):
        if len(w) < 2 or w in STOP_WORDS or w in out:
            continue
        out.append(w)
    return out[:MAX_TERMS]


def match_expression(terms: list[str], stems_column: str = "stems") -> str:
    """An FTS5 MATCH expression: each term as a prefix (3+ letters) or by its stems, terms OR-ed."""
    parts = []
    for term in terms:
        safe = term.replace('"', "")
        head = f'"{safe}"*' if len(safe) >= 3 else f'"{safe}"'
        variants = " OR ".join(f'"{v}"' for v in sorted(stems(safe)))
        parts.append(f"({head} OR {stems_column}:({variants}))")
    return " OR ".join(parts)


def matched_terms(terms: list[str], text: str) -> int:
    """How many query terms a document's text contains (as a word prefix or through a shared stem)."""
    doc_words = words(text)
    doc_stems: set[str] = set()
    for w in doc_words:
        doc_stems |= stems(w)
    count = 0
    for term in terms:
        prefix_hit = len(term) >= 3 and any(w.startswith(term) for w in doc_words)
        if prefix_hit or term in doc_words or stems(term) & doc_stems:
            count += 1
    return count
