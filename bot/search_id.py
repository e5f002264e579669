"""Indonesian-aware text normalisation for full-text search (SQLite FTS5). No SQL, no Telegram.

What we chose, and why
----------------------
SQLite's own tokenizers know nothing about Indonesian, whose words are built from a root with
prefixes and suffixes: *tani* (farm) gives *bertani*, *petani*, *pertanian*; *didik* gives
*mendidik*, *pendidikan*. A village head searching "pertanian" expects the story that says
"bertani". So both the indexed text and the query go through the same Python function here,
and FTS5 only ever sees our tokens:

1. **Fold**: lowercase, strip accents (NFKD, drop combining marks), keep letters and digits;
   everything else separates words. "Kerja-sama" -> "kerja", "sama".
2. **Stop words**: about 120 very common function words ("yang", "dan", "di", "untuk",
   "dengan", "ini", ...) are dropped; they match almost every post and only slow search.
   They are not indexed either; a query made only of stop words is answered with a request
   for a more specific word.
3. **Light stemming** (a rule-based cut of the Nazief-Adriani / Sastrawi idea): remove at most
   one particle (-lah, -kah, -tah, -pun), one possessive (-nya, -ku, -mu), one derivational
   suffix (-kan, -an, -i), then up to two prefixes (me-/mem-/men-/meng-/meny-,
   pe-/pem-/pen-/peng-/peny-/per-, ber-/be-, ter-, di-, ke-, se-, and the irregular bel-/pel-),
   undoing the nasal sound change (menanam -> tanam, memupuk -> pupuk, menyapu -> sapu,
   mengelola -> kelola). A cut is made only when what remains has at least MIN_STEM letters
   and a vowel, so short words such as "ikan" or "jalan" keep their shape.
4. **Several candidates, checked against a root dictionary**: some cuts are ambiguous
   ("pendidikan" = pen+didik+an, not pen+didi+kan; "mengajar" = ajar, but "mengirim" = kirim),
   so the rules propose *each* reading (`readings`), and only those that are Indonesian roots in
   PySastrawi's dictionary (~30,000 words, MIT; plus a few domain words such as "kerjasama")
   are kept (`stems`): "dibentuk" indexes "bentuk" and not "ntuk", "kesempatan" "sempat" and
   not "mpat". A word that is itself a root keeps its shape ("sekolah"); a word with no known
   root (names, jargon) keeps only its particle/possessive cuts. The index stores the folded
   word plus its kept readings; a query word matches when the word itself matches (the *last*
   query word as a **prefix**: "pupuk pertan" finds "pupuk pertanian"; earlier words are
   complete, which keeps search fast) or one of its kept readings matches **exactly** (so
   "tani" does not pull in "tanigo"). Changing what is indexed means bumping INDEX_VERSION:
   storage.search_index re-indexes every post once on the next start.

Why not Sastrawi's stemmer alone: it picks one root per word and sometimes the wrong one
("berupa" -> "upa"); keeping every dictionary-checked reading keeps recall where a rule is
ambiguous. bench/search_quality.py measures the three (README, "Search quality").

The price is a little over-matching (an unrelated word that shares a dictionary root), which
ranking (BM25, title weighted higher) pushes down; for a forum's knowledge base, finding the
story matters more than perfect precision. The rules are pure functions, tested in
tests/bot/test_search_id.py.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

MIN_STEM = 4
# Bump when index_text changes what it writes: a start then re-indexes every post (storage.search_index).
INDEX_VERSION = "2-sastrawi-roots"
_VOWELS = frozenset("aeiou")
_WORD = re.compile(r"[a-z0-9]+")

STOP_WORDS: frozenset[str] = frozenset("""
ada adalah agar akan aku anda antara apa apakah atau bagaimana bagi bahkan bahwa baik banyak
beberapa begitu belum bila bisa boleh bukan dalam dan dapat dari daripada demikian dengan di
dia dilakukan ia ialah ini itu jadi jika juga kalau kami kamu karena ke kemudian kepada ketika
kita lagi lain lalu maka mana masih mereka meski mungkin namun nya oleh pada para pun saat
saja sama sampai sangat saya se sebagai sebelum secara sedang sehingga sejak selain seluruh
semua sendiri seperti serta setelah setiap sudah supaya tak tanpa tapi telah tentang tersebut
tetapi tidak untuk walau yaitu yakni yang the of and or a an to in on for is are be this that
hal harus hanya ingin itulah kali melalui menjadi merupakan pula punya sering terhadap terus
sebuah seorang satu dua tiga
""".split())

# Prefixes, longest first, with how the root's first sound comes back (nasal assimilation).
# Each entry: (prefix, restorations) where restorations is a tuple of strings prepended to the
# rest *when the rest starts with a vowel*; "" means "use the rest as it is".
_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("meng", ("", "k")),
    ("peng", ("", "k")),
    ("meny", ("s",)),
    ("peny", ("s",)),
    ("mem", ("p", "m")),
    ("pem", ("p", "m")),
    ("men", ("t", "n")),
    ("pen", ("t", "n")),
    ("ber", ("",)),
    ("per", ("",)),
    ("ter", ("",)),
    ("me", ("",)),
    ("pe", ("",)),
    ("be", ("",)),
    ("di", ("",)),
    ("ke", ("",)),
    ("se", ("",)),
)
_PARTICLES = ("lah", "kah", "tah", "pun")
_POSSESSIVES = ("nya", "ku", "mu")
_DERIVATIONAL = ("kan", "an", "i")


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Désa Ré' -> 'desa re'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (letters and digits; everything else separates)."""
    return _WORD.findall(fold(text))


