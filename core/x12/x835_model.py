"""The 835 remittance advice (005010X221A1) as typed values: what the parser returns, what the
builder takes, what posting reads. Pure dataclasses; money in integer cents (signed: a reversal
carries negative amounts).

Balancing rules (DOMAIN.md), which :func:`balance_problems` checks to the cent:

- per line: SVC charge - SVC paid = sum of the line's CAS amounts;
- per claim: CLP charge - CLP paid = claim CAS + line CAS (when the claim has lines);
- per remittance: BPR total = sum of CLP paid - sum of PLB amounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Adjustment835:
    """One CAS amount: group (CO, PR, OA, PI, CR), reason (CARC), amount, optional quantity."""

    group: str
    reason: str
    amount_cents: int
    quantity: str = ""


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """One SVC loop (2110)."""

    qualifier: str  # SVC01-1: HC (CPT/HCPCS), ...
    code: str  # SVC01-2
    modifiers: tuple[str, ...]
    charge_cents: int  # SVC02
    paid_cents: int  # SVC03
    units: str = ""  # SVC05 (paid units), "" when not sent
    original_code: str = ""  # SVC06-2: what we billed, when the payer changed the code
    original_modifiers: tuple[str, ...] = ()
    original_units: str = ""  # SVC07
    service_from: dt.date | None = None  # DTM*472 / 150
    service_to: dt.date | None = None  # DTM*151
    line_control_number: str = ""  # REF*6R: our claim line id, echoed
    allowed_cents: int | None = None  # AMT*B6
    adjustments: tuple[Adjustment835, ...] = ()
    remarks: tuple[str, ...] = ()  # LQ*HE RARCs

    @property
    def adjustment_total(self) -> int:
        return sum(a.amount_cents for a in self.adjustments)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """One CLP loop (2100)."""

    patient_control_number: str  # CLP01: our CLM01
    status_code: str  # CLP02: 1, 2, 3 processed; 4 denied; 19-21 forwarded; 22 reversal; 23
    charge_cents: int  # CLP03
    paid_cents: int  # CLP04
    patient_responsibility_cents: int = 0  # CLP05
    filing_indicator: str = ""  # CLP06
    payer_claim_number: str = ""  # CLP07
    facility_code: str = ""  # CLP08
    frequency_code: str = ""  # CLP09
    patient_last: str = ""  # NM1*QC
    patient_first: str = ""
    patient_member_id: str = ""  # NM1*QC NM109 (or NM1*IL)
    corrected_last: str = ""  # NM1*74 corrected patient/insured name
    corrected_first: str = ""
    rendering_npi: str = ""  # NM1*82
    crossover_payer: str = ""  # NM1*TT: the payer the claim was forwarded to
    service_from: dt.date | None = None  # DTM*232
    service_to: dt.date | None = None  # DTM*233
    received_on: dt.date | None = None  # DTM*050
    adjustments: tuple[Adjustment835, ...] = ()  # claim-level CAS
    remarks: tuple[str, ...] = ()  # MOA RARCs
    services: tuple[ServicePayment, ...] = ()
    # Where this CLP sits in the file (segment number, ISA = 1): for messages.
    position: int = 0
    crossover_payer_id: str = ""  # NM1*TT NM109 (NM108 says which kind of ID: PI, XV, ...)

    @property
    def adjustment_total(self) -> int:
        return sum(a.amount_cents for a in self.adjustments) + sum(
            s.adjustment_total for s in self.services
        )

    @property
    def is_reversal(self) -> bool:
        return self.status_code == "22"

    @property
    def is_denial(self) -> bool:
        return self.status_code == "4"


@dataclass(frozen=True, slots=True)
class ProviderAdjustment835:
    """One PLB adjustment (a PLB segment carries up to six)."""

    provider_identifier: str  # PLB01
    fiscal_date: dt.date | None  # PLB02
    reason: str  # PLB03-1: L6 interest, WO overpayment recovery, FB forwarding balance, 72 ...
    reference: str  # PLB03-2
    amount_cents: int  # positive: taken from the payment; negative: added (interest)


@dataclass(frozen=True, slots=True)
class Remittance835:
    """One 835 transaction set (ST..SE): one payment (check/EFT) and what it pays for."""

    control_number: str  # ST02
    handling_code: str  # BPR01: I remittance with payment, H notification only, ...
    total_cents: int  # BPR02, signed: negative when BPR03 is D (the provider owes the payer)
    credit_debit: str  # BPR03: C or D
    payment_method: str  # BPR04: ACH, CHK, NON, BOP, FWT
    payment_date: dt.date | None  # BPR16
    trace_number: str  # TRN02: check or EFT number
    payer_identifier: str  # TRN03
    payer_name: str  # N1*PR
    payer_id: str = ""  # N1*PR N104 or REF*2U
    payee_name: str = ""  # N1*PE
    payee_id: str = ""  # N1*PE N104 (NPI with XX, or tax ID with FI)
    payee_id_qualifier: str = ""
    production_date: dt.date | None = None  # DTM*405
    # 1000A: the payer's address and contact (N3/N4, PER*BL technical contact), 1000B: payee's.
    payer_address: tuple[str, str, str, str] = ()  # (line1, city, state, zip)
    payer_contact_phone: str = ""  # PER*BL ... TE
    payer_contact_url: str = ""  # PER*BL ... UR
    payee_address: tuple[str, str, str, str] = ()
    payee_tax_id: str = ""  # REF*TJ
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment835, ...] = ()

    @property
    def plb_total(self) -> int:
        return sum(p.amount_cents for p in self.provider_adjustments)

    @property
    def service_line_count(self) -> int:
        return sum(len(c.services) for c in self.claims)


@dataclass(frozen=True, slots=True)
class Read835:
    """A whole 835 file: its envelope and every remittance (transaction set) in it."""

    interchange_control: str
    sender_id: str
    receiver_id: str
    remittances: tuple[Remittance835, ...]
    warnings: tuple[str, ...] = field(default=())


def balance_problems(r: Remittance835) -> list[str]:
    """Every balancing rule the remittance breaks, in plain words (empty: it balances)."""
    problems: list[str] = []
    for c in r.claims:
        line_cas = 0  # one pass per line: a large file has 20,000+ of them
        for n, s in enumerate(c.services, start=1):
            adjusted = 0
            for a in s.adjustments:
                adjusted += a.amount_cents
            line_cas += adjusted
            if s.charge_cents - s.paid_cents != adjusted:
                problems.append(
                    f"claim {c.patient_control_number} line {n} ({s.code}): charge "
                    f"{_m(s.charge_cents)} - paid {_m(s.paid_cents)} = "
                    f"{_m(s.charge_cents - s.paid_cents)}, but its adjustments add up to "
                    f"{_m(adjusted)}"
                )
        claim_cas = sum(a.amount_cents for a in c.adjustments)
        if c.charge_cents - c.paid_cents != claim_cas + line_cas:
            problems.append(
                f"claim {c.patient_control_number}: charge {_m(c.charge_cents)} - paid "
                f"{_m(c.paid_cents)} = {_m(c.charge_cents - c.paid_cents)}, but its adjustments "
                f"add up to {_m(claim_cas + line_cas)}"
            )
    paid = sum(c.paid_cents for c in r.claims)
    if r.total_cents != paid - r.plb_total:
        problems.append(
            f"payment {r.trace_number}: the total paid {_m(r.total_cents)} is not the claims' "
            f"{_m(paid)} less provider adjustments {_m(r.plb_total)} (= {_m(paid - r.plb_total)})"
        )
    return problems


def _m(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
