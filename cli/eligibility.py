"""`claimdesk eligibility ...`: check coverage (270/271) and read 271 files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from cli.main import CliState, emit_json, pass_state
from core.errors import ClaimDeskError, ValidationError
from core.money import Money
from core.services import eligibility as elig
from core.services import patients
from core.store import Store

CHECK_KEYS = (
    "check_id", "patient_id", "patient_name", "policy_id", "payer_id", "payer_name", "payer_code",
    "member_id", "rank", "encounter_id", "service_date", "status", "coverage_active", "plan",
    "group_number", "insurance_type", "plan_begin", "plan_end", "copay_cents",
    "coinsurance_percent", "deductible_cents", "deductible_met_cents",
    "deductible_remaining_cents", "out_of_pocket_cents", "out_of_pocket_met_cents",
    "out_of_pocket_remaining_cents", "messages", "rejections", "source_lines", "error",
    "control_number", "requested_at", "answered_at", "requested_by",
)  # fmt: skip


@click.group()
def eligibility() -> None:
    """Check a patient's insurance coverage (X12 270/271) and read 271 files."""


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"--date {value!r} is not a date; use YYYY-MM-DD") from None


def _patient_id(store: Store, text: str) -> int:
    text = text.strip()
    if text.isdigit():
        return int(text)
    return patients.find_by_account(store, text).id


def _money(cents: int | None) -> str:
    return "not stated" if cents is None else Money(cents).format()


def _accumulator(total: int | None, met: int | None, left: int | None) -> str:
    if total is None and met is None and left is None:
        return "not stated"
    parts = [_money(total) if total is not None else "total not stated"]
    extra = []
    if met is not None:
        extra.append(f"met {_money(met)}")
    if left is not None:
        extra.append(f"remaining {_money(left)}")
    return parts[0] + (f" ({', '.join(extra)})" if extra else "")


def _dates(begin: dt.date | None, end: dt.date | None) -> str | None:
    if begin is None and end is None:
        return None
    return f"{begin.isoformat() if begin else '?'} to {end.isoformat() if end else '(open)'}"


def _benefit_rows(source: Any) -> list[tuple[str, str]]:
    """The figures every card shows, for a check result or a bare card."""
    rows = [
        ("Plan", source.plan or "not stated"),
        ("Group", source.group_number or "not stated"),
    ]
    if source.insurance_type:
        rows.append(("Insurance type", source.insurance_type))
    plan_dates = _dates(source.plan_begin, source.plan_end)
    if plan_dates:
        rows.append(("Plan dates", plan_dates))
    pct = source.coinsurance_percent
    rows += [
        ("Copay", _money(source.copay_cents)),
        ("Coinsurance", "not stated" if pct is None else f"{pct}%"),
        (
            "Deductible",
            _accumulator(
                source.deductible_cents,
                source.deductible_met_cents,
                source.deductible_remaining_cents,
            ),
        ),
        (
            "Out of pocket",
            _accumulator(
                source.out_of_pocket_cents,
                source.out_of_pocket_met_cents,
                source.out_of_pocket_remaining_cents,
            ),
        ),
    ]
    return rows


def _echo_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows) + 1
    for label, value in rows:
        click.echo(f"  {label + ':':{width}} {value}")


def _echo_list(title: str, items: tuple[str, ...] | list[str]) -> None:
    if items:
        click.echo(f"  {title}:")
        for item in items:
            click.echo(f"    {item}")


def _echo_check(r: elig.EligibilityResult) -> None:
    rank = {1: "primary", 2: "secondary", 3: "tertiary"}.get(r.rank or 0, "")
    click.echo(f"Eligibility check {r.check_id}: {r.patient_name}")
    click.echo(f"  {r.headline.upper()}")
    rows = [
        ("Payer", f"{r.payer_name} ({r.payer_code})" + (f", {rank}" if rank else "")),
        ("Member ID", r.member_id),
        ("Date of service", r.service_date.isoformat()),
        ("Checked", f"{r.checked_at:%Y-%m-%d %H:%M} UTC ({r.age_text()}) by {r.requested_by}"),
    ]
    _echo_rows(rows + _benefit_rows(r))
    if r.card is not None:
        _echo_list("Benefit lines", [b.text for b in r.card.benefits])
    _echo_list("Messages", r.messages)
    _echo_list("Source lines", r.source_lines)


