"""The claim scrubber: plain rules that read a claim's facts and say what would go wrong.

Pure code: no database, no I/O. ``core.services.scrub`` gathers the facts of many claims at once
(:class:`ClaimFacts`), :func:`scrub` runs every rule of :data:`RULES` on one claim, and the
service stores the :class:`Finding` list.

Each finding has a stable ``rule_id``, a ``severity``, a ``message`` a new biller understands
(naming the line, code or field), a ``fix_hint`` and the ``source`` of the rule:

- ``"5010 guide"``: the 837P implementation guide (005010X222A1) requires it; a clearinghouse
  or payer rejects the file or the claim without it.
- ``"CMS"``: Medicare rules published by CMS (ICD-10-CM validity, NCCI, MUE, E/M with modifier
  25); most payers apply them too.
- ``"payer"``: the payer's own rules as set up in ClaimDesk (timely filing, authorizations).
- ``"practice"``: the office's own checks.

Severity:

- ``"error"`` blocks submission and cannot be overridden: the claim would be rejected or the
  line denied for certain, and the fix is in our data.
- ``"warning"`` blocks until a biller overrides it with a reason (which is logged): the claim
  is probably wrong but there are real cases where it is right, and only a person who read the
  note can tell. Each rule's docstring says which it uses and why.

Speed matters (a batch scrubs thousands of claims a second): rules use module-level sets and
compiled patterns, and never look anything up outside the facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from core import codes as C
from core.money import Money

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

GUIDE = "5010 guide"
CMS = "CMS"
PAYER = "payer"
PRACTICE = "practice"
SOURCES = (GUIDE, CMS, PAYER, PRACTICE)

MAX_DIAGNOSES = 12  # HI segments of the 837P: 1 principal + 11 others
MAX_LINES = 50  # loop 2400 repeats at most 50 times
MAX_PCN = 20  # CLM01
TIMELY_WARNING_DAYS = 14  # warn when the filing deadline is this close


# -- facts ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BillingFacts:
    """The billing provider (loop 2010AA): the practice."""

    name: str = ""
    npi: str = ""
    taxonomy: str = ""
    tax_id: str = ""
    address_line1: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


@dataclass(frozen=True, slots=True)
class FacilityFacts:
    """The service facility (loop 2310C), when the visit was not at the billing address."""

    name: str = ""
    npi: str | None = None
    zip_code: str = ""


@dataclass(frozen=True, slots=True)
class PayerFacts:
    payer_id: str = ""  # NM109 of 2010BB
    name: str = ""
    timely_filing_days: int | None = None
    # Codes this payer wants a prior authorization for: "97110" or prefixes "97*".
    auth_required: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """The subscriber (2010BA) or the patient (2010CA)."""

    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str | None = None
    member_id: str = ""  # the subscriber's only
    relationship_code: str = "18"  # the patient's relationship to the subscriber
    zip_code: str = ""


@dataclass(frozen=True, slots=True)
class DxFacts:
    """One diagnosis of the claim, with what the ICD-10-CM code set says about it."""

    position: int  # 1 = principal
    code: str  # with the dot: E11.9
    known: bool = True  # in the code set at all
    billable: bool = True  # a leaf code (a category such as E11 is not)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sex: str | None = None  # fits only this sex
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True, slots=True)
class LineFacts:
    number: int
    code: str
    units: int
    charge_cents: int
    date: dt.date
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)
    known: bool = True  # the CPT/HCPCS code is in the code set
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AuthFacts:
    """The prior authorization the visit uses. Unknown parts (a number typed without a
    record) are None/empty and not checked."""

    number: str
    codes: tuple[str, ...] = ()
    units_approved: int | None = None
    units_used: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class NcciPair:
    """An NCCI procedure-to-procedure edit: column 2 is not paid with column 1 on one day.

    In effect from ``effective_from`` up to the day before ``deleted_on`` (a pair deleted
    retroactively has ``deleted_on == effective_from`` and never applies).
    """

    column1: str
    column2: str
    modifier_indicator: str  # "0" no modifier allowed, "1" allowed, "9" not applicable
    effective_from: dt.date
    deleted_on: dt.date | None = None
    rationale: str = ""

    def in_effect(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.deleted_on is None or day < self.deleted_on)


@dataclass(frozen=True, slots=True)
class MueLimit:
    """A medically unlikely edit: at most ``max_units`` of ``code`` per line (MAI 1) or per
    patient per day (MAI 2 policy, MAI 3 clinical)."""

    code: str
    max_units: int
    mai: str | None = None
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """Everything the rules need to know about one claim (gathered in bulk from the DB)."""

    claim_id: int
    pcn: str
    today: dt.date
    date_of_service: dt.date
    place_of_service: str
    total_charge_cents: int
    billing: BillingFacts
    payer: PayerFacts
    subscriber: PersonFacts
    patient: PersonFacts
    frequency_code: str = "1"
    payer_claim_number: str | None = None
    rendering_npi: str | None = None
    referring_npi: str | None = None
    facility: FacilityFacts | None = None
    diagnoses: tuple[DxFacts, ...] = ()
    lines: tuple[LineFacts, ...] = ()
    authorization: AuthFacts | None = None
    # Other claims (their PCNs) for the same patient, date, code and payer, that are neither
    # void nor corrected nor the claim this one replaces.
    duplicates: tuple[str, ...] = ()
    ncci_pairs: tuple[NcciPair, ...] = ()  # pairs among this claim's codes
    mue: Mapping[str, MueLimit] = field(default_factory=dict)  # by code
    # The code sets of modifiers and places of service; empty = not loaded, not checked.
    valid_modifiers: frozenset[str] = frozenset()
    valid_pos: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    fix_hint: str
    source: str
    line_number: int = 0  # 0 = the whole claim
    overridden: bool = False  # a biller acknowledged this warning (see override_reason)
    override_reason: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What an override is recorded against."""
        return (self.rule_id, self.line_number)

    @property
    def blocks(self) -> bool:
        """Errors always block; a warning blocks until it is overridden."""
        return self.severity == ERROR or not self.overridden


