"""The patient forms: demographics (register or edit), guarantor, a policy (add or edit), a policy's
end.

Each is a modal ``FormScreen``: it validates through the core input model (``PatientIn``,
``GuarantorIn``, ``PolicyIn``) before calling the service in a worker, shows every problem next to
its field, keeps what was typed, and dismisses with the saved DTO (None when cancelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pydantic
from textual import on
from textual.binding import Binding
from textual.widgets import Input, Select, Static

from core.schemas import (
    GuarantorIn,
    PatientDetail,
    PatientIn,
    PatientOut,
    PayerOut,
    PolicyIn,
    PolicyOut,
)
from core.services import patients
from tui.format import clip
from tui.messages import Failed, Loaded
from tui.widgets.forms import (
    AccountInput,
    DateInput,
    FormField,
    FormScreen,
    MoneyInput,
    PercentInput,
    PhoneInput,
    StateInput,
    TextInput,
    ZipInput,
    fmt_date,
    fmt_money,
    fmt_phone,
    fmt_zip,
)
from tui.widgets.patient_panels import RANKS

SEX_OPTIONS = [("F  female", "F"), ("M  male", "M"), ("U  unknown", "U")]
RELATIONSHIP_OPTIONS = [("18  self", "18"), ("01  spouse", "01"), ("19  child", "19"),
                        ("G8  other", "G8")]  # fmt: skip
RANK_OPTIONS = [("1  primary", 1), ("2  secondary", 2), ("3  tertiary", 3)]
GUARANTOR_RELATIONSHIPS = ["parent", "spouse", "legal guardian", "grandparent", "child", "other"]


# -- forms ----------------------------------------------------------------------------------------


class PatientForm(FormScreen):
    """Register a patient, or edit one's demographics."""

    HELP = """
## Patient demographics

Copy these from the patient's ID and insurance card, exactly: a misspelt
name or a wrong date of birth is the most common reason a claim is rejected.

- Fields marked `*` must be filled. `Tab` moves to the next field.
- Dates are **MM/DD/YYYY**; ZIP is 5 or 9 digits; phone is 10 digits;
  state is the two-letter code (`OR`).
- Sex: choose with `enter` and the arrow keys.
- `ctrl+s` saves. A problem shows in red under its field and nothing you
  typed is lost. `escape` closes without saving.

ClaimDesk refuses to register the same name and date of birth twice: find
the existing record instead. After registering, add the insurance (`p` on
the record).
"""

    MODEL = PatientIn

    def __init__(self, patient: PatientOut | None = None, prefill: dict[str, str] | None = None):
        super().__init__()
        self.patient = patient
        self.prefill = prefill or {}
        self.FORM_TITLE = (
            f"Edit demographics · {patient.last_name}, {patient.first_name} ({patient.account_number})"
            if patient
            else "Register a new patient"
        )

    def _v(self, name: str) -> str:
        p = self.patient
        if p is None:
            return self.prefill.get(name, "")
        value = getattr(p, name)
        if name == "date_of_birth":
            return fmt_date(value)
        if name == "phone":
            return fmt_phone(value)
        if name == "zip_code":
            return fmt_zip(value)
        return value or ""

    def compose_fields(self) -> Iterable[FormField]:
        v = self._v
        sex = self.patient.sex if self.patient else Select.NULL
        yield FormField(
            "first_name", "First name", TextInput(v("first_name"), max_length=35), required=True
        )
        yield FormField(
            "last_name", "Last name", TextInput(v("last_name"), max_length=60), required=True
        )
        yield FormField("middle_name", "Middle name", TextInput(v("middle_name"), max_length=25))
        yield FormField(
            "date_of_birth",
            "Date of birth",
            DateInput(v("date_of_birth")),
            required=True,
            width=12,
            help="MM/DD/YYYY, e.g. 07/14/1957.",
        )
        yield FormField(
            "sex",
            "Sex",
            Select(SEX_OPTIONS, value=sex, prompt="choose", compact=True),
            required=True,
            width=16,
        )
        yield FormField(
            "phone",
            "Phone",
            PhoneInput(v("phone")),
            width=18,
            help="Ten digits; any punctuation is fine.",
        )
        yield FormField(
            "address_line1", "Address", TextInput(v("address_line1"), max_length=55), required=True
        )
        yield FormField(
            "address_line2", "Address line 2", TextInput(v("address_line2"), max_length=55)
        )
        yield FormField("city", "City", TextInput(v("city"), max_length=30), required=True)
        yield FormField(
            "state",
            "State",
            StateInput(v("state")),
            required=True,
            width=5,
            help="Two letters: OR, WA, CA...",
        )
        yield FormField(
            "zip_code",
            "ZIP",
            ZipInput(v("zip_code")),
            required=True,
            width=12,
            help="5 digits, or ZIP+4 as 97201-1234.",
        )
        yield FormField("email", "Email", TextInput(v("email"), max_length=80))
        if self.patient is None:
            yield FormField("account_number", "Account no.", AccountInput(self.prefill.get("account_number", "")),
                            width=22, help="Leave empty: ClaimDesk numbers the account. Fill it only "
                            "to keep a number from an old system.")  # fmt: skip

    def submit(self, model: PatientIn) -> None:
        if self.patient is None:
            self.load("save", patients.register_patient, model)
        else:
            self.load("save", patients.update_patient, self.patient.id, model)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(message.value)


