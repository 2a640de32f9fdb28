"""`claimdesk seed ...` (placeholder, being written)."""

import click


@click.command()
def seed() -> None:
    """Seed a demo practice."""
