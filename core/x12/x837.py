"""The 837P professional claim (005010X222A1): typed claims in, X12 text out.

Pure: frozen dataclasses in, a string out; no database. A service layer fills :class:`Batch837`
from its rows and calls :func:`build_837p` with an :class:`~core.x12.envelope.Envelope` whose
control number it has persisted (ISA13 = GS06 = ST02).

Layout written (one ST/SE for the whole batch; several billing providers, subscribers and payers
share it through the HL tree)::

    ISA GS*HC ST*837 BHT*0019*00*<reference>*<date>*<time>*CH
      1000A NM1*41 PER*IC        1000B NM1*40
      2000A HL*n**20*1 PRV*BI*PXC
        2010AA NM1*85 N3 N4 REF*EI        [2010AB NM1*87 N3 N4 (pay-to address)]
        2000B HL*n*<2000A>*22*0|1 SBR
          2010BA NM1*IL [N3 N4 DMG when the subscriber is the patient]   2010BB NM1*PR
          [2000C HL*n*<2000B>*23*0 PAT  2010CA NM1*QC N3 N4 DMG]   (patient is not the subscriber)
            2300 CLM DTP.. REF*F8 REF*G1 HI  [2310A NM1*DN] [2310B NM1*82 PRV*PE]
                 [2310C NM1*77 N3 N4]  [2320 SBR CAS AMT*D OI  2330A NM1*IL  2330B NM1*PR DTP*573]
              2400 LX SV1 DTP*472 REF*6R  [2430 SVD CAS DTP*573]
    SE GE IEA

Claims are grouped by billing provider, then by subscriber + payer (order of first appearance is
kept). A subscriber whose own claims and whose dependents' claims are in the same batch gets two
2000B loops, so that SBR02 says plainly whether the subscriber is the patient. At most 100 claims
hang from one HL (the guide's repeat limit); more open another HL. One batch is one transaction
set of at most 5,000 claims (the guide's recommended ceiling).

Input that cannot make a valid claim raises :class:`core.errors.ValidationError` naming the claim
by its patient control number. Check the text with ``core.x12.pyx12_check.validate_x12`` before
sending it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from core import codes
from core.errors import ValidationError
from core.x12.envelope import COMPONENT, Envelope, cents_text, clean, d8, decimal_text, wrap

VERSION = "005010X222A1"
MAX_CLAIMS_PER_TRANSACTION = 5000  # the guide's recommended ceiling for one ST/SE
MAX_CLAIMS_PER_HL = 100  # 2300 repeats at most 100 times under one 2000B/2000C
MAX_LINES = 50  # 2400 repeats at most 50 times
MAX_DIAGNOSES = 12
MAX_OTHER_PAYERS = 10  # 2320 repeat
MAX_LINE_ADJUDICATIONS = 15  # 2430 repeat
MAX_CAS_SEGMENTS = 5  # per 2320 or 2430 loop; six adjustments per CAS

PAYER_SEQUENCES = frozenset("ABCDEFGHPSTU")
FILING_INDICATORS = frozenset(
    "11 12 13 14 15 16 17 AM BL CH CI DS FI HM LM MA MB MC OF TV VA WC ZZ".split()
)
PATIENT_RELATIONSHIPS = frozenset("01 19 20 21 39 40 53 G8".split())  # 2000C PAT01
OTHER_SUBSCRIBER_RELATIONSHIPS = PATIENT_RELATIONSHIPS | {"18"}  # 2320 SBR02
FREQUENCIES = frozenset({"1", "7", "8"})
ADJUSTMENT_GROUPS = frozenset({"CO", "CR", "OA", "PI", "PR"})
SEXES = frozenset({"M", "F", "U"})
# 2300 DTP qualifiers ClaimDesk may send as ``other_dates`` (single dates, D8). The accident date
# (439) is left out: it needs the accident details of CLM11, which ClaimDesk does not send.
CLAIM_DATE_QUALIFIERS = frozenset(
    "431 454 304 453 484 455 471 314 360 361 297 296 435 096 090 091 444 050".split()
)


# -- input -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    zip_code: str  # 5 or 9 digits ("12345-6789" is accepted); 9 for billing provider, facility
    line2: str = ""


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A. ``id`` is the sender ID (ISA06/GS02 in the envelope, NM109 here)."""

    name: str
    id: str
    contact_name: str
    phone: str


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B: the clearinghouse or payer that receives the file."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """Loop 2000A/2010AA. An organization, or a person when ``first_name`` is set."""

    name: str  # organization name, or the person's last name
    npi: str
    tax_id: str  # EIN (9 digits, a dash is fine); SSN when ``tax_id_type`` is "SY"
    address: Address
    taxonomy: str = ""  # PRV*BI*PXC, e.g. 207Q00000X
    first_name: str = ""
    tax_id_type: str = "EI"  # EI (employer ID) or SY (social security number)
    pay_to: Address | None = None  # 2010AB, only when payments go to another address

    @property
    def is_person(self) -> bool:
        return bool(self.first_name)


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """A person provider: rendering (2310B) or referring (2310A)."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str = ""
    middle_name: str = ""


