"""Keystroke-to-screen latency of code search in the TUI, measured through Pilot.

Run by hand:  .venv/bin/python bench/bench_tui_latency.py --db PATH [--keys 300]

PATH should be a big database (e.g. `claimdesk --db /tmp/big.db seed --demo --patients 100000
--encounters 300000`). For each keystroke typed into the code-lookup box the clock runs from the
key press until the screen has re-rendered with the results for the new text (the worker's
results are in the table and a refresh has been processed). Target (issue 3): p50 < 50 ms,
p99 < 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from tui.app import ClaimDeskApp

QUERIES = [
    "diabetes without complications", "e11.9", "hypertension", "j06.9", "low back pain",
    "s93.401a", "asthma", "99213", "major depressive", "fracture of femur", "g0439", "z00.00",
    "chronic kidney disease", "otitis media", "m17.11", "urinary tract infection",
]  # fmt: skip


async def measure(db: str, max_keys: int) -> list[float]:
    app = ClaimDeskApp(store_url=db, user="bench")
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        screen = app.screen
        while len(times) < max_keys:
            for query in QUERIES:
                await pilot.press("ctrl+a", "ctrl+k")  # clear the box (emacs keys in Input)
                await pilot.pause()
                for i, ch in enumerate(query):
                    start = time.perf_counter()
                    await pilot.press(ch)
                    want = query[: i + 1].strip()
                    while screen.rendered[0] != want:
                        await asyncio.sleep(0.001)
                    await pilot.pause()  # let the refresh that shows the rows happen
                    times.append((time.perf_counter() - start) * 1000)
                    if len(times) >= max_keys:
                        return times
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--keys", type=int, default=300)
    args = parser.parse_args()
    times = sorted(asyncio.run(measure(args.db, args.keys)))
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"code search keystroke->screen  n={len(times)}  p50={statistics.median(times):.1f} ms  "
          f"p95={times[int(len(times) * 0.95)]:.1f} ms  p99={p99:.1f} ms  max={times[-1]:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