Rule = Callable[[ClaimFacts], Iterable[Finding]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a rule in :data:`RULES` (in definition order, which is the report order)."""
    RULES.append(fn)
    return fn


def scrub(facts: ClaimFacts) -> list[Finding]:
    """Every finding of every rule: errors first, then warnings; claim-level before lines,
    lines in order; ties keep the order of :data:`RULES`."""
    found: list[Finding] = []
    for check in RULES:
        found.extend(check(facts))
    found.sort(key=_order)
    return found


def _order(finding: Finding) -> tuple[bool, int]:
    return (finding.severity != ERROR, finding.line_number)


def apply_overrides(
    findings: Iterable[Finding], overrides: Mapping[tuple[str, int], str]
) -> list[Finding]:
    """Mark the warnings a biller overrode (``overrides``: (rule_id, line) -> reason).
    Errors are never marked, even when an old override matches their key."""
    out = []
    for f in findings:
        reason = overrides.get(f.key) if f.severity == WARNING else None
        out.append(replace(f, overridden=True, override_reason=reason) if reason else f)
    return out


def blocking(
    findings: Iterable[Finding], overrides: Collection[tuple[str, int]] = ()
) -> list[Finding]:
    """The findings that keep a claim from being batched: every error, and every warning that
    is neither marked overridden nor has its (rule_id, line_number) in ``overrides``."""
    return [f for f in findings if f.severity == ERROR or not (f.overridden or f.key in overrides)]


# -- helpers ----------------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def _npi_problem(npi: str) -> str | None:
    return C.npi_problem(npi)


@lru_cache(maxsize=4096)
def _zip_digits(text: str) -> str | None:
    try:
        return C.normalize_zip(text)
    except ValueError:
        return None


_TAX_ID = re.compile(r"^[0-9]{9}$")
_DIGITS = re.compile(r"[\s-]")


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years from ``born`` to ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _d(day: dt.date) -> str:
    return f"{day:%m/%d/%Y}"


def _money(cents: int) -> str:
    return Money(cents).format()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _dx_count(n: int) -> str:
    return "1 diagnosis" if n == 1 else f"{n} diagnoses"


def _line(line: LineFacts) -> str:
    return f"Line {line.number} ({line.code})"


def _names(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _f(
    rule_id: str, severity: Severity, message: str, fix: str, source: str, line: int = 0
) -> Finding:
    return Finding(rule_id, severity, message, fix, source, line)


# -- E/M and procedures -----------------------------------------------------------------------
# Evaluation and management codes (CPT): office/outpatient 99202-99215, consultations
# 99242-99245 and 99252-99255, hospital inpatient/observation 99221-99239, emergency department
# 99281-99285, critical care 99291-99292, nursing facility 99304-99316, home/residence
# 99341-99350, preventive medicine 99381-99397, and preventive counselling 99401-99404.
_EM_RANGES = (
    (99202, 99215),
    (99221, 99223),
    (99231, 99239),
    (99242, 99245),
    (99252, 99255),
    (99281, 99285),
    (99291, 99292),
    (99304, 99316),
    (99341, 99350),
    (99381, 99397),
    (99401, 99404),
)
EM_CODES = frozenset(str(n) for lo, hi in _EM_RANGES for n in range(lo, hi + 1))

# "Procedures" for the E/M-with-modifier-25 rule: the CPT surgery section (10004-69990), whose
# codes carry a global surgical period that includes the day's E/M unless it is separately
# identifiable, plus the therapeutic injections 96372-96374 that NCCI bundles with an E/M the
# same way. Left out: specimen collection with no global period (venipuncture 36415 and 36416,
# blood draw from a catheter or port 36591 and 36592), which is billed with an office visit
# without any modifier.
_NOT_PROCEDURES = frozenset({"36415", "36416", "36591", "36592"})
_EXTRA_PROCEDURES = frozenset({"96372", "96373", "96374"})


@lru_cache(maxsize=8192)
def is_procedure(code: str) -> bool:
    """True for a minor or major procedure that bundles a same-day E/M (see above)."""
    if code in _EXTRA_PROCEDURES:
        return True
    if code in _NOT_PROCEDURES or len(code) != 5 or not code.isdigit():
        return False
    return 10004 <= int(code) <= 69990


# NCCI-associated modifiers that let a column 2 code be paid with column 1 when the modifier
# indicator is 1: distinct service (59, XE, XS, XP, XU), repeat lab test (91), E/M modifiers
# (24, 25, 27, 57), global surgery modifiers (58, 78, 79), and anatomic modifiers when the
# two lines name different sites.
_DISTINCT_MODIFIERS = frozenset("59 XE XS XP XU 91 24 25 27 57 58 78 79".split())
_ANATOMIC_MODIFIERS = frozenset(
    "E1 E2 E3 E4 FA F1 F2 F3 F4 F5 F6 F7 F8 F9 TA T1 T2 T3 T4 T5 T6 T7 T8 T9 "
    "LT RT LC LD LM RC RI".split()
)


def _ncci_bypassed(col1: LineFacts, col2: LineFacts) -> bool:
    if _DISTINCT_MODIFIERS.intersection(col1.modifiers) or _DISTINCT_MODIFIERS.intersection(
        col2.modifiers
    ):
        return True
    sites2 = _ANATOMIC_MODIFIERS.intersection(col2.modifiers)
    return bool(sites2) and not sites2 <= _ANATOMIC_MODIFIERS.intersection(col1.modifiers)


def _is_category_ii(code: str) -> bool:
    """CPT Category II (performance measurement) codes end in F and may be billed at $0."""
    return len(code) == 5 and code.endswith("F") and code[:4].isdigit()


# -- rules: the billing provider (5010 guide) -------------------------------------------------
@rule
def billing_provider(f: ClaimFacts) -> Iterator[Finding]:
    """Loop 2010AA needs the billing provider's name, a valid NPI (10 digits, Luhn check digit
    over 80840 + the first nine), a taxonomy code (PRV), the tax ID (REF*EI, 9 digits) and a
    street address with a 9-digit ZIP. Errors: the clearinghouse rejects the file without them.
    """
    b = f.billing
    fix_setup = "Fix it in Setup > Practice (the billing provider), then scrub the claim again."
    if not b.name.strip():
        yield _f("BILLING_NAME", ERROR, "The billing provider (the practice) has no name.",
                 fix_setup, GUIDE)  # fmt: skip
    if not b.npi.strip():
        yield _f("BILLING_NPI_MISSING", ERROR, "The billing provider has no NPI.",
                 "Enter the practice's 10-digit group NPI in Setup > Practice.", GUIDE)  # fmt: skip
    else:
        problem = _npi_problem(b.npi.strip())
        if problem:
            yield _f(
                "BILLING_NPI_LUHN", ERROR, f"The billing provider's {problem}.",
                "Copy the NPI again from the NPPES registry (npiregistry.cms.hhs.gov); "
                "a typo usually breaks the check digit.", GUIDE,
            )  # fmt: skip
    if not b.taxonomy.strip():
        yield _f("BILLING_TAXONOMY", ERROR, "The billing provider has no taxonomy code.",
                 "Enter the practice's taxonomy code (such as 207Q00000X) in Setup > Practice.",
                 GUIDE)  # fmt: skip
    elif not C.is_taxonomy_format(b.taxonomy):
        yield _f(
            "BILLING_TAXONOMY", ERROR,
            f"The billing provider's taxonomy code {b.taxonomy!r} is not 10 characters ending "
            "in X (such as 207Q00000X).",
            "Look the taxonomy up on the practice's NPPES record and correct it in Setup.", GUIDE,
        )  # fmt: skip
    tax = _DIGITS.sub("", b.tax_id or "")
    if not _TAX_ID.match(tax):
        shown = f" ({b.tax_id!r})" if b.tax_id else ""
        yield _f("BILLING_TAX_ID", ERROR,
                 f"The billing provider's tax ID{shown} is not 9 digits.",
                 "Enter the practice's EIN (9 digits, as on its IRS letter) in Setup > Practice.",
                 GUIDE)  # fmt: skip
    if not (b.address_line1.strip() and b.city.strip() and b.state.strip()):
        yield _f("BILLING_ADDRESS", ERROR,
                 "The billing provider's address is incomplete (street, city and state).",
                 fix_setup, GUIDE)  # fmt: skip
    digits = _zip_digits(b.zip_code or "")
    if digits is None or len(digits) != 9:
        yield _f(
            "BILLING_ZIP9", ERROR,
            f"The billing provider's ZIP code {b.zip_code or '(none)'} is not the 9-digit "
            "ZIP+4 the 837 requires.",
            "Look up the ZIP+4 of the practice's street address (USPS) and enter all 9 digits "
            "in Setup > Practice.", GUIDE,
        )  # fmt: skip


@rule
def other_providers(f: ClaimFacts) -> Iterator[Finding]:
    """Rendering (2310B) and referring (2310A) provider NPIs, and the service facility
    (2310C: NPI when given, 9-digit ZIP): an invalid NPI or short ZIP is rejected. Errors."""
    for rule_id, who, npi in (
        ("RENDERING_NPI", "rendering provider", f.rendering_npi),
        ("REFERRING_NPI", "referring provider", f.referring_npi),
    ):
        if npi is None:
            continue
        problem = _npi_problem(npi.strip())
        if problem:
            yield _f(rule_id, ERROR, f"The {who}'s {problem}.",
                     f"Correct the {who}'s NPI in Setup > Providers (check it on NPPES).",
                     GUIDE)  # fmt: skip
    fac = f.facility
    if fac is None:
        return
    if fac.npi:
        problem = _npi_problem(fac.npi.strip())
        if problem:
            yield _f("FACILITY_NPI", ERROR, f"The service facility {fac.name}: {problem}.",
                     "Correct the facility's NPI in Setup > Facilities, or clear it.",
                     GUIDE)  # fmt: skip
    digits = _zip_digits(fac.zip_code or "")
    if digits is None or len(digits) != 9:
        yield _f(
            "FACILITY_ZIP9", ERROR,
            f"The service facility {fac.name} has ZIP code {fac.zip_code or '(none)'}; the 837 "
            "needs the 9-digit ZIP+4 for a service location.",
            "Enter the facility's full ZIP+4 in Setup > Facilities.", GUIDE,
        )  # fmt: skip


# -- rules: subscriber, patient, payer (5010 guide) -------------------------------------------
_SEXES = frozenset({"M", "F", "U"})


@rule
def subscriber_and_payer(f: ClaimFacts) -> Iterator[Finding]:
    """2010BA needs the subscriber's name and member ID; 2010BB the payer's name and payer ID.
    Errors: a claim without them cannot be routed or matched to a member."""
    s, p = f.subscriber, f.payer
    fix_policy = "Open the patient's insurance policy and copy it from the ID card."
    if not s.member_id.strip():
        yield _f("SUBSCRIBER_ID", ERROR, "The insurance policy has no member ID.",
                 fix_policy, GUIDE)  # fmt: skip
    if not (s.first_name.strip() and s.last_name.strip()):
        yield _f("SUBSCRIBER_NAME", ERROR,
                 "The subscriber's first and last name are missing from the policy.",
                 fix_policy, GUIDE)  # fmt: skip
    if not p.payer_id.strip():
        yield _f("PAYER_ID", ERROR, f"The payer {p.name or '(unnamed)'} has no payer ID.",
                 "Enter the payer ID from the clearinghouse's payer list in Setup > Payers.",
                 GUIDE)  # fmt: skip
    if not p.name.strip():
        yield _f("PAYER_NAME", ERROR, f"The payer {p.payer_id} has no name.",
                 "Enter the payer's name in Setup > Payers.", GUIDE)  # fmt: skip


@rule
def patient_demographics(f: ClaimFacts) -> Iterator[Finding]:
    """The patient's date of birth and sex (DMG in 2010BA, or 2010CA for a dependent) are
    required; a date of birth after the date of service or a sex other than M, F or U is
    rejected; the patient's ZIP must be 5 or 9 digits. Errors."""
    pt = f.patient
    fix = "Correct it on the patient's record (check the ID card or intake form)."
    if pt.date_of_birth is None:
        yield _f("PATIENT_DOB", ERROR, "The patient has no date of birth.", fix, GUIDE)
    elif pt.date_of_birth > f.date_of_service:
        yield _f(
            "PATIENT_DOB", ERROR,
            f"The patient's date of birth ({_d(pt.date_of_birth)}) is after the date of "
            f"service ({_d(f.date_of_service)}).", fix, GUIDE,
        )  # fmt: skip
    if (pt.sex or "") not in _SEXES:
        yield _f("PATIENT_SEX", ERROR,
                 f"The patient's sex {pt.sex or '(none)'} is not M, F or U.", fix,
                 GUIDE)  # fmt: skip
    if _zip_digits(pt.zip_code or "") is None:
        yield _f("PATIENT_ZIP", ERROR,
                 f"The patient's ZIP code {pt.zip_code or '(none)'} is not 5 or 9 digits.", fix,
                 GUIDE)  # fmt: skip
    if pt.relationship_code == "18":
        return
    sub = f.subscriber
    if sub.date_of_birth is not None and sub.date_of_birth > f.date_of_service:
        yield _f(
            "SUBSCRIBER_DOB", ERROR,
            f"The subscriber's date of birth ({_d(sub.date_of_birth)}) is after the date of "
            "service.", "Correct the subscriber's date of birth on the policy.", GUIDE,
        )  # fmt: skip


