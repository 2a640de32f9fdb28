"""Demo seeding speed and size, run by hand (never inside the tests).

    .venv/bin/python bench/bench_seed.py [--patients 100000] [--encounters 300000] [--seed 0]
                                         [--keep PATH]

Migrates a new SQLite file in a temporary folder (no code sets: seeding does not need them),
seeds the synthetic demo practice into it, and prints the seconds taken, the rows per table and
the file size. The file is deleted afterwards unless ``--keep`` names where to put it.
Target: 100,000 patients / 300,000 encounters in a few minutes.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from core.store import Store
from sample_data import demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--encounters", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="PATH", help="keep the seeded file at PATH")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="claimdesk-bench-seed-"))
    path = folder / "seed.db"
    try:
        store = Store(str(path), actor="bench")
        started = time.perf_counter()
        store.upgrade()
        migrated = time.perf_counter() - started

        def progress(stage: str, done: int, total: int) -> None:
            print(f"  {stage} {done:,}/{total:,}  {time.perf_counter() - started:6.1f} s",
                  file=sys.stderr)  # fmt: skip

        summary = demo.seed(
            store,
            patients=args.patients,
            encounters=args.encounters,
            seed=args.seed,
            progress=progress,
        )
        store.dispose()
        # Fold the WAL into the file so the size printed is the whole database.
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = sum(p.stat().st_size for p in folder.iterdir())

        print(f"migrate: {migrated:.1f} s")
        print(f"seed:    {summary.seconds:.1f} s "
              f"({args.patients:,} patients, {args.encounters:,} encounters, seed {args.seed})")  # fmt: skip
        for table, n in summary.counts.items():
            print(f"  {table:<20} {n:>12,}")
        print(
            f"size:    {size / 1e6:,.1f} MB ({size / max(1, args.encounters):,.0f} bytes per encounter)"
        )
        if args.keep:
            shutil.move(str(path), args.keep)
            print(f"kept:    {args.keep}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