def _ok(stem: str) -> bool:
    return len(stem) >= MIN_STEM and any(ch in _VOWELS for ch in stem)


def _cut_suffix(forms: set[str], suffixes: tuple[str, ...]) -> set[str]:
    """`forms` plus each form with one of `suffixes` cut (when the rest is long enough)."""
    out = set(forms)
    for form in forms:
        for suffix in suffixes:
            if form.endswith(suffix) and _ok(form[: -len(suffix)]):
                out.add(form[: -len(suffix)])
    return out


_NASAL = frozenset({"meng", "peng", "mem", "pem", "men", "pen", "meny", "peny"})


def _cut_prefix(word: str) -> set[str]:
    """Readings of `word` with one prefix removed (empty when no prefix applies)."""
    # Irregular shapes the main rules below miss: bel-/pel- (belajar, pelajari -> ajar) and ber-/per-/
    # ter- before a root starting with r (perencanaan -> rencana). Always kept as extra candidates;
    # the root dictionary (`stems`) drops the wrong ones.
    extra = set()
    if word[:3] in ("bel", "pel") and word[3:4] in _VOWELS and _ok(word[3:]):
        extra.add(word[3:])
    if word[:3] in ("ber", "per", "ter") and word[3:4] in _VOWELS and _ok(word[2:]):
        extra.add(word[2:])
    for prefix, restorations in _PREFIXES:
        if not word.startswith(prefix) or len(word) <= len(prefix):
            continue
        rest = word[len(prefix):]
        if rest[0] in _VOWELS:
            found = {r + rest for r in restorations if _ok(r + rest)}
        elif prefix in _NASAL or prefix != "me":
            found = {rest} if _ok(rest) else set()
        else:  # "me" before a consonant is only a root's start when it is l, r, w or y (melatih)
            found = {rest} if _ok(rest) and rest[0] in "lrwy" else set()
        if found or prefix in ("ber", "per", "ter"):
            return found | extra  # "perut" is not pe- + "rut": a failed ber-/per-/ter- cut ends the search
    return extra


def readings(word: str) -> set[str]:
    """Every reading of one folded word along the cutting chain, the word itself included.

    Suffixes first (particle, possessive, derivational), then up to two prefixes; each cut is
    kept *beside* the uncut form. These are the rules alone (today's candidates; the search
    benchmark's "rules only" baseline); `stems` keeps the ones the root dictionary knows.
    """
    if not word.isalpha() or len(word) <= MIN_STEM:
        return {word}
    forms = _cut_suffix({word}, _PARTICLES)
    forms = _cut_suffix(forms, _POSSESSIVES)
    forms = _cut_suffix(forms, _DERIVATIONAL)
    out = set(forms)
    for form in forms:
        for once in _cut_prefix(form):
            out.add(once)
            out.update(_cut_prefix(once))
    return out


