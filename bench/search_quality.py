"""Benchmark: search quality (precision and recall) of the post-search stemmer on the seed articles.

    python bench/search_quality.py [--queries 250] [--show-disagreements]

Documents are the sentences of the seed articles (/work/shared/seeds, real Indonesian on the
project's subject), each indexed in a real SQLite FTS5 table exactly as posts_fts is. Queries are
word forms taken from those articles (mostly derived forms such as "pembentukan", "dikelola",
"kesempatan", plus some bare roots), one word per query, so the stemmer alone decides the result.

Relevance: a sentence is relevant to a query when it contains a word with the same root. The
gold root of a word is Sastrawi's stem (the reference Indonesian stemmer), except the words in
GOLD, hand-checked where Sastrawi is wrong (it is itself a stemmer, so this gold favours the
"Sastrawi alone" row: an honest handicap for ours).

Three methods, each with its own index_text and match expression (the typed word as a prefix OR
its readings):
  - rules only: bot/search_id.py as of commit BASELINE (read from git), today's stemmer;
  - dictionary: bot.search_id now (rule readings kept only when they are roots in PySastrawi's
    dictionary);
  - Sastrawi alone: the word plus its single Sastrawi stem.
Prints macro precision, recall and F1 per method, and the totals of wrong hits (irrelevant
sentences returned) and missed sentences over all queries. `--queries 5000` takes every word form.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot import search_id

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path("/work/shared/seeds")
BASELINE = "1f588b7"  # bot/search_id.py before the root dictionary
# Hand-checked roots where Sastrawi's stem is wrong (checked against KBBI usage in the articles).
GOLD: dict[str, str] = {
    # kerja sama (cooperation) written as one word, with affixes: Sastrawi leaves them whole.
    "bekerjasama": "kerjasama", "berkerjasama": "kerjasama", "dikerjasamakan": "kerjasama",
    "berupa": "rupa",  # ber- + rupa; Sastrawi gives "upa"
}

Index = Callable[[str], str]
Expression = Callable[[str], "str | None"]


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for piece in re.split(r"(?<=[.!?])\s+|\n+", path.read_text(encoding="utf-8")):
            if len(piece.split()) >= 4:
                out.append(piece.strip())
    return out


def baseline_module() -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{BASELINE}:bot/search_id.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("search_id_baseline")
    exec(compile(source, "search_id_baseline.py", "exec"), module.__dict__)
    return module


def sastrawi_method(stem: Callable[[str], str]) -> tuple[Index, Expression]:
    def readings(word: str) -> set[str]:
        root = stem(word) if word.isalpha() else word
        return {word, root} if root else {word}

    def index(text: str) -> str:
        content = search_id.content_words(text)
        extra = dict.fromkeys(r for w in dict.fromkeys(content) for r in sorted(readings(w)) if r not in content)
        return " ".join([*content, *extra])

    def expression(text: str) -> str | None:
        terms = list(dict.fromkeys(search_id.content_words(text)))[:8]
        if not terms:
            return None
        groups = []
        for i, word in enumerate(terms):
            options = [f'"{word}"*' if i == len(terms) - 1 else f'"{word}"']
            options += [f'"{r}"' for r in sorted(readings(word) - {word})]
            groups.append("(" + " OR ".join(options) + ")")
        return "{title body} : (" + " AND ".join(groups) + ")"

    return index, expression


def retrieve(docs: list[str], index: Index, expression: Expression, queries: list[str]) -> list[set[int]]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE d USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2', "
                 "prefix = '2 3 4')")
    conn.executemany("INSERT INTO d(rowid, title, body) VALUES (?, '', ?)", ((i, index(t)) for i, t in enumerate(docs)))
    out = []
    for query in queries:
        expr = expression(query)
        out.append({r[0] for r in conn.execute("SELECT rowid FROM d WHERE d MATCH ?", (expr,))} if expr else set())
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=250)
    parser.add_argument("--show-disagreements", action="store_true",
                        help="list query words whose Sastrawi stem is not among our readings (to check GOLD)")
    args = parser.parse_args()
    rng = random.Random(20261129)
    stemmer = StemmerFactory().create_stemmer()

    def gold(word: str) -> str:
        return GOLD.get(word) or stemmer.stem(word) or word

    docs = sentences()
    doc_words = [set(search_id.content_words(d)) for d in docs]
    vocabulary = sorted({w for ws in doc_words for w in ws if w.isalpha() and len(w) >= 4})
    derived = [w for w in vocabulary if gold(w) != w]
    bare = [w for w in vocabulary if gold(w) == w and len(w) >= 5]
    n_derived = min(len(derived), args.queries * 4 // 5)
    queries = rng.sample(derived, n_derived) + rng.sample(bare, min(len(bare), args.queries - n_derived))
    by_root: dict[str, set[int]] = {}
    for i, ws in enumerate(doc_words):
        for w in ws:
            by_root.setdefault(gold(w), set()).add(i)
    relevant = [by_root.get(gold(q), set()) for q in queries]

    if args.show_disagreements:
        for q in sorted(queries):
            if gold(q) not in search_id.stems(q):
                print(f"{q:24} sastrawi={stemmer.stem(q):16} ours={sorted(search_id.stems(q))}")
        return 0

    old = baseline_module()
    methods: dict[str, tuple[Index, Expression]] = {
        f"rules only ({BASELINE})": (old.index_text, old.match_expression),
        "dictionary (now)": (search_id.index_text, search_id.match_expression),
        "Sastrawi alone": sastrawi_method(stemmer.stem),
    }
    print(f"{len(docs)} sentences, {len(queries)} queries ({n_derived} derived forms, "
          f"{len(queries) - n_derived} roots), {len(GOLD)} hand-checked gold roots")
    print(f"{'method':28} {'precision':>9} {'recall':>7} {'F1':>6} {'wrong hits':>10} {'missed':>6}")
    for name, (index, expression) in methods.items():
        found = retrieve(docs, index, expression, queries)
        precision = [len(f & r) / len(f) for f, r in zip(found, relevant, strict=True) if f]
        recall = [len(f & r) / len(r) for f, r in zip(found, relevant, strict=True) if r]
        p, r = statistics.fmean(precision), statistics.fmean(recall)
        wrong = sum(len(f - r) for f, r in zip(found, relevant, strict=True))
        missed = sum(len(r - f) for f, r in zip(found, relevant, strict=True))
        print(f"{name:28} {p:9.3f} {r:7.3f} {2 * p * r / (p + r):6.3f} {wrong:10d} {missed:6d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
