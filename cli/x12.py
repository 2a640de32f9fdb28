"""`claimdesk x12 ...`: work with X12 files (validate; more subcommands join this group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.main import EXIT_USER_ERROR, emit_json
from core.errors import ValidationError
from core.money import Money


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


# The keys scripts rely on (issues 4 and 5); more may be added, none removed.
IMPORT_KEYS = (
    "file", "type", "posted", "claims_matched", "paid_cents", "adjustment_cents_by_group",
    "plb_cents", "unmatched", "warnings", "errors",
)  # fmt: skip


def import_json(outcome: Any, path: Path) -> dict[str, Any]:
    return {
        "file": str(path),
        "type": outcome.type,
        "posted": outcome.applied,
        "claims_matched": outcome.claims_matched,
        "paid_cents": outcome.paid_cents,
        "adjustment_cents_by_group": dict(outcome.adjustment_cents_by_group),
        "plb_cents": outcome.plb_cents,
        "unmatched": list(outcome.unmatched),
        "warnings": list(outcome.warnings),
        "errors": list(outcome.errors),
        "dry_run": outcome.dry_run,
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
        "file_id": outcome.file_id,
        "held": outcome.held,
        "lines_posted": outcome.lines_posted,
    }


@x12.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what each file would do; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per file.")
@click.pass_context
def import_files(ctx: click.Context, files: tuple[Path, ...], dry_run: bool, as_json: bool) -> None:
    """Apply received files by type: 835 remittances, 999/277CA acknowledgments, 277 status.

    Each file applies in one transaction, all or nothing. A file that cannot be read, was
    imported before, or speaks only of claims ClaimDesk never sent is refused and changes
    nothing. Exit 1 when any file is refused.
    """
    from core.services import answers

    store = ctx.obj.store()
    outcomes = [(path, answers.import_path(store, path.expanduser(), dry_run=dry_run))
                for path in files]  # fmt: skip
    if as_json:
        emit_json([import_json(o, p) for p, o in outcomes])
    else:
        for path, o in outcomes:
            verb = "would apply" if o.dry_run else ("applied" if o.applied else "REFUSED")
            if o.errors:
                verb = "REFUSED"
            if o.type == "835":
                what = f"paid {Money(o.paid_cents).format()}, {o.lines_posted} line(s)"
            else:
                what = f"{o.accepted} accepted, {o.rejected} rejected"
            click.echo(f"{path}: {o.type} {verb}: {o.claims_matched} claim(s) matched, {what}")
            for line in o.errors:
                click.echo(f"  error: {line}")
            for line in o.warnings:
                click.echo(f"  warning: {line}")
            if o.unmatched:
                click.echo(f"  not ours: {', '.join(o.unmatched)}")
    if any(o.errors for _, o in outcomes):
        ctx.exit(EXIT_USER_ERROR)
