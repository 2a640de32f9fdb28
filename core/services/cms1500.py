"""One claim on the CMS-1500 (02/12) paper form: gathers the facts, then prints them.

:func:`claim_form_data` reads one claim and everything its form shows (patient, the policy the
claim goes to and the other coverage in force on the date of service, payer, practice,
providers, facility, diagnoses, the claim's own lines) into a frozen
:class:`core.cms1500.Cms1500Data`; :func:`claim_form_pdf` renders it with
:func:`core.cms1500.render_cms1500`, on plain paper or as an overlay for the red form.
Reading only: nothing is written and no audit entry is made.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cms1500 import (
    Address,
    Cms1500Data,
    Cms1500Line,
    InsuranceType,
    PersonName,
    ProviderBlock,
    Relationship,
    render_cms1500,
)
from core.errors import NotFound, ValidationError
from core.services import ledger
from core.store import Store
from db.models import (
    Authorization,
    Claim,
    Encounter,
    Facility,
    InsurancePolicy,
    Patient,
    Payer,
    Practice,
    Provider,
)

# Item 1 from the payer's claim filing indicator (X12 SBR09).
_FILING_TO_TYPE = {
    "MA": InsuranceType.MEDICARE, "MB": InsuranceType.MEDICARE,
    "MC": InsuranceType.MEDICAID,
    "CH": InsuranceType.TRICARE,
    "VA": InsuranceType.CHAMPVA,
    "FI": InsuranceType.FECA,
    "BL": InsuranceType.GROUP, "CI": InsuranceType.GROUP, "HM": InsuranceType.GROUP,
    "12": InsuranceType.GROUP, "13": InsuranceType.GROUP, "14": InsuranceType.GROUP,
    "15": InsuranceType.GROUP, "16": InsuranceType.GROUP, "17": InsuranceType.GROUP,
}  # fmt: skip
_KIND_TO_TYPE = {"medicare": InsuranceType.MEDICARE, "medicaid": InsuranceType.MEDICAID}
# Item 6 from the X12 individual relationship code of the patient to the subscriber.
_RELATIONSHIP = {"18": Relationship.SELF, "01": Relationship.SPOUSE, "19": Relationship.CHILD}


def _insurance_type(payer: Payer) -> InsuranceType:
    found = _FILING_TO_TYPE.get((payer.claim_filing_indicator or "").upper())
    return found or _KIND_TO_TYPE.get((payer.kind or "").lower(), InsuranceType.OTHER)


def _provider_name(p: Provider) -> str:
    cred = f" {p.credential}" if p.credential else ""
    return f"{p.first_name} {p.last_name}{cred}"


def _address(
    street: str | None,
    city: str | None,
    state: str | None,
    zip_code: str | None,
    *,
    street2: str | None = None,
    phone: str | None = None,
) -> Address:
    return Address(
        street=street or "", city=city or "", state=state or "", zip_code=zip_code or "",
        street2=street2 or "", phone=phone or "",
    )  # fmt: skip


def _patient_address(p: Patient) -> Address:
    return _address(p.address_line1, p.city, p.state, p.zip_code, street2=p.address_line2,
                    phone=p.phone)  # fmt: skip


def _insured(
    session: Session, patient: Patient, policy: InsurancePolicy
) -> tuple[PersonName, Address | None, dt.date | None, str]:
    """Items 4, 7 and 11a: the subscriber's name, address, birth date and sex."""
    subscriber = None
    if policy.subscriber_patient_id is not None:
        subscriber = session.get(Patient, policy.subscriber_patient_id)
    elif policy.relationship_code == "18":
        subscriber = patient
    if subscriber is not None:
        name = PersonName(subscriber.last_name, subscriber.first_name, subscriber.middle_name or "")
        return name, _patient_address(subscriber), subscriber.date_of_birth, subscriber.sex
    name = PersonName(policy.subscriber_last_name or "", policy.subscriber_first_name or "")
    return name, None, policy.subscriber_date_of_birth, policy.subscriber_sex or ""


def _other_policy(session: Session, claim: Claim, day: dt.date) -> InsurancePolicy | None:
    """The coverage in force on the date of service that this claim does not go to."""
    policies = session.scalars(
        select(InsurancePolicy)
        .where(
            InsurancePolicy.patient_id == claim.patient_id,
            InsurancePolicy.id != claim.policy_id,
            InsurancePolicy.effective_from <= day,
        )
        .order_by(InsurancePolicy.rank)
    ).all()
    live = [p for p in policies if p.effective_to is None or day <= p.effective_to]
    return live[0] if live else None


def _prior_payers_paid(session: Session, claim: Claim) -> int:
    """Item 29 on a secondary (or tertiary) claim: what the earlier payers paid for the visit."""
    if claim.payer_rank <= 1:
        return 0
    prior_ids = session.scalars(
        select(Claim.id).where(
            Claim.encounter_id == claim.encounter_id,
            Claim.payer_rank < claim.payer_rank,
        )
    ).all()
    money = ledger.claim_money_in(session, prior_ids)
    return sum(m.paid_cents for m in money.values())