class GuarantorForm(FormScreen):
    """Who pays the patient's part of the bill."""

    HELP = """
## Guarantor

The guarantor is the person responsible for the patient's part of the
bill: statements go to them. Adults are usually their own guarantor; a
child's guarantor is a parent or legal guardian.

- Fill the guarantor's name and relationship to the patient; address and
  phone are where statements and calls go.
- `ctrl+s` saves. `ctrl+r` removes the guarantor: the patient pays their
  own bill. `escape` closes without saving.
"""

    MODEL = GuarantorIn
    BINDINGS = [
        Binding("ctrl+r", "self_pay", "Patient pays", id="guarantor.self",
                tooltip="Remove the guarantor: the patient is responsible for their own bill."),
    ]  # fmt: skip

    def __init__(self, patient: PatientOut, guarantor: Any | None) -> None:
        super().__init__()
        self.patient = patient
        self.guarantor = guarantor
        self.FORM_TITLE = f"Guarantor · {patient.last_name}, {patient.first_name}"

    def compose_fields(self) -> Iterable[FormField]:
        g = self.guarantor
        rel = g.relationship_to_patient if g else Select.NULL
        options = [(r, r) for r in GUARANTOR_RELATIONSHIPS]
        if g and rel not in GUARANTOR_RELATIONSHIPS:
            options.append((rel, rel))
        yield FormField(
            "first_name",
            "First name",
            TextInput(g.first_name if g else "", max_length=35),
            required=True,
        )
        yield FormField(
            "last_name",
            "Last name",
            TextInput(g.last_name if g else "", max_length=60),
            required=True,
        )
        yield FormField("relationship_to_patient", "Relationship",
                        Select(options, value=rel, prompt="choose", compact=True), required=True, width=20,
                        help="The guarantor's relationship to the patient (a child's mother: parent).")  # fmt: skip
        yield FormField(
            "date_of_birth",
            "Date of birth",
            DateInput(fmt_date(g.date_of_birth) if g else ""),
            width=12,
        )
        yield FormField("phone", "Phone", PhoneInput(fmt_phone(g.phone) if g else ""), width=18)

        if g is not None and not hasattr(g, "address_line1"):
            yield Static(
                "The saved address is not shown here: type it again (saving replaces it).",
                classes="form-note",
            )

        # A new guarantor starts from the patient's address. A saved one shows its own address
        # when GuarantorOut carries it (read with getattr until it does).
        def addr(name: str) -> str:
            source = self.patient if g is None else g
            return getattr(source, name, None) or ""

        yield FormField("address_line1", "Address", TextInput(addr("address_line1"), max_length=55),
                        help="Where statements go (filled with the patient's address for a new "
                        "guarantor).")  # fmt: skip
        yield FormField("city", "City", TextInput(addr("city"), max_length=30))
        yield FormField("state", "State", StateInput(addr("state")), width=5)
        yield FormField("zip_code", "ZIP", ZipInput(fmt_zip(addr("zip_code"))), width=12)

    def submit(self, model: GuarantorIn) -> None:
        self.load("save", patients.set_guarantor, self.patient.id, model)

    def action_self_pay(self) -> None:
        if not self._busy:
            self._busy = True
            self.load("save", patients.set_guarantor, self.patient.id, None)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(True)