def _inflection_cuts(word: str) -> set[str]:
    """The word with a particle and/or possessive cut (bumdesnya -> bumdes): safe cuts only."""
    return _cut_suffix(_cut_suffix({word}, _PARTICLES), _POSSESSIVES)


# Words of village governance that PySastrawi's dictionary lacks but that take affixes here
# ("bekerjasama", "dikerjasamakan", "memonitoring").
DOMAIN_ROOTS = frozenset({"kerjasama", "monitoring", "bumdes", "musdes", "posyandu", "pokdarwis", "gapoktan"})


@functools.cache
def root_dictionary() -> frozenset[str]:
    """Indonesian root words (about 30,000) from PySastrawi's dictionary (through its public
    factory), plus DOMAIN_ROOTS."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return frozenset(w.strip() for w in StemmerFactory().get_words() if w.strip()) | DOMAIN_ROOTS


def stems(word: str) -> set[str]:
    """The word and those of its readings that are Indonesian roots.

    A reading the dictionary does not know is an over-cut ("dibentuk" -> "ntuk", "kesempatan" ->
    "mpat"): dropped. A word with no known root among its readings (names, jargon such as
    "bumdesnya") keeps only its particle/possessive cuts.

    >>> sorted(stems("dibentuk")), "tani" in stems("pertanian")
    (['bentuk', 'dibentuk'], True)
    """
    dictionary = root_dictionary()
    if word in dictionary:  # already a root: "sekolah" is not se- + "kolah", nor "seko" + -lah
        return {word}
    found = readings(word)
    roots = {r for r in found if r != word and r in dictionary}
    return {word} | (roots or _inflection_cuts(word) & found)


def content_words(text: str) -> list[str]:
    """Folded words without stop words (kept in order, duplicates kept)."""
    return [w for w in words(text) if w not in STOP_WORDS]


def index_text(text: str) -> str:
    """What goes into the FTS column for `text`: the content words, then each word's other
    readings once (stems are added once per text, so the index grows by distinct words only)."""
    content = content_words(text)
    extra: dict[str, None] = {}
    seen: set[str] = set()
    for word in content:
        if word in seen:
            continue
        seen.add(word)
        for reading in sorted(stems(word)):
            if reading != word:
                extra.setdefault(reading)
    return " ".join([*content, *(r for r in extra if r not in seen)])


def query_terms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each query word with its other readings, stop words dropped."""
    content = content_words(text)
    seen: set[str] = set()
    out: list[tuple[str, tuple[str, ...]]] = []
    for word in content:
        if word in seen:
            continue
        seen.add(word)
        out.append((word, tuple(sorted(s for s in stems(word) if s != word))))
    return out


def match_expression(text: str, *, columns: Iterable[str] = ("title", "body")) -> str | None:
    """An FTS5 MATCH expression for a typed query, or None when it has no searchable word.

    Every query word must match (AND); a word matches by prefix or through any of its stems.
    Tokens are [a-z0-9]+ only, double-quoted, so nothing typed can inject FTS5 syntax.
    """
    terms = query_terms(text)[:8]  # a pasted paragraph is not a search; the first words suffice
    if not terms:
        return None
    groups = []
    for index, (word, word_stems) in enumerate(terms):
        # Only the last word is a prefix: that is the one still being typed ("pupuk org").
        # A prefix merges the lists of every word starting with it, which is what makes a
        # query slow on a large forum network; earlier words are complete.
        last = index == len(terms) - 1
        options = [f'"{word}"*' if last else f'"{word}"'] + [f'"{s}"' for s in word_stems]
        groups.append("(" + " OR ".join(options) + ")" if len(options) > 1 else options[0])
    scope = "{" + " ".join(columns) + "}"
    return f"{scope} : ({' AND '.join(groups)})"