def _original_ref(session: Session, claim: Claim) -> str:
    """Item 22: the payer's number for the claim a replacement (7) or void (8) refers to."""
    if claim.payer_claim_number:
        return claim.payer_claim_number
    if claim.replaces_claim_id is not None:
        earlier = session.get(Claim, claim.replaces_claim_id)
        if earlier is not None and earlier.payer_claim_number:
            return earlier.payer_claim_number
    return ""


def claim_form_data(store: Store, claim_id: int) -> Cms1500Data:
    """Everything the 1500 form shows for one claim."""
    with store.uow() as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        if claim is None:
            raise NotFound(f"No claim with id {claim_id}.")
        enc = s.get(Encounter, claim.encounter_id)
        policy = s.get(InsurancePolicy, claim.policy_id)
        if enc is None or policy is None:  # pragma: no cover - foreign keys prevent it
            raise NotFound(f"Claim {claim.patient_control_number} lost its visit or policy.")
        practice = s.scalars(select(Practice).order_by(Practice.id).limit(1)).first()
        if practice is None:
            raise ValidationError("Set up the practice before printing claim forms.")
        patient, payer = claim.patient, claim.payer
        rendering = s.get(Provider, enc.rendering_provider_id)
        referring = (
            s.get(Provider, enc.referring_provider_id) if enc.referring_provider_id else None
        )
        facility = s.get(Facility, enc.facility_id) if enc.facility_id else None
        prior_auth = enc.authorization_number or ""
        if not prior_auth and enc.authorization_id is not None:
            auth = s.get(Authorization, enc.authorization_id)
            prior_auth = auth.number if auth is not None else ""

        insured_name, insured_address, insured_dob, insured_sex = _insured(s, patient, policy)
        other = _other_policy(s, claim, enc.date_of_service)
        other_name = None
        if other is not None:
            other_name = _insured(s, patient, other)[0]
        insurance_type = _insurance_type(payer)
        group = policy.group_number or ""
        if not group and insurance_type is InsuranceType.MEDICARE and claim.payer_rank == 1:
            group = "NONE"  # Medicare: no insurance primary to Medicare

        lines = tuple(
            Cms1500Line(
                date_from=line.date_of_service,
                code=line.code,
                charge_cents=line.charge_cents,
                units=line.units,
                modifiers=tuple(m for m in line.modifiers.split(":") if m),
                pointers=tuple(int(p) for p in line.pointers.split(":") if p),
                place_of_service=enc.place_of_service,
                rendering_npi=rendering.npi if rendering else "",
            )
            for line in claim.lines
        )
        resubmission = claim.frequency_code if claim.frequency_code in ("7", "8") else ""
        return Cms1500Data(
            payer_name=payer.name,
            payer_address=(
                _address(payer.address_line1, payer.city, payer.state, payer.zip_code)
                if payer.address_line1
                else None
            ),
            insurance_type=insurance_type,
            insured_id=policy.member_id,
            patient_name=PersonName(
                patient.last_name, patient.first_name, patient.middle_name or ""
            ),  # fmt: skip
            patient_birth_date=patient.date_of_birth,
            patient_sex=patient.sex,
            insured_name=insured_name,
            patient_address=_patient_address(patient),
            relationship=_RELATIONSHIP.get(policy.relationship_code, Relationship.OTHER),
            insured_address=insured_address,
            other_insured_name=other_name,
            other_insured_policy=other.member_id if other else "",
            other_insured_plan=(other.plan_name or other.payer.name) if other else "",
            insured_group_number=group,
            insured_birth_date=insured_dob,
            insured_sex=insured_sex,
            insured_plan_name=policy.plan_name or payer.name,
            another_plan=other is not None,
            referring_name=(
                PersonName(referring.last_name, referring.first_name) if referring else None
            ),
            referring_npi=referring.npi if referring else "",
            diagnoses=tuple(d.code for d in enc.diagnoses),
            resubmission_code=resubmission,
            original_ref=_original_ref(s, claim) if resubmission else "",
            prior_authorization=prior_auth,
            lines=lines,
            tax_id=practice.tax_id,
            tax_id_is_ein=True,
            account_number=claim.patient_control_number,
            accept_assignment=True,
            amount_paid_cents=_prior_payers_paid(s, claim),
            signature=_provider_name(rendering) if rendering else "SOF",
            signature_date=dt.date.today(),
            facility=(
                ProviderBlock(
                    facility.name,
                    _address(
                        facility.address_line1, facility.city, facility.state, facility.zip_code
                    ),  # fmt: skip
                    facility.npi or "",
                )
                if facility
                else None
            ),
            billing=ProviderBlock(
                practice.name,
                _address(
                    practice.address_line1,
                    practice.city,
                    practice.state,
                    practice.zip_code,
                    street2=practice.address_line2,
                    phone=practice.phone,
                ),  # fmt: skip
                practice.npi,
            ),
        )


def claim_form_pdf(
    store: Store,
    claim_id: int,
    *,
    overlay: bool = False,
    offset_x_mm: float = 0,
    offset_y_mm: float = 0,
) -> bytes:
    """The claim on 1500 forms as PDF bytes (plain paper, or ``overlay`` for the red form)."""
    return render_cms1500(
        claim_form_data(store, claim_id),
        overlay=overlay,
        offset_x_mm=offset_x_mm,
        offset_y_mm=offset_y_mm,
    )
