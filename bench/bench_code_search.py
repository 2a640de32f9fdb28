"""Code search latency, run by hand (never inside the tests).

    .venv/bin/python bench/bench_code_search.py [--db PATH] [--words 3000] [--full] [--seed 7]

Builds a SQLite file with the built-in code sets (or reuses ``--db`` when it already has them),
then times ``core.services.codesets.search`` the way the code lookup screen calls it:

- prefix: every distinct 3- and 4-character start of an ICD-10-CM code (E11, E11.9, S93.4 ...),
  which covers every code; ``--full`` also runs every full code (about 98,000 queries);
- short prefix: every distinct 1- and 2-character start (the broadest code queries: S, E1);
- words: ``--words`` queries of 1 to 3 consecutive words drawn from random descriptions
  (so common words such as "of" and "unspecified" come up as often as they do in the text);
- words icd10: a third of those again, with ``kind="icd10"`` (the TUI's code-set filter).

Prints p50/p95/p99/max per group in milliseconds, and the slowest queries. Target: p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from core.services import codesets
from core.store import Store
from db.models import Code


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def open_store(db: str | None) -> Store:
    if db is None:
        path = Path(tempfile.mkdtemp(prefix="claimdesk-bench-")) / "bench.db"
    else:
        path = Path(db).expanduser().resolve()
    store = Store(str(path), actor="bench")
    store.upgrade()
    started = time.perf_counter()
    loaded = codesets.load_builtin(store)
    if loaded:
        print(f"built {path}: loaded {sum(loaded.values()):,} codes in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    else:
        print(f"reusing {path}")
    return store


def icd10_codes_and_descriptions(store: Store) -> list[tuple[str, str]]:
    with store.uow() as uow:
        rows = uow.session.query(Code.code, Code.description).filter(Code.kind == "icd10")
        return [(code, description) for code, description in rows]


def run(
    store: Store, queries: list[str], limit: int, kind: str | None = None
) -> list[tuple[float, str]]:
    for q in queries[:50]:  # warm the page cache and the statement caches
        codesets.search(store, q, limit=limit, kind=kind)
    timings = []
    for q in queries:
        started = time.perf_counter()
        codesets.search(store, q, limit=limit, kind=kind)
        timings.append(((time.perf_counter() - started) * 1000, q))
    return timings


def report(name: str, timings: list[tuple[float, str]], target_ms: float) -> bool:
    values = sorted(t for t, _ in timings)
    p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
    ok = p99 < target_ms
    print(
        f"{name:13} n={len(values):6,}  mean={statistics.fmean(values):6.2f}  p50={p50:6.2f}  "
        f"p95={p95:6.2f}  p99={p99:6.2f}  max={values[-1]:7.2f} ms  "
        f"{'ok' if ok else 'OVER TARGET'}"
    )
    slowest = sorted(timings, reverse=True)[:5]
    print("               slowest: " + ", ".join(f"{q!r} {t:.1f}" for t, q in slowest))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file to build or reuse (default: a temporary file)")
    parser.add_argument("--words", type=int, default=3000, help="number of word queries")
    parser.add_argument("--full", action="store_true", help="also query every full ICD code")
    parser.add_argument("--limit", type=int, default=20, help="results per query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target-ms", type=float, default=10.0)
    args = parser.parse_args(argv)

    store = open_store(args.db)
    codes = icd10_codes_and_descriptions(store)
    rng = random.Random(args.seed)

    compacts = [codesets.compact(code) for code, _ in codes]
    # Typed the way people write them: "E11", "E11.9" (display form, with the dot).
    prefixes = sorted({codesets.display_code("icd10", c[:n]) for c in compacts for n in (3, 4)})
    short = sorted({c[:n] for c in compacts for n in (1, 2)})
    word_queries = []
    for _ in range(args.words):
        words = codesets.words_of(rng.choice(codes)[1])
        n = rng.randint(1, min(3, len(words)))
        start = rng.randrange(len(words) - n + 1)
        word_queries.append(" ".join(words[start : start + n]))

    # The query lists hold ~100k Python objects; freezing them keeps full GC passes (tens of
    # milliseconds, a property of this script, not of search) out of the timings.
    gc.collect()
    gc.freeze()
    groups = [
        ("prefix 3-4", prefixes, None),
        ("prefix 1-2", short, None),
        ("words 1-3", word_queries, None),
        ("words icd10", word_queries[: max(1, len(word_queries) // 3)], "icd10"),
    ]
    if args.full:
        groups.insert(1, ("full code", [code for code, _ in codes], None))
    print(f"sqlite file: {store.path}  ({len(codes):,} ICD-10-CM codes); times in ms")
    all_ok = True
    for name, queries, kind in groups:
        queries = list(queries)
        rng.shuffle(queries)
        all_ok &= report(name, run(store, queries, args.limit, kind), args.target_ms)
    store.dispose()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