# -- rules: the claim as a whole --------------------------------------------------------------
@rule
def claim_header(f: ClaimFacts) -> Iterator[Finding]:
    """CLM01 (patient control number, 1-20 characters); CLM05-3 frequency 1, 7 or 8, and 7 or 8
    carry the payer's claim number (REF*F8); at least one and at most 50 lines. Errors."""
    if not f.pcn or len(f.pcn) > MAX_PCN:
        yield _f("PCN", ERROR,
                 f"The patient control number {f.pcn!r} must be 1 to 20 characters.",
                 "Rebuild the claim so it gets a new patient control number.",
                 GUIDE)  # fmt: skip
    if f.frequency_code not in ("1", "7", "8"):
        yield _f(
            "FREQUENCY_CODE", ERROR,
            f"The claim frequency code {f.frequency_code!r} is not 1 (original), 7 "
            "(replacement) or 8 (void).",
            "Make it an original claim, or a corrected claim or void of the paid one.", GUIDE,
        )  # fmt: skip
    elif f.frequency_code in ("7", "8") and not (f.payer_claim_number or "").strip():
        kind = "replacement (7)" if f.frequency_code == "7" else "void (8)"
        yield _f(
            "PAYER_CLAIM_NUMBER", ERROR,
            f"This {kind} claim has no payer claim number; the payer cannot tell which claim "
            "it changes.",
            "Enter the payer's claim number (ICN/DCN) from the remittance or claim status of "
            "the original claim.", GUIDE,
        )  # fmt: skip
    if not f.lines:
        yield _f("NO_LINES", ERROR, "The claim has no service lines.",
                 "Code at least one procedure on the visit and rebuild the claim.",
                 GUIDE)  # fmt: skip
    elif len(f.lines) > MAX_LINES:
        yield _f("TOO_MANY_LINES", ERROR,
                 f"The claim has {len(f.lines)} lines; an 837P claim holds at most 50.",
                 "Split the services over two claims.", GUIDE)  # fmt: skip