Person = ProviderRef


@dataclass(frozen=True, slots=True)
class FacilityRef:
    """Loop 2310C: where the service was rendered, when not at the billing address."""

    name: str
    address: Address  # 9-digit ZIP
    npi: str = ""


@dataclass(frozen=True, slots=True)
class PayerRef:
    name: str
    payer_id: str


@dataclass(frozen=True, slots=True)
class Subscriber:
    """The policy holder (2000B/2010BA), or the holder of another policy (2320/2330A).

    ``relationship`` is the patient's relationship to this subscriber: "18" (self) when the
    subscriber is the patient. In 2000B, when a claim has :class:`PatientData`, the patient's
    own ``relationship`` is sent instead (PAT01); in 2320 this value is SBR02.
    """

    member_id: str
    last_name: str
    first_name: str = ""
    middle_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = "U"  # M, F, U
    address: Address | None = None
    payer_sequence: str = "P"  # SBR01: P primary, S secondary, T tertiary
    relationship: str = "18"
    group_number: str = ""
    filing_indicator: str = "CI"  # SBR09: MB Medicare B, MC Medicaid, CI commercial, BL, HM ...


@dataclass(frozen=True, slots=True)
class PatientData:
    """Loop 2000C/2010CA: only when the patient is not the subscriber."""

    last_name: str
    first_name: str
    date_of_birth: dt.date
    sex: str
    address: Address
    relationship: str = "19"  # 19 child, 01 spouse, 20 employee, 21 unknown, ...
    middle_name: str = ""


class Adjustment(NamedTuple):
    """One CAS adjustment; a plain ``(group, reason, amount_cents)`` tuple works as well."""

    group: str  # CO, PR, OA, PI, CR
    reason: str  # CARC
    amount_cents: int


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """Loop 2430: what a prior payer did with this line (from its 835)."""

    payer_id: str  # must match the payer ID of one of the claim's other payers (2330B)
    paid_cents: int
    adjudication_date: dt.date
    adjustments: tuple[Adjustment | tuple[str, str, int], ...] = ()
    paid_units: int | Decimal | None = None  # default: the line's units


@dataclass(frozen=True, slots=True)
class ServiceLine837:
    procedure_code: str  # CPT or HCPCS
    charge_cents: int
    service_date: dt.date
    pointers: tuple[int, ...] = (1,)  # 1-based, into the claim's diagnoses; at most 4
    units: int | Decimal = 1
    modifiers: tuple[str, ...] = ()
    place_of_service: str = ""  # only when it differs from the claim's
    line_control_number: str = ""  # REF*6R: our claim line id, echoed in the 835
    service_date_end: dt.date | None = None  # a range (RD8) when set
    line_number: int = 0  # LX01; 0 = its position (1, 2, ...)
    adjudications: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayer837:
    """Loops 2320/2330A/2330B: a payer that already adjudicated this claim (secondary claims)."""

    payer: PayerRef
    subscriber: Subscriber  # the holder of that policy; its relationship is sent as SBR02
    sequence: str = "P"  # that payer's responsibility (SBR01)
    filing_indicator: str = "CI"  # SBR09
    paid_cents: int = 0  # AMT*D
    adjustments: tuple[Adjustment | tuple[str, str, int], ...] = ()  # claim-level CAS
    adjudication_date: dt.date | None = None  # DTP*573; required when no line has a 2430
    payer_claim_number: str = ""  # REF*F8 in 2330B: that payer's claim number


@dataclass(frozen=True, slots=True)
class Claim837:
    patient_control_number: str  # CLM01, at most 20 characters, unique per submission
    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: PayerRef
    total_charge_cents: int  # must equal the sum of the line charges
    diagnoses: tuple[str, ...]  # ICD-10-CM, with or without the dot; first is principal
    lines: tuple[ServiceLine837, ...]
    place_of_service: str = "11"
    frequency_code: str = "1"  # 1 original, 7 replacement, 8 void
    payer_claim_number: str = ""  # REF*F8, required for frequency 7 and 8
    prior_authorization: str = ""  # REF*G1
    patient: PatientData | None = None  # None: the subscriber is the patient
    provider_signature: str = "Y"  # CLM06
    assignment: str = "A"  # CLM07: A assigned, B lab services only, C not assigned
    benefits_assigned: str = "Y"  # CLM08: Y, N, W
    release_of_information: str = "Y"  # CLM09: Y, I
    rendering: ProviderRef | None = None  # omitted when it is the billing provider
    referring: ProviderRef | None = None
    facility: FacilityRef | None = None
    onset_date: dt.date | None = None  # DTP*431
    other_dates: tuple[tuple[str, dt.date], ...] = ()  # (DTP01 qualifier, date)
    other_payers: tuple[OtherPayer837, ...] = ()


@dataclass(frozen=True, slots=True)
class Batch837:
    submitter: Submitter
    receiver: Receiver
    claims: tuple[Claim837, ...]
    reference: str = ""  # BHT03; default: the envelope's control number
    transaction_type: str = "CH"  # BHT06: CH chargeable, RP reporting (encounters)