class PolicyForm(FormScreen):
    """Add an insurance policy in its place (primary, secondary or tertiary), or correct one
    (``policy=``: the form starts filled in and saves with ``update_policy``)."""

    HELP = """
## Add or correct an insurance policy

Copy the insurance card. **Rank** is the billing order: the *primary* is
billed first; the *secondary* gets what the primary did not pay.

Correcting a policy (from the rejection inbox), the form opens filled in:
fix what the payer refused (usually the member ID), exactly as on the card.

- **Payer**: the insurance company (choose with `enter` and the arrows).
- **Member ID** and **group**: exactly as on the card.
- **Relationship**: `18 self` when the patient holds the policy. For a
  spouse's or parent's policy, choose `01 spouse` or `19 child` and name
  the **subscriber** (the policy holder): their account number when they
  are a patient here, or else their name and date of birth.
- **Effective from / to**: dates of coverage (MM/DD/YYYY); leave *to*
  empty while coverage continues.
- **Copay, coinsurance, deductible**: from the card or the eligibility
  check; they estimate what to collect at check-in.

`ctrl+s` saves; problems show next to their fields and nothing typed is
lost. `escape` closes without saving.
"""

    MODEL = PolicyIn
    FIELD_FOR_MODEL_ERROR = {
        "end before it starts": "effective_to",
        "subscriber's name": "subscriber_account",
    }

    SUBSCRIBER_FIELDS = ("subscriber_account", "subscriber_first_name", "subscriber_last_name",
                         "subscriber_date_of_birth", "subscriber_sex")  # fmt: skip

    def __init__(
        self,
        detail: PatientDetail,
        payers: Iterable[PayerOut],
        day: dt.date,
        policy: PolicyOut | None = None,
    ) -> None:
        super().__init__()
        self.detail = detail
        self.payers = tuple(payers)
        self.policy = policy  # editing this policy (``update_policy``); None adds a new one
        p = detail.patient
        verb = "Edit insurance" if policy else "Add insurance"
        self.FORM_TITLE = f"{verb} · {p.last_name}, {p.first_name} ({p.account_number})"
        active = {
            pol.rank
            for pol in detail.policies
            if pol.effective_to is None or pol.effective_to >= day
        }
        self.default_rank = (
            policy.rank if policy else next((r for r in (1, 2, 3) if r not in active), 1)
        )
        self._subscriber: PatientOut | None = None
        self._subscriber_account = ""
        self._save_after_lookup = False

    def _v(self, name: str) -> str:
        """The edited policy's value as the form shows it ('' when adding a policy)."""
        pol = self.policy
        value = getattr(pol, name, None) if pol is not None else None
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return fmt_date(value)
        if name.endswith("_cents"):
            return fmt_money(value) if value else ""
        if name == "coinsurance_percent":
            return str(value) if value else ""
        return str(value)

    def compose_fields(self) -> Iterable[FormField]:
        v, pol = self._v, self.policy
        payer_options = [(clip(f"{p.name} ({p.payer_code})", 40), p.id) for p in self.payers]
        payer = (
            pol.payer_id if pol and any(p.id == pol.payer_id for p in self.payers) else Select.NULL
        )
        dependent = bool(pol) and pol.relationship_code != "18"
        yield FormField("payer_id", "Payer", Select(payer_options, value=payer, prompt="choose the payer",
                        compact=True), required=True, help="The insurance company on the card.")  # fmt: skip
        yield FormField("rank", "Rank", Select(RANK_OPTIONS, value=self.default_rank, allow_blank=False,
                        compact=True), required=True, width=16,
                        help="1 primary (billed first), 2 secondary, 3 tertiary.")  # fmt: skip
        yield FormField(
            "member_id", "Member ID", TextInput(v("member_id"), max_length=80), required=True
        )
        yield FormField("group_number", "Group", TextInput(v("group_number"), max_length=50))
        yield FormField("effective_from", "Effective from", DateInput(v("effective_from")), required=True,
                        width=12)  # fmt: skip
        yield FormField(
            "effective_to",
            "Effective to",
            DateInput(v("effective_to"), placeholder="open"),
            width=12,
            help="The last day of coverage; empty while coverage continues.",
        )
        yield FormField("copay_cents", "Copay", MoneyInput(v("copay_cents")), width=12)
        yield FormField("coinsurance_percent", "Coinsurance %", PercentInput(v("coinsurance_percent")),
                        width=6)  # fmt: skip
        yield FormField(
            "deductible_cents", "Deductible", MoneyInput(v("deductible_cents")), width=12
        )
        yield FormField("out_of_pocket_max_cents", "Out-of-pocket max",
                        MoneyInput(v("out_of_pocket_max_cents")), width=12)  # fmt: skip
        relationship = pol.relationship_code if pol else "18"
        yield FormField("relationship_code", "Relationship", Select(RELATIONSHIP_OPTIONS, value=relationship,
                        allow_blank=False, compact=True), required=True, width=14,
                        help="The patient's relationship to the subscriber (policy holder).")  # fmt: skip
        yield FormField("plan_name", "Plan name", TextInput(v("plan_name"), max_length=60))
        yield FormField("subscriber_account", "Subscriber acct", AccountInput(), width=12, model=False,
                        disabled=not dependent, help="The subscriber's account number, when they are a "
                        "patient here: their name and date of birth are taken from their record.")  # fmt: skip
        sub = dependent and pol is not None
        yield FormField(
            "subscriber_date_of_birth",
            "Subscriber born",
            DateInput(v("subscriber_date_of_birth") if sub else ""),
            width=12,
            disabled=not dependent,
        )
        yield FormField(
            "subscriber_first_name",
            "Subscriber first",
            TextInput(v("subscriber_first_name") if sub else "", max_length=35),
            disabled=not dependent,
        )
        yield FormField(
            "subscriber_last_name",
            "Subscriber last",
            TextInput(v("subscriber_last_name") if sub else "", max_length=60),
            disabled=not dependent,
        )
        yield FormField("subscriber_sex", "Subscriber sex", Select(SEX_OPTIONS, prompt="choose", compact=True),
                        width=16, disabled=not dependent)  # fmt: skip

    # -- the subscriber ---------------------------------------------------------------------
    def _relationship(self) -> str:
        value = self.field("relationship_code").value()
        return str(value) if value else "18"

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if not self.is_mounted or not self.query("#f-relationship_code"):
            return
        if event.select is not self.field("relationship_code").control:
            return
        dependent = self._relationship() != "18"
        for name in self.SUBSCRIBER_FIELDS:
            field = self.field(name)
            field.disabled = not dependent
            if not dependent:
                field.show_error(None)

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        if event.input is self.field("subscriber_account").control:
            account = event.value.strip().upper()
            if account and account != self._subscriber_account:
                self._lookup(account)
            elif not account:
                self._subscriber, self._subscriber_account = None, ""
                self.field("subscriber_account").set_note("")

    def _lookup(self, account: str) -> None:
        self._subscriber, self._subscriber_account = None, ""
        self.field("subscriber_account").set_note("looking up…")
        self.load("subscriber", patients.find_by_account, account)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "subscriber":
            sub: PatientOut = message.value
            field = self.field("subscriber_account")
            if sub.id == self.detail.patient.id:
                field.set_note("")
                field.show_error("That is this patient: choose relationship 18 self instead.")
                self._save_after_lookup = False
                return
            self._subscriber, self._subscriber_account = sub, sub.account_number
            field.show_error(None)
            field.set_note(
                f"{sub.last_name}, {sub.first_name} · born {fmt_date(sub.date_of_birth)}"
            )
            if self._save_after_lookup:
                self._save_after_lookup = False
                self.action_save()
        elif message.what == "save":
            self.dismiss(message.value)

    def on_failed(self, message: Failed) -> None:
        if message.what == "subscriber":
            message.prevent_default()
            field = self.field("subscriber_account")
            field.set_note("")
            field.show_error(message.error)
            if self._save_after_lookup:
                self._save_after_lookup = False
                self.show_form_error("Not saved: 1 field to fix (marked in red).")
                field.control.focus()

    def action_save(self) -> None:
        if self._busy:
            return
        account = self.field("subscriber_account").raw().strip().upper()
        if self._relationship() != "18" and account and account != self._subscriber_account:
            self._save_after_lookup = True
            self._lookup(account)
            return
        super().action_save()

    def extra_values(self) -> dict[str, Any]:
        account = self.field("subscriber_account").raw().strip().upper()
        if self._relationship() != "18" and account and self._subscriber is not None:
            return {"subscriber_patient_id": self._subscriber.id}
        pol = self.policy
        if (pol is not None and self._relationship() != "18" and not account
                and pol.subscriber_patient_id not in (None, pol.patient_id)):  # fmt: skip
            return {"subscriber_patient_id": pol.subscriber_patient_id}  # kept from the record
        return {}

    def submit(self, model: PolicyIn) -> None:
        if self.policy is not None:
            self.load("save", patients.update_policy, self.policy.id, model)
        else:
            self.load("save", patients.add_policy, self.detail.patient.id, model)