@rule
def place_of_service(f: ClaimFacts) -> Iterator[Finding]:
    """CLM05-1: a two-digit CMS place of service code from the code set. Error."""
    pos = f.place_of_service or ""
    if not C.is_pos_format(pos) or (f.valid_pos and pos not in f.valid_pos):
        yield _f(
            "POS_INVALID", ERROR,
            f"Place of service {pos or '(none)'} is not a CMS place of service code.",
            "Set the visit's place of service (11 office, 02 or 10 telehealth, 12 home, "
            "22 outpatient hospital ...).", GUIDE,
        )  # fmt: skip


@rule
def total_charge(f: ClaimFacts) -> Iterator[Finding]:
    """CLM02 must equal the sum of the line charges (SV102). Error: the file is rejected."""
    lines_total = sum(line.charge_cents for line in f.lines)
    if f.lines and lines_total != f.total_charge_cents:
        yield _f(
            "TOTAL_MISMATCH", ERROR,
            f"The claim total {_money(f.total_charge_cents)} is not the sum of its lines "
            f"{_money(lines_total)}.",
            "Rebuild the claim from the visit so the total is recomputed.", GUIDE,
        )  # fmt: skip


# -- rules: diagnoses -------------------------------------------------------------------------
@rule
def diagnosis_count(f: ClaimFacts) -> Iterator[Finding]:
    """At least one diagnosis (HI is required), at most 12, none listed twice. Errors."""
    if not f.diagnoses:
        yield _f("DX_MISSING", ERROR, "The claim has no diagnosis.",
                 "Send the visit back to the coder to add the diagnoses.", GUIDE)  # fmt: skip
    elif len(f.diagnoses) > MAX_DIAGNOSES:
        yield _f(
            "DX_MAX_12", ERROR,
            f"The claim lists {len(f.diagnoses)} diagnoses; an 837P claim holds at most 12.",
            "Keep the 12 that the lines point to and are most specific; split the claim if "
            "lines need others.", GUIDE,
        )  # fmt: skip
    seen: set[str] = set()
    for dx in f.diagnoses:
        if dx.code in seen:
            yield _f("DX_DUPLICATE", ERROR, f"Diagnosis {dx.code} is listed twice.",
                     "Remove the second copy and fix the line pointers.", GUIDE)  # fmt: skip
        seen.add(dx.code)