# -- output ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BuiltClaim:
    """Where one claim went: its transaction (ST02) and its segments' numbers in the file.

    ``position`` is the CLM segment's number in the file (ISA = 1, as pyx12 and the reader
    count); ``set_position`` its number inside the transaction (ST = 1, as SE01 counts);
    ``last_position`` the number of the claim's last segment.
    """

    patient_control_number: str
    st02: str
    position: int
    set_position: int
    last_position: int


@dataclass(frozen=True, slots=True)
class Built837:
    text: str
    claims: tuple[BuiltClaim, ...]  # in file order
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def claim(self, patient_control_number: str) -> BuiltClaim | None:
        for c in self.claims:
            if c.patient_control_number == patient_control_number:
                return c
        return None

    def claim_at(self, position: int) -> BuiltClaim | None:
        """The claim whose segments include segment number ``position``, if any."""
        starts = self._starts or tuple(c.position for c in self.claims)
        i = bisect.bisect_right(starts, position) - 1
        if i >= 0 and self.claims[i].position <= position <= self.claims[i].last_position:
            return self.claims[i]
        return None


# -- helpers -----------------------------------------------------------------------------------
E, C = "*", COMPONENT


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _seg(*parts: str) -> str:
    """Join elements with ``*`` and drop trailing empty elements (no empty trailing separators)."""
    n = len(parts)
    while n and not parts[n - 1]:
        n -= 1
    return E.join(parts[:n])


class _Claim:
    """The claim being built: its PCN for messages."""

    __slots__ = ("pcn",)

    def __init__(self, pcn: str) -> None:
        self.pcn = pcn

    def fail(self, message: str) -> ValidationError:
        return ValidationError(f"Claim {self.pcn}: {message}.")


def _text(ctx: _Claim, value: str, what: str, max_len: int) -> str:
    out = clean(value, max_len)
    if not out:
        raise ctx.fail(f"{what} is missing")
    return out


def _ident(ctx: _Claim, value: str, what: str, max_len: int) -> str:
    """An identifier is sent as given (case kept): reject separators rather than change it."""
    value = (value or "").strip()
    if not value:
        raise ctx.fail(f"{what} is missing")
    if clean(value, upper=False) != value:
        raise ctx.fail(f"{what} {value!r} contains characters X12 cannot carry (* : ^ ~)")
    if len(value) > max_len:
        raise ctx.fail(f"{what} {value!r} is longer than {max_len} characters")
    return value


def _npi(ctx: _Claim, npi: str, who: str, cache: dict[str, str | None]) -> str:
    npi = (npi or "").strip()
    if npi not in cache:
        cache[npi] = codes.npi_problem(npi)
    problem = cache[npi]
    if problem:
        raise ctx.fail(f"the {who}'s {problem}")
    return npi


def _taxonomy(ctx: _Claim, code: str, who: str) -> str:
    code = code.strip().upper()
    if not codes.is_taxonomy_format(code):
        raise ctx.fail(f"the {who}'s taxonomy code {code!r} is not a taxonomy code (10 characters)")
    return code


def _address(ctx: _Claim, addr: Address, who: str, *, zip9: bool) -> list[str]:
    """N3 and N4 for ``addr``."""
    line1 = _text(ctx, addr.line1, f"the {who}'s street address", 55)
    line2 = clean(addr.line2, 55)
    city = _text(ctx, addr.city, f"the {who}'s city", 30)
    if len(city) < 2:
        raise ctx.fail(f"the {who}'s city {city!r} is too short")
    try:
        state = codes.normalize_state(addr.state)
        zip_code = codes.normalize_zip(addr.zip_code)
    except ValueError as exc:
        raise ctx.fail(f"the {who}'s {exc}") from None
    if zip9 and len(zip_code) != 9:
        raise ctx.fail(f"the {who}'s ZIP code {addr.zip_code!r} must have 9 digits (ZIP+4)")
    return [_seg("N3", line1, line2), _seg("N4", city, state, zip_code)]


def _sex(ctx: _Claim, sex: str, who: str) -> str:
    value = (sex or "").strip().upper()
    if value not in SEXES:
        raise ctx.fail(f"the {who}'s sex {sex!r} must be M, F or U")
    return value


def _dmg(ctx: _Claim, dob: dt.date | None, sex: str, who: str) -> str:
    if dob is None:
        raise ctx.fail(f"the {who}'s date of birth is missing")
    return _seg("DMG", "D8", d8(dob), _sex(ctx, sex, who))


def _money(ctx: _Claim, cents: object, what: str) -> str:
    if not _is_int(cents):
        raise ctx.fail(f"{what} must be whole cents (an int), not {cents!r}")
    return cents_text(cents)  # type: ignore[arg-type]


def _quantity(ctx: _Claim, value: object, what: str) -> str:
    if _is_int(value):
        number = Decimal(value)  # type: ignore[arg-type]
    elif isinstance(value, Decimal) and value.is_finite():
        number = value
    else:
        raise ctx.fail(f"{what} must be a whole number or a Decimal, not {value!r}")
    if number <= 0:
        raise ctx.fail(f"{what} must be more than zero")
    text = decimal_text(number)
    if len(text.replace(".", "")) > 15:
        raise ctx.fail(f"{what} {text} has too many digits")
    return text


