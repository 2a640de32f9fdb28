"""`claimdesk x12 ...`: work with X12 files (validate; more subcommands join this group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.main import EXIT_USER_ERROR, emit_json
from core.errors import ValidationError


@click.group()
def x12() -> None:
    """Work with X12 files (837 claims, 835 remittances, acknowledgments)."""


def _read(file: Path) -> bytes:
    path = file.expanduser()
    if not path.exists():
        raise ValidationError(f"{path} does not exist")
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None


@x12.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object.")
@click.pass_context
def validate(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Check an X12 file with pyx12 (the HIPAA implementation guides' rules).

    Exit 0 when the file is valid; 1 when it is not (each problem on its own line, naming the
    claim, loop and segment) or cannot be read. A file that fails must not be sent.
    """
    from core.x12.pyx12_check import validate_x12

    report = validate_x12(_read(file))
    if as_json:
        out: dict[str, Any] = {
            "file": str(file),
            "valid": report.ok,
            "transaction": report.transaction,
            "version": report.version,
            "errors": [f.as_dict() for f in report.errors],
            "warnings": [f.as_dict() for f in report.warnings],
        }
        emit_json(out)
    else:
        kind = " ".join(x for x in (report.transaction, report.version) if x)
        kind = f" ({kind})" if kind else ""
        if report.ok:
            click.echo(f"{file}: valid{kind}")
        else:
            n = len(report.errors)
            click.echo(f"{file}: NOT valid{kind}, {n} error{'s' if n != 1 else ''}")
        for finding in report.findings:
            click.echo(f"  {finding}")
    if not report.ok:
        ctx.exit(EXIT_USER_ERROR)
