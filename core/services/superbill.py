"""The superbill: one visit's coding on one page, for the chart, the provider or the patient.

:func:`superbill` gathers what the page shows (practice, patient, insurance in force on the
date of service, providers, diagnoses with descriptions, lines with modifiers, units, charges
and pointers, and the total) as a frozen DTO; :func:`superbill_pdf` prints it as a real PDF
with fpdf2. Code descriptions come from the loaded code sets only: CPT wording is ClaimDesk's
demo wording unless the site imported its licensed CPT file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from core import codes as C
from core.errors import NotFound
from core.money import Money
from core.services import codesets
from core.services.patients import coverage_in
from core.store import Store
from db import queries
from db.models import Encounter, Facility, Practice, Provider


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SuperbillCoverage(_Frozen):
    rank: int
    payer_name: str
    payer_code: str
    member_id: str
    group_number: str | None
    plan_name: str | None
    subscriber: str


class SuperbillDiagnosis(_Frozen):
    seq: int
    code: str
    description: str


class SuperbillLine(_Frozen):
    seq: int
    code: str
    description: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    pointers: tuple[int, ...]


class Superbill(_Frozen):
    encounter_id: int
    status: str
    date_of_service: dt.date
    place_of_service: str
    place_of_service_name: str
    visit_reason: str | None
    authorization_number: str | None
    query_note: str | None
    practice_name: str
    practice_address: tuple[str, ...]
    practice_npi: str
    practice_tax_id: str
    practice_phone: str | None
    patient_name: str
    account_number: str
    date_of_birth: dt.date
    sex: str
    patient_address: tuple[str, ...]
    coverage: tuple[SuperbillCoverage, ...]
    rendering_provider: str
    rendering_npi: str
    referring_provider: str | None
    referring_npi: str | None
    facility_name: str | None
    diagnoses: tuple[SuperbillDiagnosis, ...]
    lines: tuple[SuperbillLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


def _provider_name(p: Provider) -> str:
    cred = f", {p.credential}" if p.credential else ""
    return f"{p.first_name} {p.last_name}{cred}"


def _zip(z: str) -> str:
    return f"{z[:5]}-{z[5:]}" if len(z) == 9 else z


def _phone(p: str | None) -> str | None:
    return f"({p[:3]}) {p[3:6]}-{p[6:]}" if p and len(p) == 10 else p


def _description(session, kind: str, code: str) -> str:
    row = queries.get_code(session, kind, codesets.compact(code))
    if row is None:
        return "(not in the loaded code set)"
    return str(row["description"])


def superbill(store: Store, encounter_id: int) -> Superbill:
    """Everything the superbill shows for one encounter."""
    with store.uow() as uow:
        s = uow.session
        enc = s.get(Encounter, encounter_id)
        if enc is None:
            raise NotFound(f"No encounter with id {encounter_id}.")
        practice = s.scalars(select(Practice).order_by(Practice.id).limit(1)).first()
        patient = enc.patient
        rendering = s.get(Provider, enc.rendering_provider_id)
        referring = (
            s.get(Provider, enc.referring_provider_id) if enc.referring_provider_id else None
        )
        facility = s.get(Facility, enc.facility_id) if enc.facility_id else None
        pos = queries.get_code(s, "pos", enc.place_of_service)
        coverage = tuple(
            SuperbillCoverage(
                rank=p.rank,
                payer_name=p.payer_name,
                payer_code=p.payer_code,
                member_id=p.member_id,
                group_number=p.group_number,
                plan_name=p.plan_name,
                subscriber=f"{p.subscriber_last_name}, {p.subscriber_first_name}",
            )
            for p in coverage_in(s, enc.patient_id, enc.date_of_service)
        )
        diagnoses = tuple(
            SuperbillDiagnosis(seq=d.seq, code=d.code, description=_description(s, "icd10", d.code))
            for d in enc.diagnoses
        )
        lines = tuple(
            SuperbillLine(
                seq=line.seq,
                code=line.code,
                description=_description(s, C.procedure_kind(line.code) or "cpt", line.code),
                modifiers=tuple(
                    m for m in (line.modifier1, line.modifier2, line.modifier3, line.modifier4) if m
                ),
                units=line.units,
                charge_cents=line.charge_cents,
                pointers=tuple(
                    p for p in (line.pointer1, line.pointer2, line.pointer3, line.pointer4) if p
                ),
            )
            for line in enc.lines
        )
        practice_address: tuple[str, ...] = ()
        if practice is not None:
            practice_address = tuple(
                x
                for x in (
                    practice.address_line1,
                    practice.address_line2,
                    f"{practice.city}, {practice.state} {_zip(practice.zip_code)}",
                )
                if x
            )
        return Superbill(
            encounter_id=enc.id,
            status=enc.status,
            date_of_service=enc.date_of_service,
            place_of_service=enc.place_of_service,
            place_of_service_name=str(pos["description"]) if pos else "",
            visit_reason=enc.visit_reason,
            authorization_number=enc.authorization_number,
            query_note=enc.query_note,
            practice_name=practice.name if practice else "(practice not set up)",
            practice_address=practice_address,
            practice_npi=practice.npi if practice else "",
            practice_tax_id=practice.tax_id if practice else "",
            practice_phone=_phone(practice.phone) if practice else None,
            patient_name=f"{patient.last_name}, {patient.first_name}",
            account_number=patient.account_number,
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
            patient_address=tuple(
                x
                for x in (
                    patient.address_line1,
                    patient.address_line2,
                    f"{patient.city}, {patient.state} {_zip(patient.zip_code)}",
                )
                if x
            ),
            coverage=coverage,
            rendering_provider=_provider_name(rendering) if rendering else "?",
            rendering_npi=rendering.npi if rendering else "",
            referring_provider=_provider_name(referring) if referring else None,
            referring_npi=referring.npi if referring else None,
            facility_name=facility.name if facility else None,
            diagnoses=diagnoses,
            lines=lines,
        )


# -- PDF --------------------------------------------------------------------------------------
_LATIN1 = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "✓": "v", "•": "-"}
)


def _text(value: object) -> str:
    """Text the PDF's built-in fonts can show (Latin-1); anything else becomes '?'."""
    return str(value).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _money(cents: int) -> str:
    return Money(cents).format()