def _cas(ctx: _Claim, adjustments: Iterable[Sequence[object]], where: str) -> tuple[list[str], int]:
    """CAS segments (adjustments of one group share a segment, six at most) and their sum."""
    by_group: dict[str, list[tuple[str, str]]] = {}
    total = 0
    for adj in adjustments:
        if len(adj) < 3:
            raise ctx.fail(f"an adjustment in {where} needs a group, a reason and an amount")
        group = str(adj[0]).strip().upper()
        reason = str(adj[1]).strip().upper()
        amount = adj[2]
        if group not in ADJUSTMENT_GROUPS:
            raise ctx.fail(
                f"adjustment group {group!r} in {where} must be one of "
                f"{', '.join(sorted(ADJUSTMENT_GROUPS))}"
            )
        if not (1 <= len(reason) <= 5 and reason.isalnum()):
            raise ctx.fail(f"adjustment reason {reason!r} in {where} is not a reason code")
        text = _money(ctx, amount, f"the {group}-{reason} adjustment amount in {where}")
        total += amount  # type: ignore[operator]
        by_group.setdefault(group, []).append((reason, text))
    out: list[str] = []
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", group]
            for reason, text in items[i : i + 6]:
                parts += [reason, text, ""]
            out.append(_seg(*parts))
    if len(out) > MAX_CAS_SEGMENTS:
        raise ctx.fail(f"{where} has more adjustments than five CAS segments can carry")
    return out, total


def _flag(ctx: _Claim, value: str, allowed: str, what: str) -> str:
    value = (value or "").strip().upper()
    if value not in allowed.split():
        raise ctx.fail(f"{what} {value!r} must be one of {allowed.replace(' ', ', ')}")
    return value


def _filing(ctx: _Claim, value: str, who: str) -> str:
    value = (value or "").strip().upper()
    if value not in FILING_INDICATORS:
        raise ctx.fail(f"the {who}'s claim filing indicator {value!r} is not a known code")
    return value


def _sequence(ctx: _Claim, value: str, who: str) -> str:
    value = (value or "").strip().upper()
    if value not in PAYER_SEQUENCES:
        raise ctx.fail(f"the {who}'s payer responsibility {value!r} must be P, S, T (or A-H, U)")
    return value


# -- the parts of the file ---------------------------------------------------------------------
def _provider_segments(ctx: _Claim, p: BillingProvider, npis: dict[str, str | None]) -> list[str]:
    """2000A after its HL: PRV, 2010AA, 2010AB."""
    out: list[str] = []
    if p.taxonomy:
        out.append(_seg("PRV", "BI", "PXC", _taxonomy(ctx, p.taxonomy, "billing provider")))
    npi = _npi(ctx, p.npi, "billing provider", npis)
    name = _text(ctx, p.name, "the billing provider's name", 60)
    if p.is_person:
        first = _text(ctx, p.first_name, "the billing provider's first name", 35)
        out.append(_seg("NM1", "85", "1", name, first, "", "", "", "XX", npi))
    else:
        out.append(_seg("NM1", "85", "2", name, "", "", "", "", "XX", npi))
    out += _address(ctx, p.address, "billing provider", zip9=True)
    if p.tax_id_type not in ("EI", "SY"):
        raise ctx.fail(f"the billing provider's tax ID type {p.tax_id_type!r} must be EI or SY")
    try:
        tax_id = codes.normalize_tax_id(p.tax_id)
    except ValueError as exc:
        raise ctx.fail(f"the billing provider's {exc}") from None
    out.append(_seg("REF", p.tax_id_type, tax_id))
    if p.pay_to is not None:
        out.append(_seg("NM1", "87", "2"))
        out += _address(ctx, p.pay_to, "pay-to address", zip9=False)
    return out


def _person_nm1(ctx: _Claim, entity: str, s: Subscriber, who: str) -> str:
    last = _text(ctx, s.last_name, f"the {who}'s last name", 60)
    first = clean(s.first_name, 35)
    middle = clean(s.middle_name, 25)
    member = _ident(ctx, s.member_id, f"the {who}'s member ID", 80)
    return _seg("NM1", entity, "1", last, first, middle, "", "", "MI", member)


def _payer_nm1(ctx: _Claim, p: PayerRef, who: str) -> str:
    name = _text(ctx, p.name, f"the {who}'s name", 60)
    payer_id = _ident(ctx, p.payer_id, f"the {who}'s payer ID", 80)
    return _seg("NM1", "PR", "2", name, "", "", "", "", "PI", payer_id)