def _echo_card(n: int, card: elig.BenefitsCard) -> None:
    who = card.patient_name or card.provider_name or card.payer_name or "(no name)"
    click.echo(f"Card {n}: {card.subject}, {who}")
    click.echo(f"  {card.headline.upper()}")
    rows = []
    if card.payer_name or card.payer_code:
        rows.append(("Payer", f"{card.payer_name} ({card.payer_code})".strip()))
    if card.member_id:
        rows.append(("Member ID", card.member_id))
    if card.subscriber_name and card.subject == "dependent":
        rows.append(("Subscriber", card.subscriber_name))
    if card.status in ("active", "inactive"):
        rows += _benefit_rows(card)
    if rows:
        _echo_rows(rows)
    _echo_list("Why", card.rejections)
    _echo_list("Benefit lines", [b.text for b in card.benefits])
    _echo_list("Messages", card.messages)
    _echo_list("Source lines", card.source_lines)
    _echo_list("File warnings", card.warnings)


@eligibility.command("check")
@click.option("--patient", "patient", required=True, metavar="ID",
              help="Patient id, or account number (A0000001).")  # fmt: skip
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date of service (default: today).")
@click.option("--rank", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Which policy: 1 primary, 2 secondary, 3 tertiary.")  # fmt: skip
@click.option("--encounter", "encounter_id", type=int, metavar="ID",
              help="Check for this visit (its date and rendering provider).")  # fmt: skip
@click.option("--save", "save_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Also write the 270 and 271 files into this folder.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def check(
    state: CliState,
    patient: str,
    on: str | None,
    rank: int,
    encounter_id: int | None,
    save_dir: Path | None,
    as_json: bool,
) -> None:
    """Ask the patient's payer whether coverage is active, and show the benefits.

    ClaimDesk builds the 270, checks it, sends it through the clearinghouse connection (the
    built-in sandbox answers from this database's policies) and reads the 271 back. Every
    inquiry and answer is stored. Exit 0 when an answer was read, even if the coverage is
    inactive; 1 when the payer rejected the inquiry or its answer could not be read.
    """
    day = _parse_date(on)
    if save_dir is not None and not save_dir.is_dir():
        raise ValidationError(f"--save {save_dir}: no such folder")
    store = state.store()
    result = elig.check_eligibility(
        store, _patient_id(store, patient), service_date=day, rank=rank, encounter_id=encounter_id
    )
    files: dict[str, str] = {}
    if save_dir is not None:
        request, response = elig.get_exchange(store, result.check_id)
        req_path = save_dir / f"eligibility-{result.check_id}.270"
        req_path.write_text(request, encoding="utf-8")
        files["request_file"] = str(req_path)
        if response is not None:
            resp_path = save_dir / f"eligibility-{result.check_id}.271"
            resp_path.write_text(response, encoding="utf-8")
            files["response_file"] = str(resp_path)
    if result.status != "answered":
        raise ClaimDeskError(f"Check {result.check_id} (stored): {result.error}")
    if as_json:
        out = result.model_dump(mode="json", include=set(CHECK_KEYS))
        out["headline"] = result.headline
        out.update(files)
        emit_json(out)
        return
    _echo_check(result)
    for label, path in files.items():
        click.echo(f"  {label.replace('_', ' ')}: {path}")


@eligibility.command("read")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the cards as a JSON array.")
def read(file: Path, as_json: bool) -> None:
    """Read any 271 file into benefits cards (nothing is stored).

    A file that cannot be read as a 271 gives one line saying why, and exit code 1.
    """
    cards = elig.read_271_file(file)
    if as_json:
        emit_json([c.model_dump(mode="json") for c in cards])
        return
    for n, card in enumerate(cards, start=1):
        if n > 1:
            click.echo()
        _echo_card(n, card)


@eligibility.command("history")
@click.option("--patient", "patient", required=True, metavar="ID",
              help="Patient id, or account number (A0000001).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON array.")
@pass_state
def history(state: CliState, patient: str, as_json: bool) -> None:
    """List a patient's eligibility checks, newest first."""
    store = state.store()
    found = elig.list_checks(store, _patient_id(store, patient))
    if as_json:
        emit_json([r.model_dump(mode="json", include=set(CHECK_KEYS)) for r in found])
        return
    if not found:
        click.echo("No eligibility checks for this patient yet.")
        return
    for r in found:
        click.echo(
            f"{r.check_id:>6}  {r.checked_at:%Y-%m-%d %H:%M}  {r.service_date.isoformat()}  "
            f"{r.payer_name[:24]:24}  {r.headline}"
        )
