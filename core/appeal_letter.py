"""The appeal letter: a one- or two-page PDF asking a payer to reconsider a denied claim.

Pure: :func:`render_appeal_letter` turns an :class:`AppealLetterData` into PDF bytes with fpdf2
and touches no database (``core.services.denials`` gathers the facts). The wording is
ClaimDesk's own template: letterhead, date, payer, a "RE:" block naming the claim the way the
payer files it (member ID, the payer's claim number, our control number, dates, amounts), the
payer's reasons in plain words, the biller's reason for the appeal, what is enclosed, and the
signature block.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from core.money import Money


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)


class AppealReason(_Frozen):
    """One adjustment reason of the remittance: group (CO, PR, OA, PI), CARC, amount, words."""

    group_code: str = ""
    reason_code: str
    amount_cents: int = 0
    description: str


class AppealRemark(_Frozen):
    """A remark code (RARC) of the remittance with its words."""

    code: str
    description: str


class AppealLetterData(_Frozen):
    practice_name: str = Field(min_length=1)
    practice_address: tuple[str, ...] = ()
    practice_npi: str = ""
    practice_tax_id: str = ""
    practice_phone: str | None = None
    letter_date: dt.date
    payer_name: str = Field(min_length=1)
    payer_address: tuple[str, ...] = ()
    patient_name: str = Field(min_length=1)
    patient_date_of_birth: dt.date | None = None
    member_id: str = ""
    payer_claim_number: str = ""
    patient_control_number: str = Field(min_length=1)
    service_from: dt.date
    service_to: dt.date
    billed_cents: int
    denied_cents: int
    reasons: tuple[AppealReason, ...] = ()
    remarks: tuple[AppealRemark, ...] = ()
    appeal_reason: str = Field(min_length=1)
    enclosures: tuple[str, ...] = ()
    signer_name: str = Field(min_length=1)
    signer_title: str = "Billing office"


# -- text helpers ------------------------------------------------------------------------------
_LATIN1 = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)


def _text(value: object) -> str:
    """Text the PDF's built-in fonts can show (Latin-1); anything else becomes '?'."""
    return str(value).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _dates(first: dt.date, last: dt.date) -> str:
    return f"{first:%m/%d/%Y}" if first == last else f"{first:%m/%d/%Y} - {last:%m/%d/%Y}"


def _phone(p: str | None) -> str | None:
    digits = "".join(ch for ch in (p or "") if ch.isdigit())
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else p


def reason_label(reason: AppealReason) -> str:
    """'CO-50' (group and CARC) or just the CARC when the group is unknown."""
    return f"{reason.group_code}-{reason.reason_code}" if reason.group_code else reason.reason_code


def letter_lines(data: AppealLetterData) -> list[tuple[str, str]]:
    """The letter as (style, text) pairs: what the PDF prints, in order (also handy in tests).

    Styles: ``title`` (letterhead name), ``bold``, ``text``, ``item`` (a bulleted line),
    ``gap`` (a blank line).
    """
    out: list[tuple[str, str]] = [("title", data.practice_name)]
    out += [("text", part) for part in data.practice_address]
    ids = []
    if data.practice_npi:
        ids.append(f"NPI {data.practice_npi}")
    if data.practice_tax_id:
        ids.append(f"Tax ID {data.practice_tax_id}")
    if data.practice_phone:
        ids.append(f"Phone {_phone(data.practice_phone)}")
    if ids:
        out.append(("text", "   ".join(ids)))
    out += [("gap", ""), ("text", _long_date(data.letter_date)), ("gap", "")]
    out += [("text", data.payer_name), ("text", "Attn: Appeals / Claim Reconsideration")]
    out += [("text", part) for part in data.payer_address]
    out += [("gap", ""), ("bold", "RE: Request for reconsideration of a denied claim")]
    born = f"{data.patient_date_of_birth:%m/%d/%Y}" if data.patient_date_of_birth else "-"
    out += [
        ("text", f"Patient: {data.patient_name}    Date of birth: {born}"),
        ("text", f"Member ID: {data.member_id or '-'}"),
        ("text", f"Payer claim number: {data.payer_claim_number or '-'}"),
        ("text", f"Our claim control number: {data.patient_control_number}"),
        ("text", f"Date(s) of service: {_dates(data.service_from, data.service_to)}"),
        (
            "text",
            f"Billed amount: {Money(data.billed_cents)}    "
            f"Amount denied: {Money(data.denied_cents)}",
        ),  # fmt: skip
        ("gap", ""),
        ("text", "Dear Appeals Reviewer,"),
        ("gap", ""),
        ("text", "We ask you to reconsider your decision on the claim above."),
    ]
    if data.reasons or data.remarks:
        out.append(("text", "Your remittance gave these reasons:"))
        for r in data.reasons:
            amount = f" ({Money(r.amount_cents)})" if r.amount_cents else ""
            out.append(("item", f"{reason_label(r)}{amount}: {r.description}"))
        for m in data.remarks:
            out.append(("item", f"Remark {m.code}: {m.description}"))
    out += [("gap", ""), ("bold", "Why the claim should be paid")]
    out += [("text", part) for part in data.appeal_reason.splitlines() if part.strip()]
    if data.enclosures:
        out += [("gap", ""), ("bold", "Enclosed")]
        out += [("item", e) for e in data.enclosures]
    contact = f" at {_phone(data.practice_phone)}" if data.practice_phone else ""
    out += [
        ("gap", ""),
        (
            "text",
            "Please reprocess the claim and pay it under the patient's benefits. If you "
            f"need anything more, contact {data.signer_name}{contact}.",
        ),  # fmt: skip
        ("gap", ""),
        ("text", "Sincerely,"),
        ("gap", ""),
        ("gap", ""),
        ("text", data.signer_name),
        ("text", f"{data.signer_title}, {data.practice_name}"),
    ]
    return out


def render_appeal_letter(data: AppealLetterData, *, compress: bool = True) -> bytes:
    """The appeal letter as PDF bytes (US Letter, Helvetica). The caller saves or prints it.

    ``compress=False`` leaves the page streams readable (for anyone checking what was printed).
    """
    from fpdf import FPDF  # loaded when printing, not at import

    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_compression(compress)
    pdf.set_title(_text(f"Appeal - claim {data.patient_control_number}"))
    pdf.set_author(_text(data.practice_name))
    pdf.set_creator("ClaimDesk")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(22, 20, 22)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for style, text in letter_lines(data):
        if style == "gap":
            pdf.ln(3)
            continue
        if style == "title":
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(width, 7, _text(text), new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.set_font("Helvetica", "B" if style == "bold" else "", 10)
        if style == "item":
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(width - 4, 5, _text(f"- {text}"), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(width, 5, _text(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