def superbill_pdf(
    store: Store, encounter_id: int, path: str | Path, *, compress: bool = True
) -> Path:
    """Write the encounter's superbill as a one-page (or longer) PDF at ``path``; returns it.

    The folder is created when missing. ``compress=False`` leaves the page streams readable
    (for tests and for anyone checking what was printed).
    """
    from fpdf import FPDF  # loaded when printing, not at import

    bill = superbill(store, encounter_id)
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)

    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_compression(compress)
    pdf.set_title(_text(f"Superbill - encounter {bill.encounter_id}"))
    pdf.set_author(_text(bill.practice_name))
    pdf.set_creator("ClaimDesk")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float = 9, style: str = "", h: float = 4.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, h, _text(text), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_fill_color(230, 230, 230)
        pdf.cell(width, 6, _text(text), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    line(bill.practice_name, 14, "B", 7)
    for part in bill.practice_address:
        line(part)
    ids = f"NPI {bill.practice_npi}   Tax ID {bill.practice_tax_id}"
    line(ids + (f"   Phone {bill.practice_phone}" if bill.practice_phone else ""))
    pdf.ln(2)
    line(f"SUPERBILL - visit {bill.encounter_id} ({bill.status})", 12, "B", 6)

    heading("Patient")
    line(f"{bill.patient_name}   Account {bill.account_number}   "
         f"Born {bill.date_of_birth:%m/%d/%Y}   Sex {bill.sex}")  # fmt: skip
    line(", ".join(bill.patient_address))

    heading("Insurance on the date of service")
    if not bill.coverage:
        line("No insurance in force on this date: self-pay.")
    for cov in bill.coverage:
        rank = {1: "Primary", 2: "Secondary", 3: "Tertiary"}.get(cov.rank, str(cov.rank))
        group = f"   Group {cov.group_number}" if cov.group_number else ""
        line(f"{rank}: {cov.payer_name} (payer ID {cov.payer_code})   Member {cov.member_id}"
             f"{group}   Subscriber {cov.subscriber}")  # fmt: skip

    heading("Visit")
    line(f"Date of service {bill.date_of_service:%m/%d/%Y}   Place of service "
         f"{bill.place_of_service} {bill.place_of_service_name}")  # fmt: skip
    line(f"Rendering provider {bill.rendering_provider} (NPI {bill.rendering_npi})")
    if bill.referring_provider:
        line(f"Referring provider {bill.referring_provider} (NPI {bill.referring_npi})")
    if bill.facility_name:
        line(f"Facility {bill.facility_name}")
    if bill.authorization_number:
        line(f"Prior authorization {bill.authorization_number}")
    if bill.visit_reason:
        line(f"Reason for visit: {bill.visit_reason}")

    heading("Diagnoses (ICD-10-CM)")
    if not bill.diagnoses:
        line("None coded yet.")
    for dx in bill.diagnoses:
        line(f"{dx.seq:>2}. {dx.code:<8} {dx.description}")

    heading("Services")
    cols = [("#", 8), ("Code", 16), ("Modifiers", 24), ("Units", 14), ("Pointers", 20),
            ("Charge", 26)]  # fmt: skip
    desc_w = width - sum(w for _, w in cols)
    pdf.set_font("Helvetica", "B", 9)
    for title, w in cols[:5]:
        pdf.cell(w, 5, title)
    pdf.cell(desc_w, 5, "Description")
    pdf.cell(cols[5][1], 5, "Charge", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for ln in bill.lines:
        pdf.cell(cols[0][1], 5, str(ln.seq))
        pdf.cell(cols[1][1], 5, _text(ln.code))
        pdf.cell(cols[2][1], 5, _text(" ".join(ln.modifiers)))
        pdf.cell(cols[3][1], 5, str(ln.units))
        pdf.cell(cols[4][1], 5, ",".join(map(str, ln.pointers)))
        desc = _text(ln.description)
        while desc and pdf.get_string_width(desc) > desc_w - 2:
            desc = desc[:-2] + "."
        pdf.cell(desc_w, 5, desc)
        pdf.cell(cols[5][1], 5, _money(ln.charge_cents), align="R", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    if not bill.lines:
        line("None coded yet.")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(width - cols[5][1], 6, "Total charges", align="R")
    pdf.cell(cols[5][1], 6, _money(bill.total_cents), align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    line(
        "Code descriptions come from the code sets loaded in ClaimDesk; CPT wording is "
        "ClaimDesk's own demo wording unless a licensed CPT file was imported.",
        7,
        "I",
        3.5,
    )
    line(f"Printed {dt.date.today():%m/%d/%Y} by {store.actor}.", 7, "I", 3.5)
    pdf.output(str(target))
    return target