@rule
def diagnosis_codes(f: ClaimFacts) -> Iterator[Finding]:
    """Each ICD-10-CM code exists, is billable (a leaf, not a category) and is valid on the date
    of service (codes change every October 1). Errors: payers reject invalid diagnoses."""
    for dx in f.diagnoses:
        where = f"Diagnosis {dx.position} ({dx.code})"
        if not dx.known:
            yield _f("DX_UNKNOWN", ERROR, f"{where} is not an ICD-10-CM code.",
                     "Look the code up again (codes search) and correct it with the coder.",
                     CMS)  # fmt: skip
        elif not dx.billable:
            yield _f(
                "DX_NOT_BILLABLE", ERROR,
                f"{where} is a category, not a billable code: it needs more characters.",
                "Ask the coder for the most specific code the note supports (for example "
                "E11.9 rather than E11).", CMS,
            )  # fmt: skip
        elif (dx.valid_from and f.date_of_service < dx.valid_from) or (
            dx.valid_to and f.date_of_service > dx.valid_to
        ):
            yield _f(
                "DX_NOT_VALID_ON_DOS", ERROR,
                f"{where} is not valid on the date of service {_d(f.date_of_service)}.",
                "Use the code that was in effect on the date of service (ICD-10-CM changes "
                "every October 1).", CMS,
            )  # fmt: skip


@rule
def diagnosis_sex_age(f: ClaimFacts) -> Iterator[Finding]:
    """Codes meant for one sex or an age range (pregnancy codes for women, newborn codes at
    age 0). Warning, not error: our sex and age hints are conservative but not the payer's
    own edit tables, a patient's recorded sex may not match their anatomy, and a perinatal
    condition can persist past the newborn period; the coder must confirm, and a biller who
    overrides records why."""
    pt = f.patient
    age = age_on(pt.date_of_birth, f.date_of_service) if pt.date_of_birth else None
    for dx in f.diagnoses:
        where = f"Diagnosis {dx.position} ({dx.code})"
        if dx.sex and pt.sex in ("M", "F") and dx.sex != pt.sex:
            fits = "female" if dx.sex == "F" else "male"
            is_ = "female" if pt.sex == "F" else "male"
            yield _f(
                "DX_SEX", WARNING,
                f"{where} is for {fits} patients; this patient is recorded as {is_}.",
                "Check the patient's sex on the record and the code with the coder; override "
                "with the reason if both are right.", CMS,
            )  # fmt: skip
        if age is None:
            continue
        if dx.age_min is not None and age < dx.age_min:
            yield _f("DX_AGE", WARNING,
                     f"{where} is for patients aged {dx.age_min} or more; this patient is {age}.",
                     "Check the code and the date of birth with the coder.", CMS)  # fmt: skip
        elif dx.age_max is not None and age > dx.age_max:
            what = "newborns" if dx.age_max == 0 else f"patients aged {dx.age_max} or less"
            yield _f(
                "DX_AGE", WARNING, f"{where} is for {what}; this patient is {age}.",
                "Check the code and the date of birth with the coder; override with the "
                "reason if the condition is documented as persisting.", CMS,
            )  # fmt: skip


