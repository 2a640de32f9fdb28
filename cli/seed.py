"""`claimdesk seed --demo`: fill a new database with the synthetic demo practice."""

from __future__ import annotations

import click

from cli.main import CliState, emit_json, pass_state

# Below this many rows the seed takes a second or two: no progress lines.
_QUIET_BELOW = 20_000


@click.command()
@click.option(
    "--demo",
    is_flag=True,
    help="Seed the synthetic demo practice (required: it is the only thing that can be seeded).",
)
@click.option(
    "--patients",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="How many demo patients.",
)
@click.option(
    "--encounters",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="How many visits, spread over every stage from open to closed.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed and sizes give the same data.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_state
def seed(
    state: CliState, demo: bool, patients: int, encounters: int, seed_value: int, as_json: bool
) -> None:
    """Seed a new database with a synthetic demo practice (invented patients, visits, claims).

    The database must not hold any patients yet; use a new file, for example
    `claimdesk --db demo.db seed --demo --patients 1000 --encounters 3000`.
    """
    if not demo:
        raise click.UsageError(
            "only the synthetic demo practice can be seeded; add --demo "
            "(it invents patients, visits and claims: use a new database file)"
        )
    store = state.store(initialize=False)
    if store.is_empty():
        # A brand-new file: schema and built-in code sets, as any first use does (but not the
        # default-size demo that `claimdesk --demo` seeds: the sizes asked for here win).
        from core.services import setup

        click.echo(f"Setting up a new ClaimDesk database at {store.url} ...", err=True)
        setup.initialize(store)
    store.require_current()

    from sample_data import demo as demo_data

    def progress(stage: str, done: int, total: int) -> None:
        click.echo(f"  {stage}: {done:,} of {total:,}", err=True)

    loud = patients + encounters >= _QUIET_BELOW
    summary = demo_data.seed(
        store,
        patients=patients,
        encounters=encounters,
        seed=seed_value,
        progress=progress if loud else None,
    )
    if as_json:
        emit_json(summary.as_dict())
        return
    t = summary.counts
    click.echo(
        f"Seeded the synthetic demo practice (seed {summary.seed}) in {summary.seconds:.1f} s: "
        f"{summary.database}"
    )
    click.echo(
        f"  {summary.patients:,} patients, {summary.encounters:,} encounters, "
        f"{summary.claims:,} claims, {summary.providers:,} providers, {summary.payers:,} payers"
    )
    click.echo(
        f"  {t.get('insurance_policies', 0):,} insurance policies, "
        f"{t.get('claim_events', 0):,} claim events, {t.get('ledger_entries', 0):,} ledger entries"
    )
