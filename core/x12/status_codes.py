"""Plain words for the codes in acknowledgments and claim status answers (999, 277CA, 277).

The code values belong to X12 (claim status category codes, code source 507; claim status codes,
code source 508; the 999's own element code lists). The short descriptions and fix hints here are
ClaimDesk's own wording for a biller. Codes not listed get a generic sentence that names the code,
so nothing is ever shown as a bare number.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# 277 claim status category codes (STC01-1)
CATEGORIES: dict[str, str] = {
    "A0": "Forwarded to another organization",
    "A1": "Received (not yet accepted into processing)",
    "A2": "Accepted into the payer's processing system",
    "A3": "Rejected and returned as unprocessable",
    "A4": "Not found in the payer's system",
    "A5": "Accepted and split into more than one claim",
    "A6": "Rejected for missing information",
    "A7": "Rejected for invalid information",
    "A8": "Rejected because related fields disagree",
    "P0": "Pending, no payment decision yet",
    "P1": "Pending, being processed",
    "P2": "Pending payer review (for example medical review or repricing)",
    "P3": "Pending, waiting for information the payer asked the provider for",
    "P4": "Pending, waiting for information the payer asked the patient for",
    "P5": "Pending on an administrative or system hold",
    "F0": "Finalized, no further action will be taken",
    "F1": "Finalized and paid",
    "F2": "Finalized and denied",
    "F3": "Finalized with revised adjudication",
    "F3F": "Finalized and forwarded to the next payer",
    "F3N": "Finalized and not forwarded to another payer",
    "F4": "Finalized with no payment to come",
    "R0": "More information requested (a general request)",
    "R1": "More information requested about a person or provider on the claim",
    "R3": "More information requested that would normally be on the claim itself",
    "R4": "Supporting documents requested (notes, reports, certificates)",
    "R5": "More specific details requested (what was sent is not enough)",
    "R6": "More information requested for a regulatory requirement",
    "R7": "More information requested to confirm the care fits the plan's coverage policy",
    "R8": "More information requested to confirm a coverage exception applies",
    "R9": "More information requested to decide medical necessity",
    "R10": "More information requested to support a grievance or appeal",
    "R11": "More information requested for a pre-payment review",
    "R12": "More information requested to justify a procedure code",
    "R13": "Documents requested again because the ones sent could not be read",
    "R14": "Documents requested again because the ones sent are not what was asked for",
    "R15": "More information requested to check workers' compensation coverage",
    "R16": "More information requested to decide eligibility",
    "E0": "No answer possible because the status request has an error",
    "E1": "No answer possible because the payer's system is not available",
    "E2": "No answer possible because the payer is not responding (try again later)",
    "E3": "Correction needed because related fields in the request disagree",
    "E4": "Correction needed to meet a trading partner requirement",
    "D0": "Search unsuccessful (no claim matches the request)",
}

# Categories that mean a claim acknowledgment (277CA) took the claim in, or turned it away.
ACCEPTED_CATEGORIES = frozenset({"A0", "A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})

# ---------------------------------------------------------------------------------------------
# Claim status codes (STC01-2): the ones billers meet most, in our words.
STATUSES: dict[str, str] = {
    "0": "No more status can be given electronically",
    "1": "See the remittance advice (835) for details",
    "2": "Details are in a letter from the payer",
    "3": "Adjudicated and waiting for the next payment cycle",
    "16": "Forwarded to another organization",
    "19": "Receipt acknowledged",
    "20": "Accepted for processing",
    "21": "Information is missing or invalid (another code says which)",
    "23": "Returned to the sender",
    "24": "Not approved to send claims electronically",
    "25": "Not approved",
    "26": "Not found",
    "27": "The policy was canceled",
    "29": "Subscriber and policy or contract number do not match",
    "30": "Subscriber and subscriber ID do not match",
    "32": "Subscriber and policy or contract number not found",
    "33": "Subscriber and subscriber ID not found",
    "35": "Claim not found",
    "54": "Duplicate of a claim or line already processed",
    "65": "The claim or line has been paid",
    "78": "Duplicate of a claim or line already waiting to be processed",
    "84": "The service was not authorized",
    "85": "Not the primary payer for this person",
    "88": "Not eligible for benefits on the dates of service",
    "96": "No agreement (contract) with this party",
    "97": "The patient's eligibility was not found",
    "109": "Not eligible",
    "116": "The claim was sent to the wrong payer",
    "125": "Name",
    "126": "Address",
    "128": "Tax identification number",
    "145": "Specialty or taxonomy code",
    "153": "Identification number",
    "156": "Patient's relationship to the subscriber",
    "157": "Gender",
    "158": "Date of birth",
    "163": "Policy or group number",
    "164": "Contract or member ID number",
    "187": "Date(s) of service",
    "247": "Service line information",
    "252": "Prior authorization or certification number",
    "254": "Principal diagnosis code",
    "255": "Diagnosis code",
    "294": "Supporting documentation (another code says which)",
    "297": "Medical notes or report",
    "298": "Operative report",
    "300": "Lab or test results",
    "306": "Detailed description of the service",
    "400": "The claim is out of balance (the total does not match the lines)",
    "453": "Procedure code modifier",
    "454": "Procedure code",
    "464": "Payer's claim control number",
    "476": "Units of service missing or invalid",
    "477": "Diagnosis code pointer missing or invalid",
    "479": "Other payer's ID missing or invalid",
    "480": "Claim filing indicator",
    "481": "The claim's format is invalid",
    "496": "The submitter is not approved to send claims for this party",
    "500": "ZIP code",
    "501": "State",
    "502": "City",
    "503": "Street address",
    "504": "Last name",
    "505": "First name",
    "510": "A date is in the future",
    "511": "Invalid character",
    "535": "Claim frequency code",
    "562": "NPI (National Provider Identifier)",
    "684": "Rejected for a syntax error: see the 999 acknowledgment",
    "718": "Not sent within the timely filing limit",
    "732": "Information does not follow the billing guidelines",
    "733": "Prefix of the contract or member ID number",
}

# Entity identifier codes (STC01-3): whose information the status is about.
ENTITIES: dict[str, str] = {
    "03": "dependent",
    "1P": "provider",
    "36": "employer",
    "40": "receiver",
    "41": "submitter",
    "71": "attending provider",
    "72": "operating provider",
    "73": "other physician",
    "77": "service location",
    "82": "rendering provider",
    "85": "billing provider",
    "87": "pay-to provider",
    "AY": "clearinghouse",
    "DK": "ordering provider",
    "DN": "referring provider",
    "DQ": "supervising provider",
    "GB": "other insured",
    "IL": "subscriber",
    "PR": "payer",
    "PRP": "primary payer",
    "QC": "patient",
    "SEP": "secondary payer",
    "TTP": "tertiary payer",
}

# ---------------------------------------------------------------------------------------------
# 999 codes
# IK304: what is wrong with a segment.
IK3_CODES: dict[str, str] = {
    "1": "The segment ID is not recognized",
    "2": "The segment is not expected here",
    "3": "A required segment is missing",
    "4": "A loop repeats more times than allowed",
    "5": "The segment repeats more times than allowed",
    "6": "The segment does not belong to this transaction",
    "7": "The segment is out of order",
    "8": "The segment has errors in its elements",
    "I4": "A segment the guide marks 'not used' is present",
    "I6": "A segment the guide requires in this situation is missing",
    "I7": "A loop occurs fewer times than the guide requires",
    "I8": "The segment occurs fewer times than the guide requires",
    "I9": "A segment that must not be used in this situation is present",
}

# IK403: what is wrong with an element.
IK4_CODES: dict[str, str] = {
    "1": "A required element is missing",
    "2": "An element required by another element's value is missing",
    "3": "The segment has too many elements",
    "4": "The value is too short",
    "5": "The value is too long",
    "6": "The value has an invalid character",
    "7": "The code is not a valid value",
    "8": "The date is not valid",
    "9": "The time is not valid",
    "10": "Elements that exclude each other are both present",
    "12": "The element repeats too many times",
    "13": "The element has too many components",
    "I6": "The code is valid in X12 but not allowed by the guide",
    "I9": "An element the guide requires in this situation is missing",
    "I10": "An element the guide marks 'not used' is present",
    "I11": "The element repeats fewer times than the guide requires",
    "I12": "The value does not match the pattern the guide requires",
    "I13": "An element that must not be used in this situation is present",
}

# IK501 and AK901: the verdict on a transaction set or a functional group.
ACK_STATUS: dict[str, str] = {
    "A": "Accepted",
    "E": "Accepted, with errors noted",
    "P": "Partially accepted: at least one transaction was rejected",
    "R": "Rejected",
    "M": "Rejected: the message authentication code failed",
    "W": "Rejected: it failed the assurance checks",
    "X": "Rejected: the content could not be analyzed after decryption",
}
ACK_ACCEPTED = frozenset({"A", "E"})

# IK502-IK506: why a transaction set was rejected or noted.
IK5_CODES: dict[str, str] = {
    "1": "This transaction type is not supported",
    "2": "The transaction's trailer (SE) is missing",
    "3": "The control numbers in ST and SE do not match",
    "4": "SE01 does not match the number of segments",
    "5": "One or more segments have errors",
    "6": "The transaction set identifier is missing or invalid",
    "7": "The transaction set control number is missing or invalid",
    "18": "The transaction is not inside a functional group",
    "19": "The implementation guide reference (ST03) is invalid",
    "23": "The transaction control number is used twice in the group",
    "I5": "One or more segments break the implementation guide",
    "I6": "This implementation guide is not supported",
}

# AK905-AK909: why a functional group was rejected or noted.
AK9_CODES: dict[str, str] = {
    "1": "This functional group type is not supported",
    "2": "This functional group version is not supported",
    "3": "The functional group's trailer (GE) is missing",
    "4": "The control numbers in GS and GE do not match",
    "5": "GE01 does not match the number of transactions",
    "6": "The group control number breaks the syntax rules",
    "19": "The group control number is used twice in the interchange",
}


# ---------------------------------------------------------------------------------------------
def _look_up(table: dict[str, str], code: str, unknown: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        return "No code given"
    return table.get(code) or unknown.format(code=code)


def describe_category(code: str) -> str:
    """Plain words for a claim status category code (A0-A8, P0-P5, F0-F4, R0-R16, E0-E4, D0)."""
    code = (code or "").strip().upper()
    if code in CATEGORIES or not code:
        return _look_up(CATEGORIES, code, "")
    family = {
        "A": "An acknowledgment",
        "P": "Pending",
        "F": "Finalized",
        "R": "More information requested",
        "E": "No answer possible or a correction is needed",
    }.get(code[:1])
    if family:
        return f"{family} (category {code}, not in ClaimDesk's list)"
    return f"Status category {code} (not in ClaimDesk's list; ask the payer what it means)"


def describe_status(code: str) -> str:
    """Plain words for a claim status code (STC01-2)."""
    return _look_up(
        STATUSES, code, "Status code {code} (not in ClaimDesk's list; see the payer's notes)"
    )


def describe_entity(code: str) -> str:
    """Whose information a status is about: "billing provider", "patient"..."""
    code = (code or "").strip().upper()
    return ENTITIES.get(code, f"entity {code}" if code else "")


def explain(category: str, status: str, entity: str = "", code_list: str = "") -> str:
    """One sentence: category, status and whose data, e.g. "Rejected for invalid information:
    NPI (National Provider Identifier) of the billing provider."""
    head = describe_category(category)
    if code_list.strip().upper() == "RX":
        detail = f"NCPDP pharmacy reject code {status}"
    elif status:
        detail = describe_status(status)
    else:
        detail = ""
    who = describe_entity(entity)
    text = head
    if detail:
        text += f": {detail}"
        if who:
            text += f" ({who})"
    return text + "."


def outcome(category: str) -> str:
    """The verdict of a 277CA category code: "accepted", "rejected" or "" (neither)."""
    code = (category or "").strip().upper()
    if code in REJECTED_CATEGORIES:
        return "rejected"
    if code in ACCEPTED_CATEGORIES:
        return "accepted"
    return ""


_MEMBER = (
    "Compare the member ID and the subscriber's name and date of birth with the insurance card, "
    "run an eligibility check, correct the policy in ClaimDesk and send the claim again."
)
_STATUS_FIX: dict[str, str] = {
    "24": "Finish the electronic enrollment with the clearinghouse or payer, then send again.",
    "26": "Check the payer ID and the names and IDs on the claim, then send it again.",
    "27": "The policy was canceled: ask the patient for current insurance and bill that payer.",
    "29": _MEMBER,
    "30": _MEMBER,
    "32": _MEMBER,
    "33": _MEMBER,
    "35": "The payer has no such claim: if it was never accepted, send it again as a new claim.",
    "54": "Do not send it again: the payer already has this claim. Check its status instead.",
    "78": "Do not send it again: the payer already has this claim waiting. Check later.",
    "84": "Get the authorization number (or a retro-authorization) and add it to the claim.",
    "85": "Another payer is primary: bill the primary first, then send this payer its 835.",
    "88": "Check eligibility for the dates of service; bill the right payer or the patient.",
    "96": "No contract with this payer: check the enrollment, or bill as out of network.",
    "97": _MEMBER,
    "109": "Check eligibility for the dates of service and the payer on the claim.",
    "116": "Check the payer and payer ID on the patient's policy; send it to the right payer.",
    "125": "Correct the name so it matches the payer's records exactly, then send again.",
    "126": "Correct the address (street, city, state, 9-digit ZIP for the billing provider).",
    "128": "Check the billing provider's tax ID (EIN or SSN) in Setup.",
    "145": "Check the provider's taxonomy code in Setup against the payer's enrollment record.",
    "156": "Check the patient's relationship to the subscriber on the policy.",
    "157": "Check the patient's sex on the patient record.",
    "158": "Check the date of birth on the patient record against the insurance card.",
    "163": "Check the group number on the policy against the insurance card.",
    "164": _MEMBER,
    "187": "Check the dates of service: none in the future, and the 'to' date not before 'from'.",
    "247": "Look at the service lines: codes, charges, units and dates.",
    "252": "Add or correct the prior authorization number on the claim.",
    "254": "Check the principal diagnosis: a billable, specific ICD-10-CM code valid on that date.",
    "255": "Check the diagnosis codes: billable, specific and valid on the date of service.",
    "400": "Make the claim total equal the sum of the line charges, then send again.",
    "453": "Check the modifiers on the service lines.",
    "454": "Check the procedure codes on the service lines (valid CPT/HCPCS on that date).",
    "464": "Check the payer's claim number used for the corrected or voided claim.",
    "476": "Check the units on each service line (whole numbers, more than zero).",
    "477": "Point each service line at one to four of the claim's diagnoses.",
    "479": "Check the other payer's ID on the secondary policy.",
    "480": "Check the claim filing indicator (insurance type) on the policy.",
    "496": "Ask the clearinghouse to link your submitter ID to this provider, then send again.",
    "500": "Check the ZIP code (the billing provider needs all 9 digits).",
    "501": "Check the state code.",
    "502": "Check the city.",
    "503": "Check the street address (the billing provider cannot use a P.O. box).",
    "504": "Check the last name against the insurance card.",
    "505": "Check the first name against the insurance card.",
    "510": "A date is in the future: check the dates of service and other dates on the claim.",
    "511": "Remove special characters from names, addresses and IDs.",
    "535": (
        "Check the claim frequency: 1 original, 7 replacement, 8 void (7 and 8 need the "
        "payer's claim number)."
    ),
    "562": "Check the NPI (10 digits, valid check digit) in Setup and the payer's enrollment.",
    "684": "Read the 999 acknowledgment for the exact segment, fix it and send again.",
    "718": "The filing limit has passed: if you have proof of timely filing, appeal with it.",
    "732": "Read the payer's notes and billing guidelines, correct the claim and send again.",
    "733": "Include the prefix of the member ID exactly as printed on the card.",
}
_CATEGORY_FIX: dict[str, str] = {
    "A0": "Nothing to do now: the claim went on to the next organization.",
    "A1": "Nothing to do now: watch for the payer's acceptance or rejection.",
    "A2": "Nothing to do now: wait for the payment or the remittance (835).",
    "A3": "Correct what the status names and send the claim again as a new original claim.",
    "A4": "The payer has no such claim: if it was never accepted, send it again as a new claim.",
    "A5": "Nothing to do now: the payer split the claim; expect more than one remittance.",
    "A6": "Add the missing information the status names; send it again as a new original claim.",
    "A7": "Correct the information the status names; send it again as a new original claim.",
    "A8": "Make the related fields agree and send the claim again as a new original.",
    "P": "No action needed yet: the claim is pending. Check again in a couple of weeks.",
    "P3": "Send the payer the information it asked for, then check again.",
    "P4": "Ask the patient to answer the payer's request (for example other insurance).",
    "F0": "Processing is complete: look for the remittance (835) and post it.",
    "F1": "Paid: post the remittance (835) when it arrives.",
    "F2": "Denied: read the remittance (835) reasons and correct and resubmit or appeal.",
    "F3": "The payer revised the claim: look for the new remittance (835).",
    "F4": "No payment will come: check the remittance (835) for the reasons.",
    "R": "Send the payer the information or documents it asked for.",
    "E0": "Correct the status request (IDs, dates, amounts) and ask again.",
    "E1": "The payer's system is down: ask again later.",
    "E2": "The payer did not answer: ask again later.",
    "E3": "Make the related fields in the status request agree and ask again.",
    "E4": "Check the payer's companion guide for what the request needs, then ask again.",
    "D0": "Check the member ID, dates of service and charge in the request, then ask again.",
}


def fix_hint(category: str, status: str = "", entity: str = "") -> str:
    """What a biller should do about a status, in one or two sentences."""
    cat = (category or "").strip().upper()
    code = (status or "").strip().upper()
    who = describe_entity(entity)
    if code in _STATUS_FIX and (cat in REJECTED_CATEGORIES or cat in ("E0", "E3", "E4", "")):
        hint = _STATUS_FIX[code]
        return f"{hint} (It concerns the {who}.)" if who else hint
    if (cat.startswith("R") or cat in ("P3", "P4")) and code in STATUSES and code != "21":
        what = describe_status(code)
        what = what[0].lower() + what[1:] if what[:2] not in ("NP", "ZI") else what
        of = f" of the {who}" if who else ""
        return f"Send the payer what it asked for: {what}{of}."
    if cat in _CATEGORY_FIX:
        return _CATEGORY_FIX[cat]
    if cat[:1] in _CATEGORY_FIX:
        return _CATEGORY_FIX[cat[:1]]
    if cat.startswith("A"):
        return "Read the status, correct the claim if needed and send it again as a new original."
    return "Read the payer's status and notes; call the payer if the next step is unclear."


def describe_ik3(code: str) -> str:
    """Plain words for a 999 segment error code (IK304)."""
    return _look_up(IK3_CODES, code, "Segment error {code} (not in ClaimDesk's list)")


def describe_ik4(code: str) -> str:
    """Plain words for a 999 element error code (IK403)."""
    return _look_up(IK4_CODES, code, "Element error {code} (not in ClaimDesk's list)")


def describe_ik5(code: str) -> str:
    """Plain words for a 999 transaction set note code (IK502-IK506)."""
    return _look_up(IK5_CODES, code, "Transaction error {code} (not in ClaimDesk's list)")


def describe_ak9(code: str) -> str:
    """Plain words for a 999 functional group note code (AK905-AK909)."""
    return _look_up(AK9_CODES, code, "Group error {code} (not in ClaimDesk's list)")


def describe_ack_status(code: str) -> str:
    """Plain words for IK501 / AK901 (A, E, P, R, M, W, X)."""
    return _look_up(ACK_STATUS, code, "Acknowledgment code {code} (not in ClaimDesk's list)")


# TA104 / TA105: the interchange acknowledgment (TA1), named when a TA1 is given to a 999 reader.
TA1_STATUS: dict[str, str] = {
    "A": "accepted",
    "E": "accepted with errors noted",
    "R": "rejected",
}
TA1_NOTES: dict[str, str] = {
    "000": "no error",
    "001": "the control numbers in ISA and IEA do not match",
    "022": "the envelope structure is invalid",
    "023": "the file ended too early",
    "024": "the interchange content is invalid, for example a bad GS segment",
    "025": "the interchange control number was used before",
}


def describe_ta1(status: str, note: str, control: str = "") -> str:
    """Plain words for a TA1 verdict: "rejected interchange 000000100 (note 024: ...)"."""
    verdict = TA1_STATUS.get(status.strip().upper(), f"answered with code {status or '?'}")
    words = TA1_NOTES.get(note.strip())
    subject = f" interchange {control}" if control else ""
    detail = f"note {note}: {words}" if words else f"note {note or '?'}"
    return f"{verdict}{subject} ({detail})"