def _subscriber_segments(
    ctx: _Claim, s: Subscriber, payer: PayerRef, is_patient: bool
) -> list[str]:
    """2000B after its HL: SBR, 2010BA, 2010BB."""
    seq = _sequence(ctx, s.payer_sequence, "subscriber")
    filing = _filing(ctx, s.filing_indicator, "subscriber")
    group = _ident(ctx, s.group_number, "group number", 50) if s.group_number.strip() else ""
    if is_patient and s.relationship.strip() != "18":
        raise ctx.fail(
            f"the patient's relationship to the subscriber is {s.relationship!r}, but no patient "
            "details were given (a patient who is not the subscriber needs a name, birth date "
            "and address)"
        )
    out = [_seg("SBR", seq, "18" if is_patient else "", group, "", "", "", "", "", filing)]
    out.append(_person_nm1(ctx, "IL", s, "subscriber"))
    if is_patient:
        if s.address is None:
            raise ctx.fail("the subscriber (who is the patient) has no address")
        out += _address(ctx, s.address, "subscriber", zip9=False)
        out.append(_dmg(ctx, s.date_of_birth, s.sex, "subscriber"))
    out.append(_payer_nm1(ctx, payer, "payer"))
    return out


def _patient_segments(ctx: _Claim, p: PatientData) -> list[str]:
    """2000C after its HL: PAT, 2010CA."""
    rel = (p.relationship or "").strip()
    if rel not in PATIENT_RELATIONSHIPS:
        raise ctx.fail(
            f"the patient's relationship to the subscriber {rel!r} must be one of "
            f"{', '.join(sorted(PATIENT_RELATIONSHIPS))} (18 'self' means no separate patient)"
        )
    last = _text(ctx, p.last_name, "the patient's last name", 60)
    first = _text(ctx, p.first_name, "the patient's first name", 35)
    out = [_seg("PAT", rel), _seg("NM1", "QC", "1", last, first, clean(p.middle_name, 25))]
    out += _address(ctx, p.address, "patient", zip9=False)
    out.append(_dmg(ctx, p.date_of_birth, p.sex, "patient"))
    return out


def _provider_nm1(
    ctx: _Claim, entity: str, p: ProviderRef, who: str, npis: dict[str, str | None]
) -> str:
    last = _text(ctx, p.last_name, f"the {who}'s last name", 60)
    first = clean(p.first_name, 35)
    npi = _npi(ctx, p.npi, who, npis)
    return _seg("NM1", entity, "1", last, first, clean(p.middle_name, 25), "", "", "XX", npi)


def _diagnoses(ctx: _Claim, diagnoses: Sequence[str]) -> str:
    if not diagnoses:
        raise ctx.fail("there is no diagnosis; a claim needs at least one ICD-10-CM code")
    if len(diagnoses) > MAX_DIAGNOSES:
        raise ctx.fail(f"it has {len(diagnoses)} diagnoses; a claim can carry at most 12")
    parts = ["HI"]
    seen: set[str] = set()
    for i, code in enumerate(diagnoses):
        compact = codes.compact_code(code or "")
        if not codes.is_icd10_format(compact):
            raise ctx.fail(f"diagnosis {code!r} is not an ICD-10-CM code")
        if compact in seen:
            raise ctx.fail(f"diagnosis {codes.normalize_icd10(compact)} is listed twice")
        seen.add(compact)
        parts.append(("ABK" if i == 0 else "ABF") + C + compact)
    return E.join(parts)


def _claim_dates(ctx: _Claim, claim: Claim837) -> list[str]:
    dates = list(claim.other_dates)
    if claim.onset_date is not None:
        dates.insert(0, ("431", claim.onset_date))
    out: list[str] = []
    used: set[str] = set()
    for qual, day in dates:
        qual = str(qual).strip()
        if qual not in CLAIM_DATE_QUALIFIERS:
            raise ctx.fail(f"claim date qualifier {qual!r} is not one ClaimDesk can send")
        if not isinstance(day, dt.date):
            raise ctx.fail(f"claim date {qual} is not a date")
        if qual in used:
            raise ctx.fail(f"claim date {qual} is given twice")
        used.add(qual)
        out.append(_seg("DTP", qual, "D8", d8(day)))
    return out


def _procedure(ctx: _Claim, line: ServiceLine837, n: int) -> str:
    """The SV101/SVD03 composite: HC:<code>[:<modifier>...]."""
    code = (line.procedure_code or "").strip().upper()
    if codes.procedure_kind(code) is None:
        raise ctx.fail(f"line {n}: procedure {line.procedure_code!r} is not a CPT or HCPCS code")
    if len(line.modifiers) > 4:
        raise ctx.fail(f"line {n} has {len(line.modifiers)} modifiers; at most 4 are allowed")
    parts = ["HC", code]
    for mod in line.modifiers:
        mod = (mod or "").strip().upper()
        if not codes.is_modifier_format(mod):
            raise ctx.fail(f"line {n}: modifier {mod!r} is not a modifier (2 letters or digits)")
        parts.append(mod)
    return C.join(parts)