class LastDayIn(pydantic.BaseModel):
    """The one field of the end-policy form (the service checks it against the start)."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    last_day: dt.date


class EndPolicyForm(FormScreen):
    """Set the last day a policy covers."""

    HELP = """
## End a policy

When a patient's coverage ends (a new job, a new plan, turning 65), set the
**last day** the old policy covers. Visits after that day are not billed
to it. Then add the new policy with `p`, in the same rank.

`ctrl+s` saves; `escape` closes without saving.
"""

    MODEL = LastDayIn

    def __init__(self, policy: PolicyOut) -> None:
        super().__init__()
        self.policy = policy
        rank = RANKS.get(policy.rank, str(policy.rank)).lower()
        self.FORM_TITLE = f"End the {rank} policy · {policy.payer_name} ({policy.member_id})"

    def compose_fields(self) -> Iterable[FormField]:
        yield FormField(
            "last_day",
            "Last day covered",
            DateInput(),
            required=True,
            width=12,
            help=f"On or after {fmt_date(self.policy.effective_from)}, when it began.",
        )
        yield Static(
            f"Covered since {fmt_date(self.policy.effective_from)}; visits after the last day "
            "are not billed to this policy.",
            classes="form-info",
        )

    def submit(self, model: Any) -> None:
        self.load("save", patients.end_policy, self.policy.id, model.last_day)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(message.value)
