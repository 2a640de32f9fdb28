"""The pieces of a patient's record: who they are, what they owe, their insurance and ledger.

Each widget draws one frozen DTO (or tuple of them) from ``core.schemas``; none reads the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from core.schemas import RELATIONSHIPS
from tui.format import clip
from tui.widgets.forms import fmt_date, fmt_money, fmt_phone, fmt_zip

RANKS = {1: "Primary", 2: "Secondary", 3: "Tertiary"}
SEX_WORDS = {"F": "female", "M": "male", "U": "sex unknown"}
BUCKETS = {"insurance": "Ins", "patient": "Pt"}


def age_on(born: dt.date, day: dt.date) -> int:
    years = day.year - born.year
    return years - ((day.month, day.day) < (born.month, born.day))


def policy_status(policy: Any, day: dt.date) -> str:
    if policy.effective_from > day:
        return "future"
    if policy.effective_to is not None and policy.effective_to < day:
        return "ended"
    return "active"


def subscriber_words(policy: Any) -> str:
    rel = RELATIONSHIPS.get(policy.relationship_code, policy.relationship_code)
    if policy.relationship_code == "18":
        return "self"
    born = (
        f", born {fmt_date(policy.subscriber_date_of_birth)}"
        if policy.subscriber_date_of_birth
        else ""
    )
    return f"{rel}: {policy.subscriber_first_name} {policy.subscriber_last_name}{born}"


class PatientBanner(Static):
    """Name, account, date of birth, age and sex on one line."""

    DEFAULT_CSS = """
    PatientBanner {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    """

    def show(self, patient: Any, today: dt.date) -> None:
        middle = f" {patient.middle_name}" if patient.middle_name else ""
        line = Text()
        line.append(f"{patient.last_name}, {patient.first_name}{middle}", style="bold")
        line.append(
            f"  ·  {patient.account_number}  ·  born {fmt_date(patient.date_of_birth)} "
            f"(age {age_on(patient.date_of_birth, today)})  ·  "
            f"{SEX_WORDS.get(patient.sex, patient.sex)}"
        )
        self.update(line)


class DemographicsPanel(Static):
    """Address, phone, email and who pays the bill."""

    DEFAULT_CSS = """
    DemographicsPanel {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, patient: Any, guarantor: Any | None) -> None:
        lines = Text()
        street = patient.address_line1 + (
            f", {patient.address_line2}" if patient.address_line2 else ""
        )
        lines.append(street + "\n")
        lines.append(f"{patient.city}, {patient.state} {fmt_zip(patient.zip_code)}\n")
        contact = [fmt_phone(patient.phone) or "no phone"]
        if patient.email:
            contact.append(patient.email)
        lines.append("  ·  ".join(contact) + "\n")
        lines.append("Guarantor: ", style="bold")
        if guarantor is None:
            lines.append("the patient (self)")
        else:
            phone = f", {fmt_phone(guarantor.phone)}" if guarantor.phone else ""
            lines.append(
                f"{guarantor.first_name} {guarantor.last_name} "
                f"({guarantor.relationship_to_patient}){phone}"
            )
        self.update(lines)


class BalancesPanel(Static):
    """What the account owes, split between insurance and the patient."""

    DEFAULT_CSS = """
    BalancesPanel {
        width: 28;
        height: auto;
        padding: 0 1;
        border-left: vkey $primary-muted;
    }
    """

    def show(self, balance: Any) -> None:
        total = balance.insurance_cents + balance.patient_cents
        text = Text()
        text.append("Balances\n", style="bold")
        for label, cents, style in (
            ("Insurance", balance.insurance_cents, ""),
            ("Patient", balance.patient_cents, "bold" if balance.patient_cents > 0 else ""),
            ("Total", total, "bold"),
        ):
            text.append(f"{label:<10}")
            text.append(f"{fmt_money(cents):>14}\n", style=style)
        text.rstrip()
        self.update(text)


class PoliciesTable(DataTable):
    """Insurance in billing order: primary, secondary, tertiary (ended policies last)."""

    DEFAULT_CSS = """
    PoliciesTable {
        height: auto;
        max-height: 6;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.policies: tuple[Any, ...] = ()

    def show(self, policies: Sequence[Any], today: dt.date, wide: bool) -> None:
        order = {"active": 0, "future": 1, "ended": 2}
        self.policies = tuple(
            sorted(policies, key=lambda p: (order[policy_status(p, today)], p.rank, p.id))
        )
        self.clear(columns=True)
        payer_width = 30 if wide else 26
        self.add_column("Rank", key="rank", width=9)
        self.add_column("Payer", key="payer", width=payer_width)
        self.add_column("Member ID", key="member", width=14)
        if wide:
            self.add_column("Group", key="group", width=10)
            self.add_column("Subscriber", key="subscriber", width=10)
        self.add_column("From", key="from", width=10)
        self.add_column("To", key="to", width=10)
        for p in self.policies:
            status = policy_status(p, today)
            style = "" if status == "active" else "dim"
            rank = RANKS.get(p.rank, str(p.rank)) if status == "active" else status
            cells: list[Any] = [rank, clip(p.payer_name, payer_width), p.member_id]
            if wide:
                rel = (
                    "self"
                    if p.relationship_code == "18"
                    else RELATIONSHIPS.get(p.relationship_code, p.relationship_code)
                )
                cells += [p.group_number or "", rel]
            cells += [fmt_date(p.effective_from), fmt_date(p.effective_to) or "open"]
            self.add_row(*(Text(str(c), style=style) for c in cells), key=str(p.id))

    @property
    def current(self) -> Any | None:
        if not self.policies or self.cursor_row < 0 or self.cursor_row >= len(self.policies):
            return None
        return self.policies[self.cursor_row]


def policy_details(policy: Any | None) -> Text:
    """The highlighted policy's plan, subscriber and cost sharing, in words."""
    if policy is None:
        return Text("No insurance on file: press p to add the primary policy.", style="italic")
    text = Text()
    parts = [
        f"Group {policy.group_number}" if policy.group_number else "no group number",
        policy.plan_name or "",
        f"subscriber {subscriber_words(policy)}",
        f"copay {fmt_money(policy.copay_cents)}",
        f"coinsurance {policy.coinsurance_percent}%",
        f"deductible {fmt_money(policy.deductible_cents)}",
    ]
    if policy.out_of_pocket_max_cents:
        parts.append(f"out-of-pocket max {fmt_money(policy.out_of_pocket_max_cents)}")
    text.append(f"{RANKS.get(policy.rank, policy.rank)}: ", style="bold")
    text.append(" · ".join(p for p in parts if p))
    return text


class LedgerTable(DataTable):
    """Every charge, payment, adjustment and transfer, oldest first, with the running balance."""

    DEFAULT_CSS = """
    LedgerTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def show(self, entries: Sequence[Any], wide: bool) -> None:
        self.clear(columns=True)
        self.add_column("Date", key="date", width=10)
        self.add_column("Type", key="kind", width=10)
        self.add_column("Who", key="bucket", width=3)
        self.add_column(Text("Amount", justify="right"), key="amount", width=11)
        self.add_column(Text("Balance", justify="right"), key="balance", width=11)
        self.add_column("Claim", key="claim", width=6)
        if wide:
            self.add_column("Code", key="code", width=6)
            self.add_column("Reference", key="ref", width=14)
            self.add_column("Memo", key="memo", width=26)
        else:
            self.add_column("Memo", key="memo", width=12)
        running = 0
        rows = []
        for e in entries:
            running += e.amount_cents
            code = f"{e.group_code}-{e.reason_code}" if e.group_code and e.reason_code else ""
            memo = e.memo or ""
            if not wide:
                memo = code + (" " if code and memo else "") + memo or (e.reference or "")
            amount = Text(fmt_money(e.amount_cents), justify="right",
                          style="green" if e.amount_cents < 0 else "")  # fmt: skip
            row: list[Any] = [
                fmt_date(e.entry_date),
                e.kind,
                BUCKETS.get(e.responsibility, e.responsibility),
                amount,
                Text(fmt_money(running), justify="right"),
                str(e.claim_id or ""),
            ]
            if wide:
                row += [code, clip(e.reference or "", 14), clip(memo, 26)]
            else:
                row.append(clip(memo, 12))
            rows.append(row)
        self.add_rows(rows)
        if rows:
            # The newest entries matter most: start at the bottom.
            self.move_cursor(row=len(rows) - 1, animate=False)
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