# -- rules: service lines ---------------------------------------------------------------------
@rule
def line_codes(f: ClaimFacts) -> Iterator[Finding]:
    """Each line's CPT/HCPCS code exists and is in effect on the line's date; each modifier is
    a known modifier (at most 4). Errors: invalid codes and modifiers are rejected."""
    for line in f.lines:
        if not line.known:
            yield _f("PROCEDURE_UNKNOWN", ERROR,
                     f"{_line(line)} is not a CPT or HCPCS code in the code set.",
                     "Correct the code with the coder; if it is a new CPT code, import the "
                     "current CPT file.", CMS, line.number)  # fmt: skip
        elif (line.valid_from and line.date < line.valid_from) or (
            line.valid_to and line.date > line.valid_to
        ):
            yield _f(
                "PROCEDURE_NOT_VALID_ON_DOS", ERROR,
                f"{_line(line)} is not valid on {_d(line.date)}.",
                "Use the code that was in effect on the date of service.", CMS, line.number,
            )  # fmt: skip
        if len(line.modifiers) > 4:
            yield _f("MODIFIER_COUNT", ERROR,
                     f"{_line(line)} has {len(line.modifiers)} modifiers; a line takes 4.",
                     "Keep the four that affect payment first.", GUIDE,
                     line.number)  # fmt: skip
        for mod in line.modifiers:
            if not C.is_modifier_format(mod) or (
                f.valid_modifiers and mod not in f.valid_modifiers
            ):
                yield _f("MODIFIER_INVALID", ERROR,
                         f"{_line(line)} has modifier {mod}, which is not a valid modifier.",
                         "Correct or remove the modifier with the coder.", GUIDE,
                         line.number)  # fmt: skip


@rule
def line_amounts(f: ClaimFacts) -> Iterator[Finding]:
    """Units and charges must be positive (CPT Category II codes ending in F may be billed at
    $0.00, never below); a line dated after today cannot be billed yet. Errors."""
    for line in f.lines:
        if line.units <= 0:
            yield _f("UNITS_NOT_POSITIVE", ERROR,
                     f"{_line(line)} bills {line.units} units; units must be at least 1.",
                     "Enter the units the provider documented.", GUIDE,
                     line.number)  # fmt: skip
        if line.charge_cents < 0 or (line.charge_cents == 0 and not _is_category_ii(line.code)):
            yield _f("CHARGE_NOT_POSITIVE", ERROR,
                     f"{_line(line)} has a charge of {_money(line.charge_cents)}; "
                     "a charge must be more than $0.00.",
                     "Enter the practice's fee for the code (see the fee schedule).", GUIDE,
                     line.number)  # fmt: skip
        if line.date > f.today:
            yield _f("LINE_DATE_FUTURE", ERROR,
                     f"{_line(line)} is dated {_d(line.date)}, which is after today.",
                     "Bill the service after it has been done; check the date of service.",
                     PRACTICE, line.number)  # fmt: skip


@rule
def line_pointers(f: ClaimFacts) -> Iterator[Finding]:
    """SV107: each line points to 1-4 of the claim's diagnoses, by position. Errors."""
    count = len(f.diagnoses)
    for line in f.lines:
        if not line.pointers:
            yield _f("POINTER_MISSING", ERROR,
                     f"{_line(line)} does not point to any diagnosis.",
                     "Point the line to the diagnosis that explains why it was done.", GUIDE,
                     line.number)  # fmt: skip
            continue
        bad = [p for p in line.pointers if not 1 <= p <= min(count, MAX_DIAGNOSES)]
        if bad or len(line.pointers) > 4:
            shown = ", ".join(str(p) for p in (bad or line.pointers))
            yield _f(
                "POINTER_RANGE", ERROR,
                f"{_line(line)} points to diagnosis {shown}, but the claim has "
                f"{_dx_count(count)}.",
                "Point the line to 1 to 4 of the listed diagnoses.", GUIDE, line.number,
            )  # fmt: skip


# -- rules: duplicates and deadlines ----------------------------------------------------------
@rule
def duplicate_claim(f: ClaimFacts) -> Iterator[Finding]:
    """Another live claim bills the same patient, date, code and payer. Error: the payer denies
    the second one as a duplicate (CARC 18); correct the original with a replacement (7)."""
    if not f.duplicates or f.frequency_code == "8":
        return
    others = ", ".join(f.duplicates[:3]) + (" ..." if len(f.duplicates) > 3 else "")
    yield _f(
        "DUPLICATE_CLAIM", ERROR,
        f"Claim {others} already bills this patient for the same service on the same date "
        "to the same payer.",
        "Void this claim if it was built twice; to change the one already sent, make a "
        "corrected claim (frequency 7) of it instead.", PAYER,
    )  # fmt: skip