def _other_payer_segments(
    ctx: _Claim, claim: Claim837, o: OtherPayer837, k: int, line_cas_total: int, has_lines: bool
) -> list[str]:
    """2320, 2330A, 2330B for one other payer."""
    who = f"other payer {k}"
    seq = _sequence(ctx, o.sequence, who)
    filing = _filing(ctx, o.filing_indicator, who)
    rel = (o.subscriber.relationship or "").strip()
    if rel not in OTHER_SUBSCRIBER_RELATIONSHIPS:
        raise ctx.fail(f"the patient's relationship to {who}'s subscriber {rel!r} is not a code")
    s = o.subscriber
    group = _ident(ctx, s.group_number, f"{who}'s group number", 50) if s.group_number else ""
    out = [_seg("SBR", seq, rel, group, "", "", "", "", "", filing)]
    cas, cas_total = _cas(ctx, o.adjustments, f"{who}'s claim adjustments")
    out += cas
    paid = _money(ctx, o.paid_cents, f"{who}'s paid amount")
    out.append(_seg("AMT", "D", paid))
    # Claim balancing (the guide's COB rule): charge = paid + claim CAS + line CAS.
    if o.paid_cents + cas_total + line_cas_total != claim.total_charge_cents:
        raise ctx.fail(
            f"{who}'s amounts do not balance: paid {cents_text(o.paid_cents)} + adjustments "
            f"{cents_text(cas_total + line_cas_total)} must equal the claim's charge "
            f"{cents_text(claim.total_charge_cents)}"
        )
    benefits, release = claim.benefits_assigned.strip(), claim.release_of_information.strip()
    out.append(f"OI***{benefits.upper()}***{release.upper()}")
    out.append(_person_nm1(ctx, "IL", s, f"{who}'s subscriber"))
    if s.address is not None:
        out += _address(ctx, s.address, f"{who}'s subscriber", zip9=False)
    out.append(_payer_nm1(ctx, o.payer, who))
    if o.adjudication_date is not None:
        out.append(_seg("DTP", "573", "D8", d8(o.adjudication_date)))
    elif not has_lines:
        raise ctx.fail(
            f"{who} needs its adjudication date when no line carries its line adjudication"
        )
    if o.payer_claim_number.strip():
        number = _ident(ctx, o.payer_claim_number, f"{who}'s claim number", 50)
        out.append(_seg("REF", "F8", number))
    return out


