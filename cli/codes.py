"""`claimdesk codes ...`: search the code sets and import code files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.main import CliState, emit_json, pass_state
from core.errors import ValidationError
from core.services import codesets

JSON_KEYS = ("kind", "code", "description", "billable", "is_demo", "effective_from", "effective_to")


@click.group()
def codes() -> None:
    """Search and import code sets (ICD-10-CM, CPT, HCPCS, modifiers, POS, CARC, RARC)."""


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"--date {value!r} is not a date; use YYYY-MM-DD") from None


def _mark(code: codesets.CodeOut) -> str:
    if code.kind not in ("icd10", "cpt", "hcpcs"):
        return ""
    return "yes" if code.billable else "no"


def _note(code: codesets.CodeOut) -> str:
    notes = []
    if code.is_demo:
        notes.append("demo wording")
    if code.effective_from is not None:
        notes.append(f"from {code.effective_from.isoformat()}")
    if code.effective_to is not None:
        notes.append(f"until {code.effective_to.isoformat()}")
    return f"  ({'; '.join(notes)})" if notes else ""


@codes.command("search")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(codesets.KINDS),
    help="Search one code set only (default: all).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, codesets.MAX_LIMIT),
    default=20,
    show_default=True,
    help="Most results to show.",
)
@click.option(
    "--date",
    "on",
    metavar="YYYY-MM-DD",
    help="Only codes in effect on this date of service.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as a JSON array.")
@pass_state
def search(
    state: CliState, text: str, kind: str | None, limit: int, on: str | None, as_json: bool
) -> None:
    """Find codes by code or prefix (E11.9, e119, 992) or by words (diabetes without complications).

    Billable codes come first; a category such as E11 is shown as not billable.
    """
    date = _parse_date(on)
    found = codesets.search(state.store(), text, kind=kind, limit=limit, on=date)
    if as_json:
        emit_json([c.model_dump(mode="json", include=set(JSON_KEYS)) for c in found])
        return
    if not found:
        where = f" {codesets.LABELS[kind]}" if kind else ""
        when = f" on {date.isoformat()}" if date else ""
        click.echo(f"No{where} codes match {text!r}{when}.")
        return
    show_kind = len({c.kind for c in found}) > 1
    code_width = max(len(c.code) for c in found)
    header = f"{'KIND':8}  " if show_kind else ""
    click.echo(f"{header}{'CODE':{code_width}}  BILL  DESCRIPTION")
    for c in found:
        kind_cell = f"{c.kind:8}  " if show_kind else ""
        click.echo(f"{kind_cell}{c.code:{code_width}}  {_mark(c):4}  {c.description}{_note(c)}")
    if any(c.is_demo for c in found):
        click.echo(
            "CPT demo wording is ClaimDesk's own, not the AMA descriptor; "
            "`claimdesk codes import --kind cpt FILE` loads your licensed CPT file.",
            err=True,
        )


# The CMS correct-coding edits the scrubber uses (core.services.ncci), imported the same way.
EDIT_KINDS = ("ncci-ptp", "mue")


@codes.command("import")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(codesets.IMPORT_KINDS + EDIT_KINDS),
    help="Which code set the file holds (ncci-ptp and mue: the CMS practitioner edit files).",
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
def import_(state: CliState, kind: str, file: Path, as_json: bool) -> None:
    """Import a code file: a licensed AMA CPT file, the CMS HCPCS annual file, the X12 CARC or
    RARC list, or a CSV of modifiers or places of service.

    The file must be delimited text (CSV or tab-separated) with a header naming a code column
    and a description column, or lines of a code and its description. The whole file is checked
    before anything is written: a file that cannot be used changes nothing.

    --kind ncci-ptp and --kind mue take the CMS practitioner NCCI procedure-to-procedure or MUE
    file saved as text (tab-separated or CSV; for PTP, a folder of the CMS files imports them
    all as one set). Each import replaces the previous set of that kind.
    """
    if kind in EDIT_KINDS:
        _import_edits(state, kind, file, as_json)
        return
    text = codesets.read_text_file(file)  # fail on a missing or unreadable file before the DB
    codesets.parse_code_file(kind, text, file.name)
    result = codesets.import_file(state.store(), kind, file)
    if as_json:
        emit_json(
            {
                "kind": result.kind,
                "file": result.path,
                "added": result.added,
                "updated": result.updated,
                "total": result.total,
            }
        )
        return
    label = codesets.LABELS[kind]
    unchanged = result.total - result.added - result.updated
    click.echo(
        f"Imported {result.total:,} {label} codes from {file}: {result.added:,} added, "
        f"{result.updated:,} updated, {unchanged:,} unchanged."
    )
    if result.skipped:
        click.echo(f"  skipped {result.skipped:,} rows (other record types or dental codes)")


def _import_edits(state: CliState, kind: str, file: Path, as_json: bool) -> None:
    from core.services import ncci

    ncci.check_files(kind, file)  # fail on a missing or broken file before the DB
    result = ncci.import_edits(state.store(), kind, file)
    if as_json:
        emit_json(
            {
                "kind": result.kind,
                "file": result.path,
                "added": result.added,
                "updated": result.updated,
                "total": result.total,
                "replaced": result.replaced,
            }
        )
        return
    label = ncci.LABELS[kind]
    files = f" ({result.files} files)" if result.files > 1 else ""
    replaced = (
        f", replacing the {result.replaced:,} of the previous import" if result.replaced else ""
    )
    click.echo(f"Imported {result.total:,} {label}s from {file}{files}{replaced}.")
    if result.skipped:
        click.echo(f"  skipped {result.skipped:,} rows (a code listed again; the first one kept)")