@rule
def timely_filing(f: ClaimFacts) -> Iterator[Finding]:
    """The payer's filing limit counted from the earliest date of service. Past it: error (the
    payer denies with CARC 29; only an appeal with proof of timely filing helps). Within 14 days
    of it: warning, so the claim goes out today. Original claims only: replacements and voids
    have their own limits, counted from the payer's decision."""
    days = f.payer.timely_filing_days
    if not days or days <= 0 or f.frequency_code != "1":
        return
    first = min((line.date for line in f.lines), default=f.date_of_service)
    deadline = first + dt.timedelta(days=days)
    left = (deadline - f.today).days
    payer = f.payer.name or f.payer.payer_id
    if left < 0:
        yield _f(
            "TIMELY_FILING_PASSED", ERROR,
            f"{payer} accepts claims up to {days} days after the date of service "
            f"({_d(first)}); the deadline was {_d(deadline)}, {_plural(-left, 'day')} ago.",
            "If you have proof it was sent in time (an earlier acceptance report or payer "
            "letter), appeal with it; otherwise the charge is written off (never billed to "
            "the patient).", PAYER,
        )  # fmt: skip
    elif left <= TIMELY_WARNING_DAYS:
        yield _f(
            "TIMELY_FILING_SOON", WARNING,
            f"{payer}'s filing deadline for this claim is {_d(deadline)}, "
            f"{_plural(left, 'day')} from today.",
            "Fix any other findings and send it today; override to acknowledge the deadline.",
            PAYER,
        )  # fmt: skip