def _claim_segments(claim: Claim837, npis: dict[str, str | None]) -> list[str]:
    """2300 and everything under it, validated."""
    pcn = claim.patient_control_number
    ctx = _Claim(pcn)
    charge = _money(ctx, claim.total_charge_cents, "the total charge")
    pos = (claim.place_of_service or "").strip()
    if not codes.is_pos_format(pos):
        raise ctx.fail(f"place of service {claim.place_of_service!r} must be two digits")
    freq = (claim.frequency_code or "").strip()
    if freq not in FREQUENCIES:
        raise ctx.fail(f"frequency code {freq!r} must be 1 (original), 7 (replacement) or 8 (void)")
    signature = _flag(ctx, claim.provider_signature, "Y N", "the provider signature flag (CLM06)")
    assignment = _flag(ctx, claim.assignment, "A B C", "the assignment code (CLM07)")
    benefits = _flag(ctx, claim.benefits_assigned, "Y N W", "the benefits assignment (CLM08)")
    release = _flag(ctx, claim.release_of_information, "Y I", "the release of information (CLM09)")
    clm05 = f"{pos}{C}B{C}{freq}"
    out = [f"CLM*{pcn}*{charge}***{clm05}*{signature}*{assignment}*{benefits}*{release}"]
    out += _claim_dates(ctx, claim)
    if freq in ("7", "8"):
        if not claim.payer_claim_number.strip():
            kind = "a replacement (7)" if freq == "7" else "a void (8)"
            raise ctx.fail(f"it is {kind} but has no payer claim number (REF*F8)")
        number = _ident(ctx, claim.payer_claim_number, "payer claim number", 50)
        out.append(_seg("REF", "F8", number))
    if claim.prior_authorization.strip():
        auth = _ident(ctx, claim.prior_authorization, "prior authorization number", 50)
        out.append(_seg("REF", "G1", auth))
    out.append(_diagnoses(ctx, claim.diagnoses))
    n_dx = len(claim.diagnoses)

    if claim.referring is not None:
        out.append(_provider_nm1(ctx, "DN", claim.referring, "referring provider", npis))
    r = claim.rendering
    if r is not None and r.npi.strip() != claim.billing_provider.npi.strip():
        out.append(_provider_nm1(ctx, "82", r, "rendering provider", npis))
        if r.taxonomy:
            out.append(_seg("PRV", "PE", "PXC", _taxonomy(ctx, r.taxonomy, "rendering provider")))
    f = claim.facility
    if f is not None:
        name = _text(ctx, f.name, "the service facility's name", 60)
        if f.npi.strip():
            npi = _npi(ctx, f.npi, "service facility", npis)
            out.append(_seg("NM1", "77", "2", name, "", "", "", "", "XX", npi))
        else:
            out.append(_seg("NM1", "77", "2", name))
        out += _address(ctx, f.address, "service facility", zip9=True)

    # Lines first (validated, and their adjudications summed per payer for balancing).
    lines = claim.lines
    if not lines:
        raise ctx.fail("it has no service lines")
    if len(lines) > MAX_LINES:
        raise ctx.fail(f"it has {len(lines)} service lines; a claim can carry at most 50")
    others = claim.other_payers
    if len(others) > MAX_OTHER_PAYERS:
        raise ctx.fail(f"it names {len(others)} other payers; at most 10 are allowed")
    other_ids = {o.payer.payer_id.strip(): k for k, o in enumerate(others, start=1)}
    line_cas = dict.fromkeys(other_ids, 0)
    line_seen = dict.fromkeys(other_ids, False)
    line_segs: list[str] = []
    total = 0
    for n, line in enumerate(lines, start=1):
        if line.line_number and line.line_number != n:
            raise ctx.fail(f"line numbers must run 1, 2, 3 ...; line {n} says {line.line_number}")
        proc = _procedure(ctx, line, n)
        line_charge = _money(ctx, line.charge_cents, f"line {n}'s charge")
        if line.charge_cents < 0:
            raise ctx.fail(f"line {n}'s charge is negative")
        total += line.charge_cents
        units = _quantity(ctx, line.units, f"line {n}'s units")
        line_pos = (line.place_of_service or "").strip()
        if line_pos and not codes.is_pos_format(line_pos):
            raise ctx.fail(f"line {n}: place of service {line_pos!r} must be two digits")
        if line_pos == pos:
            line_pos = ""
        pointers = line.pointers
        if not pointers or len(pointers) > 4:
            raise ctx.fail(f"line {n} needs 1 to 4 diagnosis pointers, it has {len(pointers)}")
        for p in pointers:
            if not _is_int(p) or not 1 <= p <= n_dx:
                raise ctx.fail(
                    f"line {n}: diagnosis pointer {p!r} points past the claim's {n_dx} "
                    f"diagnos{'is' if n_dx == 1 else 'es'}"
                )
        if len(set(pointers)) != len(pointers):
            raise ctx.fail(f"line {n} lists the same diagnosis pointer twice")
        line_segs.append(f"LX*{n}")
        sv107 = C.join(str(p) for p in pointers)
        line_segs.append(_seg("SV1", proc, line_charge, "UN", units, line_pos, "", sv107))
        end = line.service_date_end
        if end is not None and end != line.service_date:
            if end < line.service_date:
                raise ctx.fail(f"line {n}'s service dates end before they begin")
            line_segs.append(f"DTP*472*RD8*{d8(line.service_date)}-{d8(end)}")
        else:
            line_segs.append(f"DTP*472*D8*{d8(line.service_date)}")
        if line.line_control_number:
            control = _ident(ctx, line.line_control_number, f"line {n}'s control number", 50)
            line_segs.append(f"REF*6R*{control}")
        if len(line.adjudications) > MAX_LINE_ADJUDICATIONS:
            raise ctx.fail(f"line {n} has more than 15 prior-payer adjudications")
        for adj in line.adjudications:
            payer_id = (adj.payer_id or "").strip()
            if payer_id not in other_ids:
                raise ctx.fail(
                    f"line {n} has an adjudication from payer {payer_id!r}, which is not one of "
                    "the claim's other payers"
                )
            paid = _money(ctx, adj.paid_cents, f"line {n}'s paid amount")
            paid_units = _quantity(
                ctx,
                line.units if adj.paid_units is None else adj.paid_units,
                f"line {n}'s paid units",
            )
            where = f"line {n}'s adjustments from {payer_id}"
            cas, cas_total = _cas(ctx, adj.adjustments, where)
            if adj.paid_cents + cas_total != line.charge_cents:
                raise ctx.fail(
                    f"line {n} does not balance for payer {payer_id}: paid {paid} + adjustments "
                    f"{cents_text(cas_total)} must equal the line charge {line_charge}"
                )
            line_cas[payer_id] += cas_total
            line_seen[payer_id] = True
            line_segs.append(_seg("SVD", payer_id, paid, proc, "", paid_units))
            line_segs += cas
            line_segs.append(f"DTP*573*D8*{d8(adj.adjudication_date)}")
    if total != claim.total_charge_cents:
        raise ctx.fail(
            f"the total charge {charge} is not the sum of its line charges ({cents_text(total)})"
        )

    seq = claim.subscriber.payer_sequence.strip().upper()
    if seq not in ("P", "U") and not others:
        raise ctx.fail(
            "it is billed to a secondary or later payer but carries no other payer's "
            "adjudication (the primary payer's payment and adjustments)"
        )
    for k, o in enumerate(others, start=1):
        pid = o.payer.payer_id.strip()
        if other_ids.get(pid) != k:
            raise ctx.fail(f"other payer {pid!r} is listed twice")
        if pid == claim.payer.payer_id.strip():
            raise ctx.fail(f"other payer {pid!r} is the payer this claim is sent to")
        out += _other_payer_segments(ctx, claim, o, k, line_cas[pid], line_seen[pid])
    out += line_segs
    return out


