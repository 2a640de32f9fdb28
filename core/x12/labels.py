"""Plain words for the codes of the 270/271 (005010X279A1).

The code values belong to X12; the short descriptions here are ClaimDesk's own wording, for a
biller reading a benefits card. Unknown codes are shown as the code itself.
"""

from __future__ import annotations

# EB01: what kind of benefit line this is.
BENEFIT: dict[str, str] = {
    "1": "Active coverage",
    "2": "Active coverage (full risk capitation)",
    "3": "Active coverage (services capitated)",
    "4": "Active coverage (capitated to the primary care physician)",
    "5": "Active coverage (pending investigation)",
    "6": "Inactive",
    "7": "Inactive (pending eligibility update)",
    "8": "Inactive (pending investigation)",
    "A": "Coinsurance",
    "B": "Copay",
    "C": "Deductible",
    "CB": "Coverage basis",
    "D": "Benefit description",
    "E": "Exclusions",
    "F": "Limitations",
    "G": "Out-of-pocket maximum",
    "H": "Unlimited",
    "I": "Not covered",
    "J": "Cost containment",
    "K": "Reserve",
    "L": "Primary care provider",
    "M": "Pre-existing condition",
    "MC": "Managed care coordinator",
    "N": "Services restricted to the provider named",
    "O": "Not deemed a medical necessity",
    "P": "Benefit disclaimer",
    "Q": "Second surgical opinion required",
    "R": "Other or additional payer",
    "S": "Prior years' history",
    "T": "Card reported lost or stolen",
    "U": "Contact the entity named for benefit information",
    "V": "Cannot process",
    "W": "Other source of data",
    "X": "Health care facility",
    "Y": "Spend down",
}
ACTIVE_CODES = frozenset("12345")
INACTIVE_CODES = frozenset("678")

# EB02: whose benefit.
COVERAGE_LEVEL: dict[str, str] = {
    "CHD": "children only",
    "DEP": "dependents only",
    "ECH": "employee and children",
    "EMP": "employee only",
    "ESP": "employee and spouse",
    "FAM": "family",
    "IND": "individual",
    "SPC": "spouse and children",
    "SPO": "spouse only",
}

# EB03 / EQ01: service type (a working subset).
SERVICE_TYPE: dict[str, str] = {
    "1": "medical care",
    "2": "surgical",
    "3": "consultation",
    "4": "diagnostic X-ray",
    "5": "diagnostic lab",
    "12": "durable medical equipment purchase",
    "18": "durable medical equipment rental",
    "30": "health benefit plan coverage",
    "33": "chiropractic",
    "35": "dental care",
    "42": "home health care",
    "45": "hospice",
    "47": "hospital",
    "48": "hospital inpatient",
    "50": "hospital outpatient",
    "73": "diagnostic medical",
    "76": "dialysis",
    "81": "routine physical",
    "86": "emergency services",
    "88": "pharmacy",
    "96": "professional (physician)",
    "98": "office visit (physician)",
    "A4": "psychiatric",
    "A6": "psychotherapy",
    "AD": "occupational therapy",
    "AE": "physical medicine",
    "AL": "vision (optometry)",
    "BY": "office visit, well",
    "BZ": "office visit, sick",
    "MH": "mental health",
    "PT": "physical therapy",
    "UC": "urgent care",
}

# EB04: insurance type (subset).
INSURANCE_TYPE: dict[str, str] = {
    "C1": "commercial",
    "EP": "exclusive provider organization",
    "GP": "group policy",
    "HM": "HMO",
    "HN": "HMO, Medicare risk",
    "IN": "indemnity",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OT": "other",
    "PR": "PPO",
    "PS": "point of service",
    "QM": "qualified Medicare beneficiary",
    "SP": "supplemental policy",
    "WC": "workers' compensation",
}

# EB06: time period the amount applies to.
TIME_PERIOD: dict[str, str] = {
    "6": "per hour",
    "7": "per day",
    "13": "per 24 hours",
    "21": "per year",
    "22": "per service year",
    "23": "per calendar year",
    "24": "year to date",
    "25": "per contract",
    "26": "per episode",
    "27": "per visit",
    "28": "outlier",
    "29": "remaining",
    "30": "exceeded",
    "31": "not exceeded",
    "32": "lifetime",
    "33": "lifetime remaining",
    "34": "per month",
    "35": "per week",
    "36": "per admission",
}
REMAINING_PERIODS = frozenset({"29", "33"})
TO_DATE_PERIODS = frozenset({"24"})
NOT_A_TOTAL = REMAINING_PERIODS | TO_DATE_PERIODS | {"30", "31"}