# -- rules: authorization ---------------------------------------------------------------------
@lru_cache(maxsize=1024)
def _auth_matcher(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(p.upper() for p in patterns if not p.endswith("*"))
    prefixes = tuple(p[:-1].upper() for p in patterns if p.endswith("*") and len(p) > 1)
    return exact, prefixes


def needs_authorization(code: str, patterns: tuple[str, ...]) -> bool:
    """True when the payer lists ``code``, or a prefix of it ("97*"), as needing authorization."""
    exact, prefixes = _auth_matcher(patterns)
    return code in exact or (bool(prefixes) and code.startswith(prefixes))


@rule
def authorization(f: ClaimFacts) -> Iterator[Finding]:
    """When the payer requires prior authorization for a line's code: an authorization must be
    on the visit, cover the date of service and the code, and have units left for the lines.
    Warnings, not errors: the payer's list in Setup is the office's summary of its policy (and
    a prefix such as 97* is broad), an authorization may have been given by phone and not yet
    entered, and the units left depend on when staff record use; a biller who overrides
    records why (for example the reference of the phone approval). The payer denies with
    CARC 197 when it really was needed."""
    patterns = f.payer.auth_required
    if not patterns:
        return
    needed = [line for line in f.lines if needs_authorization(line.code, patterns)]
    if not needed:
        return
    payer = f.payer.name or f.payer.payer_id
    auth = f.authorization
    if auth is None:
        yield _f(
            "AUTH_MISSING", WARNING,
            f"{payer} requires prior authorization for {_names([x.number for x in needed])} "
            f"({', '.join(dict.fromkeys(x.code for x in needed))}); the visit has none.",
            "Record the authorization on the patient and link it to the visit; if the payer "
            "approved it by phone, override with the reference number.", PAYER,
        )  # fmt: skip
        return
    if (auth.start and f.date_of_service < auth.start) or (
        auth.end and f.date_of_service > auth.end
    ):
        span = f"{_d(auth.start)}–{_d(auth.end)}" if auth.start and auth.end else "other dates"
        yield _f(
            "AUTH_EXPIRED", WARNING,
            f"Authorization {auth.number} covers {span}, not the date of service "
            f"{_d(f.date_of_service)}.",
            "Ask the payer to extend the authorization or for a new one, and link it to the "
            "visit.", PAYER,
        )  # fmt: skip
    if auth.codes:
        covered = frozenset(auth.codes)
        for line in needed:
            if line.code not in covered:
                yield _f(
                    "AUTH_CODE_NOT_COVERED", WARNING,
                    f"{_line(line)} is not among the services authorization {auth.number} "
                    f"approves ({' '.join(auth.codes)}).",
                    "Ask the payer to add the code to the authorization, or correct the code.",
                    PAYER, line.number,
                )  # fmt: skip
    if auth.units_approved is not None:
        left = auth.units_approved - (auth.units_used or 0)
        billed = sum(line.units for line in needed if not auth.codes or line.code in auth.codes)
        if billed > left:
            yield _f(
                "AUTH_USED_UP", WARNING,
                f"Authorization {auth.number} has {_plural(max(left, 0), 'unit')} left of "
                f"{auth.units_approved}, and this claim bills {billed}.",
                "Ask the payer for more units; if this visit's units were already recorded as "
                "used, override saying so.", PAYER,
            )  # fmt: skip


# -- rules: coding edits (CMS) ----------------------------------------------------------------
@rule
def em_with_procedure(f: ClaimFacts) -> Iterator[Finding]:
    """An E/M billed on the same day as a procedure (see :func:`is_procedure`) needs modifier 25
    (or 57 when the visit decided on major surgery), or the payer bundles the visit into the
    procedure. Warning: only the note can say whether the visit was significant and separately
    identifiable (then add 25) or part of the procedure (then remove the E/M); a coder who
    confirms the claim as is records why."""
    procedures = [line for line in f.lines if is_procedure(line.code)]
    if not procedures:
        return
    days = {line.date for line in procedures}
    for line in f.lines:
        if (
            line.code in EM_CODES
            and line.date in days
            and not ("25" in line.modifiers or "57" in line.modifiers)
        ):
            same_day = [p for p in procedures if p.date == line.date]
            yield _f(
                "EM_WITHOUT_25", WARNING,
                f"{_line(line)} is an office or hospital visit billed with the procedure "
                f"{same_day[0].code} on the same day, without modifier 25.",
                "If the note shows a significant, separately identifiable visit, add modifier "
                "25 to the visit line; otherwise remove the visit line.", CMS, line.number,
            )  # fmt: skip


@rule
def ncci_ptp(f: ClaimFacts) -> Iterator[Finding]:
    """NCCI procedure-to-procedure edits from the CMS file the office imported: when both codes
    of a pair are billed on one day, column 2 is not paid. Modifier indicator 0: error (no
    modifier can unbundle it; remove the column 2 line). Indicator 1 without a distinct-service
    or anatomic modifier on either line: warning (the services may be distinct, which only the
    note shows; add 59/XE/XS/XP/XU or remove the line). Indicator 9: not an edit."""
    if not f.ncci_pairs:
        return
    by_code: dict[str, list[LineFacts]] = {}
    for line in f.lines:
        by_code.setdefault(line.code, []).append(line)
    reported: set[tuple[str, int]] = set()
    for pair in f.ncci_pairs:
        if pair.modifier_indicator not in ("0", "1") or pair.column1 == pair.column2:
            continue
        firsts, seconds = by_code.get(pair.column1), by_code.get(pair.column2)
        if not firsts or not seconds:
            continue
        for col2 in seconds:
            if not pair.in_effect(col2.date):
                continue
            for col1 in firsts:
                if col1.date != col2.date:
                    continue
                why = f" ({pair.rationale})" if pair.rationale else ""
                if pair.modifier_indicator == "0":
                    key = ("NCCI_PTP_0", col2.number)
                    if key in reported:
                        break
                    reported.add(key)
                    yield _f(
                        "NCCI_PTP_0", ERROR,
                        f"{_line(col2)} is bundled into line {col1.number} ({col1.code}) by an "
                        f"NCCI edit{why} and is never paid with it, even with a modifier.",
                        f"Remove line {col2.number} (its work is paid in {col1.code}).", CMS,
                        col2.number,
                    )  # fmt: skip
                elif not _ncci_bypassed(col1, col2):
                    key = ("NCCI_PTP_1", col2.number)
                    if key in reported:
                        break
                    reported.add(key)
                    yield _f(
                        "NCCI_PTP_1", WARNING,
                        f"{_line(col2)} is bundled into line {col1.number} ({col1.code}) by an "
                        f"NCCI edit{why} unless a modifier shows a distinct service.",
                        f"If the note shows a separate session, site or encounter, add 59 or "
                        f"XE/XS/XP/XU to line {col2.number}; otherwise remove it.", CMS,
                        col2.number,
                    )  # fmt: skip
                break


@rule
def mue(f: ClaimFacts) -> Iterator[Finding]:
    """Medically unlikely edits from the CMS file the office imported. MAI 2 (policy) and 3
    (clinical) are per day: the units of a code on one date, over all lines, above the limit
    are an error (the excess is denied, and splitting lines does not help). MAI 1 is a line
    edit: a line above the limit is a warning (units may be split over lines with 76, 77, 91
    or anatomic modifiers when the note supports it)."""
    if not f.mue:
        return
    per_day: dict[tuple[str, dt.date], list[LineFacts]] = {}
    for line in f.lines:
        limit = f.mue.get(line.code)
        if limit is None:
            continue
        if limit.mai in ("2", "3"):
            per_day.setdefault((line.code, line.date), []).append(line)
        elif line.units > limit.max_units:
            yield _f(
                "MUE_LINE", WARNING,
                f"{_line(line)} bills {line.units} units; CMS allows at most "
                f"{limit.max_units} on one line (MUE).",
                "Check the units against the note; if more were really done, put the extra "
                "units on another line with the modifier that explains them (76, 91, RT/LT).",
                CMS, line.number,
            )  # fmt: skip
    for (code, day), lines in per_day.items():
        limit = f.mue[code]
        units = sum(line.units for line in lines)
        if units <= limit.max_units:
            continue
        numbers = [line.number for line in lines]
        who = f"Line {numbers[0]}" if len(numbers) == 1 else _names(numbers).capitalize()
        verb = "bills" if len(numbers) == 1 else "bill"
        yield _f(
            "MUE_DAY", ERROR,
            f"{who} ({code}) {verb} {units} units on {_d(day)}; CMS allows at most "
            f"{limit.max_units} per day (MUE).",
            f"Check the units with the provider's note and bill at most {limit.max_units}; "
            "the rest will be denied (an appeal with records is the only way to be paid).",
            CMS, numbers[0],
        )  # fmt: skip
