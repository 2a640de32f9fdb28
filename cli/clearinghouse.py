"""`claimdesk clearinghouse run`: the sandbox clearinghouse, as a separate process."""

from __future__ import annotations

import time

import click

from cli.main import CliState, pass_state


@click.group()
def clearinghouse() -> None:
    """The built-in sandbox clearinghouse (for training, demos and tests)."""


@clearinghouse.command("run")
@click.option("--once", is_flag=True, help="Answer what is waiting, then stop.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the sandbox's choices (answers are deterministic per seed).")  # fmt: skip
@click.option("--interval", type=float, default=5.0, show_default=True,
              help="Seconds between passes when not --once.")  # fmt: skip
@pass_state
def run(state: CliState, once: bool, seed: int, interval: float) -> None:
    """Answer every 837 sent on the sandbox connection with a 999 and a 277CA, then adjudicate
    the accepted claims and pay them with 835 remittances."""
    from core.services import sandbox_claims, sandbox_payer

    store = state.store()
    while True:
        result = sandbox_claims.run(store)
        if result.processed or once:
            click.echo(f"answered {len(result.processed)} file(s): {result.accepted} claim(s) "
                       f"accepted, {result.rejected} rejected"
                       + (f"; set aside {len(result.set_aside)} unreadable" if result.set_aside
                          else ""))  # fmt: skip
        # The acknowledgment's decisions depend on the data alone; adjudication on the seed too.
        paid = sandbox_payer.adjudicate(store, seed=seed)
        if paid.files or once:
            click.echo(f"adjudicated: {paid.summary()}")
        if once:
            return
        time.sleep(interval)
