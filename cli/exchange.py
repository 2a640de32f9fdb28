"""`claimdesk exchange ...`: clearinghouse connections, and sending/fetching files."""

from __future__ import annotations

import json
from typing import Any

import click

from cli.main import EXIT_USER_ERROR, CliState, emit_json, pass_state
from cli.x12 import import_json
from core.money import Money


@click.group()
def exchange() -> None:
    """Send the outbox to the clearinghouse and fetch its answers; manage connections."""


@exchange.command("sync")
@click.option("--connection", metavar="NAME", help="Connection to use (default: the default).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as a JSON object.")
@click.pass_context
def sync(ctx: click.Context, connection: str | None, as_json: bool) -> None:
    """Send every file waiting in the outbox, then fetch and import every answer waiting.

    Exit 1 when an answer was refused (it is kept in inbox/refused with the reason).
    """
    from pathlib import Path

    from core.services import submission

    store = ctx.obj.store()
    result = submission.sync(store, connection=connection)
    if as_json:
        emit_json({
            "sent": result.sent,
            "fetched": result.fetched,
            "imported": [import_json(o, Path(o.file)) for o in result.imported],
            "problems": result.problems,
            "next_payer_claims": result.next_payer_claims,
            "next_payer_problems": result.next_payer_problems,
        })  # fmt: skip
    else:
        click.echo(f"sent {len(result.sent)} file(s); fetched {len(result.fetched)} answer(s)")
        for o in result.imported:
            state = "applied" if o.applied else ("HELD for review" if o.held else "REFUSED")
            if o.type == "835":
                what = (f"{o.claims_matched} claim(s) posted, paid {Money(o.paid_cents).format()}"
                        + (f", {len(o.unmatched)} unmatched" if o.unmatched else ""))  # fmt: skip
            else:
                what = f"{o.accepted} accepted, {o.rejected} rejected"
            click.echo(f"  {o.file}: {o.type} {state}: {what}")
            for line in o.errors:
                click.echo(f"    error: {line}")
        if result.next_payer_claims:
            click.echo(f"  next payer billed: {len(result.next_payer_claims)} claim(s) built "
                       f"({', '.join(result.next_payer_claims)})")  # fmt: skip
        for line in result.next_payer_problems:
            click.echo(f"  next payer: {line}")
    if result.problems:
        ctx.exit(EXIT_USER_ERROR)


def _connection_json(c: Any) -> dict[str, Any]:
    settings = dict(c.settings)
    settings.pop("password", None)  # never printed
    return {"name": c.name, "transport": c.transport, "settings": settings,
            "submitter_id": c.submitter_id, "receiver_id": c.receiver_id,
            "receiver_name": c.receiver_name, "usage": c.usage, "sandbox": c.sandbox,
            "default": c.is_default}  # fmt: skip


@exchange.command("connections")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def connections(state: CliState, as_json: bool) -> None:
    """List clearinghouse connections (the sandbox one is always there)."""
    from core.services import exchange as svc

    rows = svc.list_connections(state.store())
    if as_json:
        emit_json([_connection_json(c) for c in rows])
        return
    for c in rows:
        mark = "*" if c.is_default else " "
        click.echo(f"{mark} {c.name:<16} {c.transport:<6} to {c.receiver_id} ({c.receiver_name})"
                   f" usage {c.usage}{' sandbox' if c.sandbox else ''}")  # fmt: skip


@exchange.command("set")
@click.argument("name")
@click.option("--transport", type=click.Choice(["local", "sftp"]), required=True)
@click.option("--settings", "settings_json", metavar="JSON", required=True,
              help='Transport settings, e.g. \'{"host": "sftp.example.com", "username": '
                   '"billing", "key_path": "~/.ssh/ch", "host_key_fingerprint": "SHA256:..."}\' '
                   'or \'{"to_clearinghouse": "/mnt/ch/in", "from_clearinghouse": "/mnt/ch/out"}\'')  # fmt: skip
@click.option("--submitter-id", required=True, help="Our ID with the clearinghouse (ISA06).")
@click.option("--receiver-id", required=True, help="The clearinghouse's ID (ISA08).")
@click.option("--receiver-name", required=True)
@click.option("--usage", type=click.Choice(["T", "P"]), default="T", show_default=True)
@click.option("--default", "is_default", is_flag=True, help="Make it the default connection.")
@click.pass_context
def set_connection(ctx: click.Context, name: str, transport: str, settings_json: str,
                   submitter_id: str, receiver_id: str, receiver_name: str, usage: str,
                   is_default: bool) -> None:  # fmt: skip
    """Add or change a clearinghouse connection."""
    from core.services import exchange as svc

    try:
        settings = json.loads(settings_json)
    except json.JSONDecodeError as exc:
        click.echo(f"claimdesk: error: --settings is not JSON ({exc.msg})", err=True)
        ctx.exit(EXIT_USER_ERROR)
        return
    saved = svc.save_connection(ctx.obj.store(), dict(
        name=name, transport=transport, settings=settings, submitter_id=submitter_id,
        receiver_id=receiver_id, receiver_name=receiver_name, usage=usage,
        is_default=is_default))  # fmt: skip
    click.echo(f"saved connection {saved.name} ({saved.transport})")