def _chunks(items: list[Claim837], size: int) -> Iterable[list[Claim837]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- the file ----------------------------------------------------------------------------------
def _header(batch: Batch837, envelope: Envelope) -> list[str]:
    """BHT, 1000A and 1000B."""
    sub = batch.submitter
    sub_name = clean(sub.name, 60)
    contact = clean(sub.contact_name, 60)
    if not sub_name or not contact:
        raise ValidationError("The submitter's name and contact name are required.")
    try:
        phone = codes.normalize_phone(sub.phone)
    except ValueError as exc:
        raise ValidationError(f"The submitter's {exc}.") from None
    sub_id = clean(sub.id, 80, upper=False)
    rec_name, rec_id = clean(batch.receiver.name, 60), clean(batch.receiver.id, 80, upper=False)
    if not sub_id or not rec_name or not rec_id:
        raise ValidationError("The submitter's ID and the receiver's name and ID are required.")
    kind = batch.transaction_type.strip().upper()
    if kind not in ("CH", "RP"):
        raise ValidationError(f"The transaction type {kind!r} must be CH (claims) or RP.")
    reference = clean(batch.reference, 50, upper=False) or str(envelope.control_number)
    created = envelope.created_at
    return [
        f"BHT*0019*00*{reference}*{d8(created.date())}*{created.strftime('%H%M')}*{kind}",
        f"NM1*41*2*{sub_name}*****46*{sub_id}",
        f"PER*IC*{contact}*TE*{phone}",
        f"NM1*40*2*{rec_name}*****46*{rec_id}",
    ]


def build_837p(batch: Batch837, envelope: Envelope) -> Built837:
    """The 837P file for ``batch`` (one transaction set), and where each claim went in it.

    Raises :class:`ValidationError` naming the claim (its patient control number) when the input
    cannot make a valid claim.
    """
    claims = batch.claims
    if not claims:
        raise ValidationError("The batch holds no claims; there is nothing to send.")
    if len(claims) > MAX_CLAIMS_PER_TRANSACTION:
        raise ValidationError(
            f"The batch holds {len(claims)} claims; send at most "
            f"{MAX_CLAIMS_PER_TRANSACTION} in one file."
        )
    body = _header(batch, envelope)

    # Group: billing provider -> (subscriber, payer, subscriber is patient) -> claims.
    tree: dict[BillingProvider, dict[tuple[Subscriber, PayerRef, bool], list[Claim837]]] = {}
    seen: set[str] = set()
    for claim in claims:
        pcn = claim.patient_control_number
        if not isinstance(pcn, str) or not pcn.strip():
            raise ValidationError("A claim has no patient control number (CLM01).")
        ctx = _Claim(pcn)
        if pcn != pcn.strip() or clean(pcn, upper=False) != pcn:
            raise ctx.fail("its patient control number has spaces at the ends or X12 separators")
        if len(pcn) > 20:
            raise ctx.fail("its patient control number is longer than 20 characters")
        if pcn in seen:
            raise ctx.fail("its patient control number appears twice in the batch")
        seen.add(pcn)
        key = (claim.subscriber, claim.payer, claim.patient is None)
        tree.setdefault(claim.billing_provider, {}).setdefault(key, []).append(claim)

    npis: dict[str, str | None] = {}
    placed: list[tuple[str, int, int]] = []  # (pcn, first body index, last body index)
    hl = 0

    def add_claims(group: list[Claim837]) -> None:
        for c in group:
            start = len(body)
            body.extend(_claim_segments(c, npis))
            placed.append((c.patient_control_number, start, len(body) - 1))

    for provider, groups in tree.items():
        first = next(iter(groups.values()))[0]
        provider_segs = _provider_segments(_Claim(first.patient_control_number), provider, npis)
        hl += 1
        provider_hl = hl
        body.append(f"HL*{provider_hl}**20*1")
        body.extend(provider_segs)
        for (subscriber, payer, is_patient), group in groups.items():
            ctx = _Claim(group[0].patient_control_number)
            sub_segs = _subscriber_segments(ctx, subscriber, payer, is_patient)
            if is_patient:
                for chunk in _chunks(group, MAX_CLAIMS_PER_HL):
                    hl += 1
                    body.append(f"HL*{hl}*{provider_hl}*22*0")
                    body.extend(sub_segs)
                    add_claims(chunk)
                continue
            by_patient: dict[PatientData, list[Claim837]] = {}
            for c in group:
                by_patient.setdefault(c.patient, []).append(c)  # type: ignore[arg-type]
            hl += 1
            subscriber_hl = hl
            body.append(f"HL*{subscriber_hl}*{provider_hl}*22*1")
            body.extend(sub_segs)
            for patient, pclaims in by_patient.items():
                patient_segs = _patient_segments(_Claim(pclaims[0].patient_control_number), patient)
                for chunk in _chunks(pclaims, MAX_CLAIMS_PER_HL):
                    hl += 1
                    body.append(f"HL*{hl}*{subscriber_hl}*23*0")
                    body.extend(patient_segs)
                    add_claims(chunk)

    text = wrap(envelope, "HC", "837", VERSION, body)
    st02 = envelope.st02
    # Body index i is segment number 4 + i in the file (ISA, GS, ST come first), 2 + i in the set.
    built = tuple(
        BuiltClaim(pcn, st02, 4 + first, 2 + first, 4 + last) for pcn, first, last in placed
    )
    return Built837(text=text, claims=built, _starts=tuple(c.position for c in built))
