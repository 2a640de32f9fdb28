"""Format checks for the identifiers and codes of billing. Pure functions, no database.

Whether a code *exists* (and is billable on a date) is a code-set lookup: see
``core.services.codesets``.
"""

from __future__ import annotations

import re

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)

_ICD10 = re.compile(r"^(?:[A-Z][0-9]|QA)[0-9A-Z](\.?[0-9A-Z]{1,4})?$")
_CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")
_HCPCS = re.compile(r"^[A-CEGHJ-MP-V][0-9]{4}$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_POS = re.compile(r"^[0-9]{2}$")
_TAXONOMY = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")


def npi_check_digit(first_nine: str) -> int:
    """The Luhn check digit of an NPI, computed over the prefix 80840 plus the first nine digits."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError("an NPI check digit needs exactly nine digits")
    digits = [int(c) for c in "80840" + first_nine]
    total = 0
    # Double every second digit from the right, counting the (absent) check digit as position 1.
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    if not isinstance(npi, str) or not re.fullmatch(r"[12][0-9]{9}", npi):
        return False
    return npi_check_digit(npi[:9]) == int(npi[9])


def npi_problem(npi: str) -> str | None:
    """None when ``npi`` is a valid NPI, else a sentence saying what is wrong."""
    if not re.fullmatch(r"[0-9]{10}", npi or ""):
        return f"NPI {npi!r} must be exactly 10 digits"
    if npi[0] not in "12":
        return f"NPI {npi} must start with 1 or 2"
    if not is_valid_npi(npi):
        return f"NPI {npi} fails its check digit (expected {npi_check_digit(npi[:9])} at the end)"
    return None


def normalize_icd10(code: str) -> str:
    """Upper case with the dot after the third character: 'e119' -> 'E11.9'."""
    compact = code.strip().upper().replace(".", "")
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def compact_code(code: str) -> str:
    return code.strip().upper().replace(".", "")


def is_icd10_format(code: str) -> bool:
    return bool(_ICD10.match(code.strip().upper()))


def is_cpt_format(code: str) -> bool:
    return bool(_CPT.match(code.strip().upper()))


def is_hcpcs_format(code: str) -> bool:
    return bool(_HCPCS.match(code.strip().upper()))


def procedure_kind(code: str) -> str | None:
    """'cpt' or 'hcpcs' by shape, or None when the code is neither."""
    if is_cpt_format(code):
        return "cpt"
    if is_hcpcs_format(code):
        return "hcpcs"
    return None


def is_modifier_format(code: str) -> bool:
    return bool(_MODIFIER.match(code.strip().upper()))


def is_pos_format(code: str) -> bool:
    return bool(_POS.match(code.strip()))


def is_taxonomy_format(code: str) -> bool:
    return bool(_TAXONOMY.match(code.strip().upper()))


def normalize_zip(text: str) -> str:
    """Digits of a ZIP: '12345-6789' -> '123456789'. Raises ValueError unless 5 or 9 digits."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"[0-9]{5}([0-9]{4})?", digits):
        raise ValueError(f"ZIP code {text!r} must be 5 or 9 digits")
    return digits


def normalize_phone(text: str) -> str:
    """Ten digits of a US phone number; accepts (555) 123-4567, 555.123.4567, +1 555..."""
    digits = re.sub(r"[^0-9]", "", text or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValueError(f"phone number {text!r} must have 10 digits with a valid area code")
    return digits


def normalize_state(text: str) -> str:
    state = (text or "").strip().upper()
    if state not in US_STATES:
        raise ValueError(f"{text!r} is not a US state or territory code")
    return state


def normalize_tax_id(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise ValueError(f"tax ID {text!r} must be 9 digits (EIN or SSN)")
    return digits
