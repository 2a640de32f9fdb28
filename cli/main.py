"""Entry point of the ``claimdesk`` console script.

Exit codes: 0 ok, 1 a user error (one line on stderr, nothing written), 2 usage.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from core.errors import ClaimDeskError, StoreError
from core.store import ENV_VAR, Store, data_dir, default_url, demo_url

EXIT_OK, EXIT_USER_ERROR, EXIT_USAGE = 0, 1, 2


def _current_user() -> str:
    try:
        return os.environ.get("CLAIMDESK_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "claimdesk"


@dataclass
class CliState:
    db: str | None
    demo: bool
    user: str
    _store: Store | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        if self.db:
            return self.db
        return demo_url() if self.demo else default_url()

    def store(self, *, initialize: bool = True) -> Store:
        """The store, created and loaded with reference code sets on first use of a new file.

        With ``initialize=False`` the store is returned as it is, even when not migrated.
        """
        if self._store is None:
            if not self.db and not os.environ.get(ENV_VAR):
                # ClaimDesk's own data folder is ours to create on first use (a path the
                # user named with --db or CLAIMDESK_DB must already exist).
                data_dir().mkdir(parents=True, exist_ok=True)
            store = Store(self.url, actor=self.user)
            if store.is_sqlite and store.path is not None and store.path.parent.exists() is False:
                raise StoreError(f"The folder {store.path.parent} does not exist.")
            if initialize and store.is_empty():
                from core.services import setup

                click.echo(f"Setting up a new ClaimDesk database at {store.url} ...", err=True)
                setup.initialize(store)
                if self.demo:
                    import datetime as dt

                    from sample_data import demo

                    click.echo("Seeding the demo practice ...", err=True)
                    # Dated from today, so the demo's queues and aging look current.
                    demo.seed(store, today=dt.date.today())
            if initialize:
                store.require_current()
            self._store = store
        return self._store


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


class ClaimDeskGroup(click.Group):
    """Turns ClaimDeskError into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClaimDeskError as exc:
            click.echo(f"claimdesk: error: {exc}", err=True)
            ctx.exit(EXIT_USER_ERROR)


@click.group(cls=ClaimDeskGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db",
    metavar="URL",
    help="Database: any SQLAlchemy URL, or a path to a SQLite file. Default: $CLAIMDESK_DB, "
    "else claimdesk.db in your data directory.",
)
@click.option(
    "--demo", is_flag=True, help="Use the demo practice (created and seeded on first use)."
)
@click.option("--user", "user", metavar="NAME", help="Who is working (recorded in the audit log).")
@click.version_option(package_name="claimdesk")
@click.pass_context
def cli(ctx: click.Context, db: str | None, demo: bool, user: str | None) -> None:
    """ClaimDesk: the medical billing workstation for the terminal.

    Without a command, opens the workstation (TUI).
    """
    ctx.obj = CliState(db=db, demo=demo, user=user or _current_user())
    if ctx.invoked_subcommand is None:
        store = ctx.obj.store()
        from tui.app import run_app

        run_app(store_url=store.url, user=ctx.obj.user, demo=demo)


def pass_state(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.pass_obj(f)


# Subcommands are imported when used, so `claimdesk` (the TUI) starts without loading them.
SUBCOMMANDS = {
    "db": ("cli.dbcmd", "db"),
    "seed": ("cli.seed", "seed"),
    "codes": ("cli.codes", "codes"),
    "eligibility": ("cli.eligibility", "eligibility"),
    "x12": ("cli.x12", "x12"),
    "claims": ("cli.claims", "claims"),
    "exchange": ("cli.exchange", "exchange"),
    "clearinghouse": ("cli.clearinghouse", "clearinghouse"),
}


def _lazy_get_command(ctx: click.Context, name: str) -> click.Command | None:
    if name not in SUBCOMMANDS:
        return None
    import importlib

    module, attr = SUBCOMMANDS[name]
    return getattr(importlib.import_module(module), attr)


cli.get_command = _lazy_get_command  # type: ignore[method-assign]
cli.list_commands = lambda ctx: sorted(SUBCOMMANDS)  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    try:
        # In non-standalone mode click returns the code of ctx.exit() instead of raising.
        result = cli.main(args=argv, prog_name="claimdesk", standalone_mode=False)
        if isinstance(result, int):
            return result
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USER_ERROR
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_USER_ERROR
    except ClaimDeskError as exc:
        click.echo(f"claimdesk: error: {exc}", err=True)
        return EXIT_USER_ERROR
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
