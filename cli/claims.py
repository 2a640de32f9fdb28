"""`claimdesk claims ...`: list claims and batch the ready ones into 837P files."""

from __future__ import annotations

from typing import Any

import click

from cli.main import CliState, emit_json, pass_state
from core.money import Money
from core.schemas import ClaimRow
from core.services import claims as claim_svc
from core.workflow import ClaimStatus

# The keys scripts rely on (the contract); more may be added, none removed.
LIST_KEYS = (
    "claim_id", "patient_control_number", "payer_id", "status", "charge_cents", "paid_cents",
    "adjustment_cents", "patient_responsibility_cents", "balance_cents",
)  # fmt: skip


def row_json(row: ClaimRow) -> dict[str, Any]:
    return {
        "claim_id": row.id,
        "patient_control_number": row.patient_control_number,
        "payer_id": row.payer_code,
        "status": row.status,
        "charge_cents": row.charge_cents,
        "paid_cents": row.paid_cents,
        "adjustment_cents": row.adjustment_cents,
        "patient_responsibility_cents": row.patient_responsibility_cents,
        "balance_cents": row.balance_cents,
        "payer_name": row.payer_name,
        "payer_rank": row.payer_rank,
        "patient_id": row.patient_id,
        "account_number": row.account_number,
        "date_of_service": row.date_of_service.isoformat(),
        "frequency_code": row.frequency_code,
        "errors": row.errors,
        "warnings": row.warnings,
        "first_problem": row.first_problem,
    }


@click.group()
def claims() -> None:
    """List claims and submit the ready ones to the clearinghouse (837P)."""


@claims.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in ClaimStatus]),
    help="Only claims in this status.",
)
@click.option("--payer", "payer", metavar="ID", help="Only claims to this payer ID.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per claim.")
@pass_state
def list_claims(state: CliState, status: str | None, payer: str | None, as_json: bool) -> None:
    """Every claim, in id order, with its money and what blocks it."""
    store = state.store()
    rows: list[ClaimRow] = []
    after = 0
    while True:
        page = claim_svc.claim_rows(store, status=status, payer_code=payer, after_id=after,
                                    limit=2000)  # fmt: skip
        rows.extend(page)
        if len(page) < 2000:
            break
        after = page[-1].id
    if as_json:
        emit_json([row_json(r) for r in rows])
        return
    if not rows:
        click.echo("No claims.")
        return
    click.echo(
        f"{'claim':>7}  {'control number':<14}  {'payer':<12}  {'status':<14}  "
        f"{'charge':>10}  {'paid':>10}  {'balance':>10}"
    )
    for r in rows:
        click.echo(
            f"{r.id:>7}  {r.patient_control_number:<14}  {r.payer_code[:12]:<12}  "
            f"{r.status:<14}  {Money(r.charge_cents).format():>10}  "
            f"{Money(r.paid_cents).format():>10}  {Money(r.balance_cents).format():>10}"
            + (f"  ! {r.first_problem}" if r.first_problem else "")
        )
    click.echo(f"{len(rows)} claim(s).")


@claims.command("submit")
@click.option("--payer", "payer", metavar="ID", help="Only claims to this payer ID.")
@click.option("--connection", metavar="NAME", help="Clearinghouse connection (default: the "
              "default one, the sandbox until you add your own).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help='Print {"files": [...], "claims": n}.')
@pass_state
def submit(state: CliState, payer: str | None, connection: str | None, as_json: bool) -> None:
    """Batch every ready claim into 837P files in the outbox (each file checked by pyx12).

    Claims are scrubbed once more first; any that the scrubber or pyx12 faults go back to
    edits with the reason. `claimdesk exchange sync` then sends the outbox.
    """
    from core.services import submission

    store = state.store()

    def progress(stage: str, done: int, total: int) -> None:
        if not as_json and total:
            click.echo(f"  {stage}: {done}/{total}", err=True)

    result = submission.submit(store, payer_code=payer, connection=connection, progress=progress)
    if as_json:
        emit_json({"files": result.files, "claims": result.claims,
                   "blocked": [{"patient_control_number": p, "reason": r}
                               for p, r in result.blocked]})  # fmt: skip
        return
    for path in result.files:
        click.echo(f"wrote {path}")
    click.echo(f"{result.claims} claim(s) batched in {len(result.files)} file(s).")
    for pcn, why in result.blocked:
        click.echo(f"  held back {pcn}: {why}")


@claims.command("status")
@click.option("--claim", "claim_ids", type=int, multiple=True, metavar="ID",
              help="Ask about this claim (repeatable). Default: every claim with the payer "
                   "and quiet for 14 days.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help='Print {"file": path or null, "claims": n}.')
@pass_state
def status(state: CliState, claim_ids: tuple[int, ...], as_json: bool) -> None:
    """Write a 276 claim status request to the outbox (exchange sync sends it, brings the 277)."""
    from core.services import submission

    path = submission.request_status(state.store(), claim_ids=list(claim_ids) or None)
    count = 0
    if path:
        count = open(path).read().count("TRN*1*")
    if as_json:
        emit_json({"file": path, "claims": count})
    elif path:
        click.echo(f"wrote {path}: status asked for {count} claim(s)")
    else:
        click.echo("No claim is due for a status request.")


@claims.command("void")
@click.argument("claim_id", type=int)
@click.option("--reason", required=True, help="Why the claim is voided (kept on the claim).")
@click.option("--json", "as_json", is_flag=True, help="Print the void claim as JSON.")
@pass_state
def void(state: CliState, claim_id: int, reason: str, as_json: bool) -> None:
    """Void a claim the payer has: a frequency-8 claim with the payer's claim number, ready to
    send with the next `claims submit`."""
    made = claim_svc.void_claim(state.store(), claim_id, reason=reason)
    if as_json:
        (row,) = claim_svc.claim_rows(state.store(), claim_ids=[made.claim.id])
        emit_json(row_json(row))
    else:
        click.echo(f"void {made.claim.patient_control_number} of claim {claim_id} is "
                   f"{made.claim.status}")  # fmt: skip


@claims.command("bill-next")
@click.option("--list", "only_list", is_flag=True, help="Only list the visits due; build nothing.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"due": [...]} with --list, else {"built": [...], "problems": [...]}.')  # fmt: skip
@pass_state
def bill_next(state: CliState, only_list: bool, as_json: bool) -> None:
    """Bill the next payer (secondary, tertiary) of every visit whose prior payer's 835 kept the
    patient's share for it: build and scrub each claim, ready for the next `claims submit`.
    `exchange sync` does this by itself for the 835s it imports."""
    from core.services import crossover

    store = state.store()
    if only_list:
        due = crossover.next_payers_due(store)
        if as_json:
            emit_json({"due": [d.model_dump() for d in due]})
            return
        for d in due:
            click.echo(f"{d.patient_control_number}  {d.patient_name:<28} {d.payer_code:<8} "
                       f"rank {d.next_rank} due, {Money(d.held_cents).format()} held")  # fmt: skip
        if not due:
            click.echo("No visit is waiting for its next payer.")
        return
    billed = crossover.bill_next_payers(store)
    if as_json:
        emit_json({"built": list(billed.built), "problems": list(billed.problems)})
    else:
        click.echo(f"built {len(billed.built)} claim(s) for the next payer"
                   + (f": {', '.join(billed.built)}" if billed.built else ""))  # fmt: skip
        for line in billed.problems:
            click.echo(f"  not built: {line}")
