"""Cold start of `claimdesk --demo` to the first painted home screen, in a real terminal (tmux).

Run by hand:  .venv/bin/python bench/bench_cold_start.py [--runs 10]

Seeds a demo database once (in a temporary CLAIMDESK_HOME), then starts `claimdesk --demo` in a
fresh 80x24 tmux session per run and polls the pane every 5 ms. Reports, per run, the time from
launching the process until (a) the home screen's title is painted and (b) the work-queue counts
are on screen. Target (issue 3): first painted home screen under 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CLAIMDESK = str(Path(sys.executable).with_name("claimdesk"))


def pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True).stdout  # fmt: skip


def one_run(home: Path) -> tuple[float, float]:
    session = f"bench-{uuid.uuid4().hex[:8]}"
    cmd = (
        f"env CLAIMDESK_HOME={home} TEXTUAL_ANIMATIONS=none TERM=xterm-256color {CLAIMDESK} --demo"
    )
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", cmd],
                   check=True)  # fmt: skip
    painted = loaded = None
    try:
        while time.perf_counter() - start < 30:
            screen = pane(session)
            now = time.perf_counter() - start
            if painted is None and "Work queues" in screen:
                painted = now
            if "Denied or short-paid" in screen:
                loaded = now
                break
            time.sleep(0.005)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if painted is None or loaded is None:
        raise SystemExit("the home screen never appeared")
    return painted, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "CLAIMDESK_HOME": str(home)}
        subprocess.run([CLAIMDESK, "--db", str(home / "claimdesk-demo.db"), "seed", "--demo"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        one_run(home)  # warm the OS file cache once, as a second login would find it
        runs = [one_run(home) for _ in range(args.runs)]
    for label, values in (
        ("first paint", [p for p, _ in runs]),
        ("queues shown", [q for _, q in runs]),
    ):
        values = sorted(values)
        print(f"{label:13} n={len(values)}  p50={statistics.median(values):.3f} s  "
              f"min={values[0]:.3f} s  max={values[-1]:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
