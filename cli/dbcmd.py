"""`claimdesk db ...`: the schema and the reference data."""

from __future__ import annotations

import click

from cli.main import CliState, emit_json, pass_state
from core.services import setup


@click.group()
def db() -> None:
    """Create or upgrade the database."""


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def upgrade(state: CliState, as_json: bool) -> None:
    """Migrate the database to the newest schema and load missing built-in code sets."""
    store = state.store(initialize=False)
    before = store.revision()
    loaded = setup.initialize(store)
    after = store.revision()
    if as_json:
        emit_json({"url": store.url, "from": before, "to": after, "codes_loaded": loaded})
        return
    if before == after:
        click.echo(f"Database already at schema {after}: {store.url}")
    else:
        click.echo(f"Database upgraded from {before or 'empty'} to {after}: {store.url}")
    for kind, count in loaded.items():
        click.echo(f"  loaded {count:,} {kind} codes")
