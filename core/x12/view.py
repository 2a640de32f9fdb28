"""An X12 file segment by segment, each with the loop it belongs to, in ClaimDesk's words.

For an 837P (005010X222) the loop is worked out by following the HL levels (20 billing provider,
22 subscriber, 23 patient) and the segments that open a loop (NM1 by its entity code, CLM, SBR
inside a claim, LX, LIN, SVD, LQ). Other transaction types get no loop ID, and a name taken from
the segment ID ("Name", "Address", "Claim payment", ...). Pure and fast: no pyx12, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ValidationError
from core.x12.reader import Transaction, X12ReadError, read_x12


@dataclass(frozen=True, slots=True)
class SegmentView:
    position: int  # the segment's number in the file (ISA = 1)
    segment_id: str
    loop_id: str  # "2300"; "" for the envelope, the header, and non-837P transactions
    loop_name: str  # "Claim", "Service line", ...
    text: str  # the segment as in the file, without its terminator


LOOP_NAMES: dict[str, str] = {
    "1000A": "Submitter",
    "1000B": "Receiver",
    "2000A": "Billing provider",
    "2010AA": "Billing provider name and address",
    "2010AB": "Pay-to address",
    "2010AC": "Pay-to plan",
    "2000B": "Subscriber",
    "2010BA": "Subscriber name and address",
    "2010BB": "Payer",
    "2000C": "Patient",
    "2010CA": "Patient name and address",
    "2300": "Claim",
    "2310A": "Referring provider",
    "2310B": "Rendering provider",
    "2310C": "Service facility",
    "2310D": "Supervising provider",
    "2310E": "Ambulance pick-up location",
    "2310F": "Ambulance drop-off location",
    "2320": "Other insurance",
    "2330A": "Other insurance: subscriber",
    "2330B": "Other insurance: payer",
    "2330C": "Other insurance: referring provider",
    "2330D": "Other insurance: rendering provider",
    "2330E": "Other insurance: service facility",
    "2330F": "Other insurance: supervising provider",
    "2330G": "Other insurance: billing provider",
    "2400": "Service line",
    "2410": "Drug",
    "2420A": "Line rendering provider",
    "2420B": "Line purchased service provider",
    "2420C": "Line service facility",
    "2420D": "Line supervising provider",
    "2420E": "Line ordering provider",
    "2420F": "Line referring provider",
    "2420G": "Line ambulance pick-up location",
    "2420H": "Line ambulance drop-off location",
    "2430": "Prior payer's line payment",
    "2440": "Form",
}

SEGMENT_NAMES: dict[str, str] = {
    "ISA": "Interchange header",
    "IEA": "Interchange trailer",
    "GS": "Functional group header",
    "GE": "Functional group trailer",
    "ST": "Transaction header",
    "SE": "Transaction trailer",
    "BHT": "Beginning of transaction",
    "BPR": "Payment",
    "TRN": "Trace number",
    "CUR": "Currency",
    "HL": "Hierarchical level",
    "NM1": "Name",
    "N1": "Party",
    "N2": "Additional name",
    "N3": "Address",
    "N4": "City, state, ZIP",
    "PER": "Contact",
    "REF": "Reference number",
    "DMG": "Demographics",
    "DTP": "Date",
    "DTM": "Date",
    "PRV": "Provider specialty",
    "SBR": "Subscriber information",
    "PAT": "Patient information",
    "CLM": "Claim",
    "HI": "Diagnoses",
    "LX": "Line number",
    "SV1": "Professional service",
    "SV2": "Institutional service",
    "SVD": "Line payment",
    "CAS": "Adjustment",
    "AMT": "Amount",
    "QTY": "Quantity",
    "OI": "Other insurance",
    "MOA": "Outpatient adjudication",
    "MIA": "Inpatient adjudication",
    "CLP": "Claim payment",
    "SVC": "Service payment",
    "LQ": "Remark code",
    "PLB": "Provider adjustment",
    "TS3": "Provider summary",
    "TS2": "Provider supplemental summary",
    "EB": "Benefit",
    "EQ": "Eligibility question",
    "AAA": "Request rejected",
    "MSG": "Message",
    "INS": "Member",
    "STC": "Status",
    "AK1": "Group acknowledged",
    "AK2": "Transaction acknowledged",
    "IK3": "Segment error",
    "IK4": "Element error",
    "IK5": "Transaction result",
    "AK9": "Group result",
    "CTX": "Context",
    "TA1": "Interchange acknowledgment",
    "NTE": "Note",
    "PWK": "Attachment",
    "K3": "File information",
    "CN1": "Contract",
    "CR1": "Ambulance transport",
    "CRC": "Condition",
    "HCP": "Repricing",
    "LIN": "Drug identification",
    "CTP": "Drug quantity",
    "FRM": "Form answer",
    "MEA": "Measurement",
    "PS1": "Purchased service",
}

_ENVELOPE = {"ISA", "IEA", "GS", "GE", "ST", "SE"}
_NM1_2310 = {
    "DN": "2310A",
    "P3": "2310A",
    "82": "2310B",
    "77": "2310C",
    "DQ": "2310D",
    "PW": "2310E",
    "45": "2310F",
}
_NM1_2330 = {
    "IL": "2330A",
    "PR": "2330B",
    "DN": "2330C",
    "P3": "2330C",
    "82": "2330D",
    "77": "2330E",
    "DQ": "2330F",
    "85": "2330G",
}
_NM1_2420 = {
    "82": "2420A",
    "QB": "2420B",
    "77": "2420C",
    "DQ": "2420D",
    "DK": "2420E",
    "DN": "2420F",
    "P3": "2420F",
    "PW": "2420G",
    "45": "2420H",
}
_NM1_BY_LEVEL = {
    "20": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
    "22": {"IL": "2010BA", "PR": "2010BB"},
    "23": {"QC": "2010CA"},
}


def segment_name(segment_id: str) -> str:
    return SEGMENT_NAMES.get(segment_id, segment_id)


def _is_837p(txn: Transaction) -> bool:
    return txn.set_id == "837" and "X222" in txn.version


def _label_837p(txn: Transaction, out: dict[int, tuple[str, str]]) -> None:
    """Loop IDs for the segments of one 837P transaction (keyed by file position)."""
    loop = ""
    level = ""  # the current HL level code
    area = ""  # "", "claim", "other" (2320/2330), "line"
    for seg in txn.body:
        sid = seg.id
        if sid == "HL":
            level = seg.el(3)
            loop = {"20": "2000A", "22": "2000B", "23": "2000C"}.get(level, "")
            area = ""
        elif sid == "NM1" and not level:
            loop = {"41": "1000A", "40": "1000B"}.get(seg.el(1), loop)
        elif sid == "CLM":
            loop, area = "2300", "claim"
        elif sid == "SBR" and area:
            loop, area = "2320", "other"
        elif sid == "LX" and area:
            loop, area = "2400", "line"
        elif sid == "LIN" and area == "line":
            loop = "2410"
        elif sid == "SVD" and area == "line":
            loop = "2430"
        elif sid == "LQ" and area == "line":
            loop = "2440"
        elif sid == "NM1":
            entity = seg.el(1)
            if area == "claim":
                loop = _NM1_2310.get(entity, loop)
            elif area == "other":
                loop = _NM1_2330.get(entity, loop)
            elif area == "line":
                loop = _NM1_2420.get(entity, loop)
            elif level:
                loop = _NM1_BY_LEVEL.get(level, {}).get(entity, loop)
        if sid == "BHT":
            out[seg.position] = ("", "Beginning of transaction")
        else:
            out[seg.position] = (loop, LOOP_NAMES.get(loop, segment_name(sid)))


def label_segments(text: str | bytes) -> list[SegmentView]:
    """Every segment of the file with its loop; raises ValidationError when it is not X12."""
    try:
        doc = read_x12(text)
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    labels: dict[int, tuple[str, str]] = {}
    for txn in doc.transactions:
        if _is_837p(txn):
            _label_837p(txn, labels)
    out: list[SegmentView] = []
    for seg in doc.segments:
        loop, name = labels.get(seg.position, ("", ""))
        if seg.id in _ENVELOPE or not name:
            loop, name = "", segment_name(seg.id)
        out.append(SegmentView(seg.position, seg.id, loop, name, seg.raw))
    return out