# EB12: in plan network.
NETWORK: dict[str, str] = {
    "Y": "in network",
    "N": "out of network",
    "W": "in and out of network",
    "U": "network unknown",
}

# AAA03: why the request could not be answered.
REJECT_REASON: dict[str, str] = {
    "04": "authorized quantity exceeded",
    "15": "required application data missing",
    "33": "input errors",
    "35": "out of network",
    "41": "authorization or access restrictions",
    "42": "the payer cannot respond at this time",
    "43": "provider identification invalid or missing",
    "44": "provider name invalid or missing",
    "45": "provider specialty invalid or missing",
    "46": "provider phone number invalid or missing",
    "47": "provider state invalid or missing",
    "48": "referring provider identification invalid or missing",
    "49": "provider is not the primary care physician",
    "50": "provider is not eligible for inquiries",
    "51": "provider not on file",
    "52": "service dates are not within the provider's plan enrollment",
    "53": "the benefit asked about does not fit the provider type",
    "54": "product or service ID qualifier is wrong",
    "55": "product or service ID is wrong",
    "56": "a date is wrong",
    "57": "dates of service invalid or missing",
    "58": "date of birth invalid or missing",
    "60": "date of birth is after the date of service",
    "61": "date of death is before the date of service",
    "62": "date of service is outside the period the payer answers for",
    "63": "date of service is in the future",
    "64": "patient ID invalid or missing",
    "65": "patient name invalid or missing",
    "66": "patient sex invalid or missing",
    "67": "patient not found",
    "68": "duplicate patient ID",
    "69": "does not fit the patient's age",
    "70": "does not fit the patient's sex",
    "71": "date of birth does not match the payer's records",
    "72": "member ID invalid or missing",
    "73": "subscriber name invalid or missing",
    "74": "subscriber sex invalid or missing",
    "75": "subscriber not found",
    "76": "duplicate subscriber ID",
    "77": "subscriber found, patient not found",
    "78": "subscriber is not in the group or plan named",
    "79": "participant identification invalid",
    "80": "no response received; the transaction was ended",
    "97": "provider address invalid or missing",
    "AA": "authorization number not found",
    "AE": "requires primary care physician authorization",
    "AF": "diagnosis code invalid or missing",
    "AG": "procedure code invalid or missing",
    "AO": "additional patient condition information required",
    "CI": "certification information does not match the patient",
    "E8": "requires medical review",
    "IA": "identification code qualifier is wrong",
    "MA": "missing authorization",
    "T4": "payer name or identifier missing",
}

# AAA04: what to do next.
FOLLOW_UP: dict[str, str] = {
    "C": "correct and resubmit",
    "N": "do not resubmit",
    "P": "resubmit the original inquiry",
    "R": "you may resubmit",
    "S": "do not resubmit: the payer has asked a third party",
    "W": "wait 30 days and resubmit",
    "X": "wait 10 days and resubmit",
    "Y": "do not resubmit: the payer passes the request on",
}

# DTP01 in the 271 subscriber/dependent loops (subset).
DATE_QUALIFIER: dict[str, str] = {
    "096": "discharge",
    "102": "issue",
    "152": "effective date of change",
    "291": "plan",
    "307": "eligibility",
    "318": "added",
    "340": "COBRA begin",
    "341": "COBRA end",
    "346": "plan begin",
    "347": "plan end",
    "356": "eligibility begin",
    "357": "eligibility end",
    "382": "enrollment",
    "435": "admission",
    "442": "date of death",
    "472": "service",
    "539": "policy effective",
    "540": "policy expiration",
    "636": "last update",
}


def label(table: dict[str, str], code: str) -> str:
    """The plain words for ``code``, or the code itself when it is not in ``table``."""
    code = code.strip()
    return table.get(code, f"code {code!r}") if code else ""
