"""`claimdesk codes ...` (placeholder, being written)."""

import click


@click.group()
def codes() -> None:
    """Search and import code sets."""
