"""Claims-out throughput, run by hand (never inside the tests).

    .venv/bin/python bench/bench_claims_out.py [--db PATH] [--claims 10000] [--per-file 5000]

Without ``--db`` it seeds a demo practice big enough to hold ``--claims`` claims in a temporary
SQLite file (a few seconds). Then, in one run, on the same claims:

1. **ClaimDesk's pipeline**: read each claim from the database into typed 837 claims
   (``submission.claims_837``), scrub it (``claims.scrub_and_route``'s work:
   ``scrub.scrub_claims``, findings written), and write the 837P text
   (``x837.build_837p``), ``--per-file`` claims per file. Everything runs in one transaction
   that is rolled back at the end, so the database is unchanged. Target: >= 3,000 claims/s.
2. **pyx12's validation** of exactly the files step 1 wrote (``pyx12_check.validate_x12``).

Prints claims per second for each (with a per-stage split of step 1) and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from core.errors import ValidationError
from core.services import setup
from core.services.scrub import scrub_claims
from core.services.submission import claims_837
from core.store import Store
from core.x12 import x837 as X
from core.x12.envelope import Envelope
from core.x12.pyx12_check import validate_x12
from db.models import Claim

NOW = dt.datetime(2026, 11, 2, 9, 0)


def ensure_claims(db: str | None, wanted: int) -> Store:
    if db:
        return Store(db, actor="bench")
    from sample_data import demo

    path = Path(tempfile.mkdtemp(prefix="claimdesk-bench-")) / "bench.db"
    store = Store(str(path), actor="bench")
    setup.initialize(store)
    encounters = int(wanted * 1.15)
    t = time.perf_counter()
    demo.seed(store, patients=max(200, wanted // 3), encounters=encounters)
    print(f"seeded {encounters:,} visits in {time.perf_counter() - t:.1f} s ({path})")
    return store


def build_file(claims: list[X.Claim837], control: int) -> X.Built837:
    """build_837p, setting aside any claim the builder refuses (reported, not hidden)."""
    batch_claims = list(claims)
    while True:
        batch = X.Batch837(
            submitter=X.Submitter(name="BENCH PRACTICE", id="123456789",
                                  contact_name="BILLING OFFICE", phone="5555550100"),
            receiver=X.Receiver(name="CLAIMDESK SANDBOX", id="CLAIMDESKSBX"),
            claims=tuple(batch_claims),
        )  # fmt: skip
        env = Envelope(sender_id="123456789", receiver_id="CLAIMDESKSBX",
                       control_number=control, created_at=NOW)  # fmt: skip
        try:
            return X.build_837p(batch, env)
        except ValidationError as exc:
            bad = next((c for c in batch_claims if c.patient_control_number in str(exc)), None)
            if bad is None:
                raise
            print(f"  set aside {bad.patient_control_number}: {exc}")
            batch_claims.remove(bad)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db")
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--per-file", type=int, default=5_000)
    args = ap.parse_args()
    store = ensure_claims(args.db, args.claims)
    with store.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(Claim.id).where(Claim.payer_rank == 1).order_by(Claim.id).limit(args.claims)
            )
        )
    if len(ids) < args.claims:
        print(f"only {len(ids):,} primary claims in the database (wanted {args.claims:,})")
    chunks = [ids[i : i + args.per_file] for i in range(0, len(ids), args.per_file)]
    read_s = scrub_s = text_s = 0.0
    texts: list[tuple[str, int]] = []
    with store.uow() as uow:
        uow.discard = True  # measure the writes, keep the database as it was
        s = uow.session
        for n, chunk in enumerate(chunks, start=1):
            t0 = time.perf_counter()
            typed = claims_837(s, chunk)
            t1 = time.perf_counter()
            scrub_claims(s, chunk, actor="bench", today=dt.date(2026, 11, 2))
            s.flush()
            t2 = time.perf_counter()
            built = build_file([c for c, _ in typed.values()], n)
            t3 = time.perf_counter()
            read_s, scrub_s, text_s = read_s + t1 - t0, scrub_s + t2 - t1, text_s + t3 - t2
            texts.append((built.text, len(built.claims)))
    n_claims = sum(k for _, k in texts)
    pipeline = read_s + scrub_s + text_s
    print(f"\nClaimDesk pipeline, {n_claims:,} claims in {len(texts)} file(s):")
    print(f"  read into typed claims {read_s:6.2f} s")
    print(f"  scrub (findings saved) {scrub_s:6.2f} s")
    print(f"  837P text              {text_s:6.2f} s")
    print(f"  total                  {pipeline:6.2f} s  = {n_claims / pipeline:,.0f} claims/s "
          "(target >= 3,000)")  # fmt: skip
    t = time.perf_counter()
    bad = 0
    for text, _ in texts:
        report = validate_x12(text)
        bad += len(report.errors)
    pyx12_s = time.perf_counter() - t
    print(f"\npyx12 validation of the same files: {pyx12_s:.2f} s = "
          f"{n_claims / pyx12_s:,.0f} claims/s; errors found: {bad}")  # fmt: skip
    print(f"\nratio: ClaimDesk's pipeline is {pyx12_s / pipeline:.1f}x pyx12's validation speed")
    store.dispose()
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
