"""Encounters: the visit, its clinical note, and the coding that turns it into billable lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import codes as C
from core.errors import NotFound, ValidationError
from core.schemas import CodingIn, DiagnosisOut, EncounterIn, EncounterOut, ServiceLineOut
from core.services import codesets
from core.services._common import parse, translate_db_errors
from core.store import Store
from core.workflow import EncounterStatus, check_encounter_transition
from db.models import (
    Authorization,
    ClaimLine,
    Diagnosis,
    Encounter,
    Facility,
    FeeScheduleItem,
    Patient,
    Provider,
    ServiceLine,
)

CODABLE = (EncounterStatus.OPEN, EncounterStatus.QUERY, EncounterStatus.CODED)


def _get(session: Session, encounter_id: int) -> Encounter:
    encounter = session.get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound(f"No encounter with id {encounter_id}.")
    return encounter


def to_out(encounter: Encounter) -> EncounterOut:
    patient = encounter.patient
    return EncounterOut(
        id=encounter.id,
        patient_id=encounter.patient_id,
        patient_name=f"{patient.last_name}, {patient.first_name}",
        date_of_service=encounter.date_of_service,
        place_of_service=encounter.place_of_service,
        rendering_provider_id=encounter.rendering_provider_id,
        referring_provider_id=encounter.referring_provider_id,
        facility_id=encounter.facility_id,
        authorization_number=encounter.authorization_number,
        visit_reason=encounter.visit_reason,
        clinical_note=encounter.clinical_note,
        status=encounter.status,
        query_note=encounter.query_note,
        diagnoses=tuple(DiagnosisOut(seq=d.seq, code=d.code) for d in encounter.diagnoses),
        lines=tuple(
            ServiceLineOut(
                id=line.id,
                seq=line.seq,
                code=line.code,
                modifiers=tuple(
                    m for m in (line.modifier1, line.modifier2, line.modifier3, line.modifier4) if m
                ),
                units=line.units,
                charge_cents=line.charge_cents,
                pointers=tuple(
                    p for p in (line.pointer1, line.pointer2, line.pointer3, line.pointer4) if p
                ),
            )
            for line in encounter.lines
        ),
    )


def create_encounter(store: Store, data: EncounterIn | dict[str, Any]) -> EncounterOut:
    data = parse(EncounterIn, data)
    with translate_db_errors("encounter"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, data.patient_id) is None:
            raise NotFound(f"No patient with id {data.patient_id}.")
        for label, pid in (
            ("rendering provider", data.rendering_provider_id),
            ("referring provider", data.referring_provider_id),
        ):
            if pid is not None and s.get(Provider, pid) is None:
                raise NotFound(f"No {label} with id {pid}.")
        if data.facility_id is not None and s.get(Facility, data.facility_id) is None:
            raise NotFound(f"No facility with id {data.facility_id}.")
        auth_id = None
        if data.authorization_number:
            auth = s.scalars(
                select(Authorization).where(
                    Authorization.patient_id == data.patient_id,
                    Authorization.number == data.authorization_number,
                )
            ).first()
            if auth is not None:
                if not auth.start_date <= data.date_of_service <= auth.end_date:
                    raise ValidationError(
                        f"authorization {auth.number} covers {auth.start_date:%m/%d/%Y}–"
                        f"{auth.end_date:%m/%d/%Y}, not the date of service"
                    )
                auth_id = auth.id
        encounter = Encounter(
            **data.model_dump(),
            authorization_id=auth_id,
            status=EncounterStatus.OPEN.value,
            created_by=store.actor,
        )
        s.add(encounter)
        s.flush()
        uow.audit(
            "create", "encounter", encounter.id,
            f"encounter on {data.date_of_service.isoformat()}", patient_id=data.patient_id,
        )  # fmt: skip
        return to_out(encounter)


def get_encounter(store: Store, encounter_id: int) -> EncounterOut:
    with store.uow() as uow:
        return to_out(_get(uow.session, encounter_id))


def list_encounters(
    store: Store, *, status: str | None = None, patient_id: int | None = None, limit: int = 200
) -> list[EncounterOut]:
    with store.uow() as uow:
        query = select(Encounter).order_by(Encounter.date_of_service.desc(), Encounter.id.desc())
        if status:
            query = query.where(Encounter.status == EncounterStatus(status).value)
        if patient_id is not None:
            query = query.where(Encounter.patient_id == patient_id)
        return [to_out(e) for e in uow.session.scalars(query.limit(limit))]


def count_by_status(store: Store) -> dict[str, int]:
    with store.uow() as uow:
        rows = uow.session.execute(
            select(Encounter.status, func.count()).group_by(Encounter.status)
        ).all()
        counts = {s.value: 0 for s in EncounterStatus}
        counts.update({status: int(n) for status, n in rows})
        return counts


def fee_for(session: Session, code: str, modifiers: tuple[str, ...]) -> int | None:
    """The practice's charge for a code (a modifier-specific fee wins over the plain one)."""
    candidates = session.scalars(select(FeeScheduleItem).where(FeeScheduleItem.code == code)).all()
    by_mod = {item.modifier: item.charge_cents for item in candidates}
    for mod in modifiers:
        if mod in by_mod:
            return by_mod[mod]
    return by_mod.get("")


def coding_problems(
    store: Store, encounter: EncounterOut, coding: CodingIn, sex: str, age: int
) -> list[str]:
    """Checks at entry: codes exist and are billable on the date, modifiers known, sex and age."""
    problems: list[str] = []
    dos = encounter.date_of_service
    for dx in coding.diagnoses:
        problem = codesets.check_code(store, "icd10", dx, dos)
        if problem:
            problems.append(problem)
            continue
        found = codesets.lookup(store, "icd10", dx)
        if found is not None:
            if found.sex and sex in ("M", "F") and found.sex != sex:
                problems.append(
                    f"{dx} applies only to {'female' if found.sex == 'F' else 'male'} patients"
                )
            if found.age_min is not None and age < found.age_min:
                problems.append(f"{dx} applies only to patients aged {found.age_min} or more")
            if found.age_max is not None and age > found.age_max:
                problems.append(f"{dx} applies only to patients aged {found.age_max} or less")
    for n, line in enumerate(coding.lines, start=1):
        kind = C.procedure_kind(line.code)
        problem = codesets.check_code(store, kind or "cpt", line.code, dos)
        if problem:
            problems.append(f"line {n}: {problem}")
        for mod in line.modifiers:
            if codesets.lookup(store, "modifier", mod) is None:
                problems.append(f"line {n}: modifier {mod} is not a known modifier")
    return problems


def save_coding(store: Store, encounter_id: int, coding: CodingIn | dict[str, Any]) -> EncounterOut:
    """Replace the encounter's diagnoses and service lines after checking every code."""
    coding = parse(CodingIn, coding)
    current = get_encounter(store, encounter_id)
    if EncounterStatus(current.status) not in CODABLE:
        raise ValidationError(
            f"encounter {encounter_id} is {current.status}; only open, queried or coded visits "
            "can be coded"
        )
    with store.uow() as uow:
        patient = uow.session.get(Patient, current.patient_id)
        assert patient is not None
        sex, dob = patient.sex, patient.date_of_birth
    dos = current.date_of_service
    age = dos.year - dob.year - ((dos.month, dos.day) < (dob.month, dob.day))
    problems = coding_problems(store, current, coding, sex, age)
    if problems:
        raise ValidationError("; ".join(problems))
    with translate_db_errors("encounter"), store.uow() as uow:
        s = uow.session
        encounter = _get(s, encounter_id)
        encounter.diagnoses.clear()
        s.flush()
        for seq, code in enumerate(coding.diagnoses, start=1):
            encounter.diagnoses.append(Diagnosis(seq=seq, code=code))
        # Lines are updated in place, by position: a claim's lines point at them (recoding a
        # visit that was billed, for a corrected claim, must not orphan the claim's lines).
        existing = {line.seq: line for line in encounter.lines}
        for seq, line in enumerate(coding.lines, start=1):
            charge = line.charge_cents
            if charge is None:
                charge = fee_for(s, line.code, line.modifiers)
                if charge is None:
                    raise ValidationError(
                        f"line {seq}: {line.code} has no fee in the fee schedule; enter a charge"
                    )
                charge *= line.units  # the fee schedule prices one unit
            mods = list(line.modifiers) + [None] * (4 - len(line.modifiers))
            ptrs = list(line.pointers) + [None] * (4 - len(line.pointers))
            values = dict(code=line.code, units=line.units, charge_cents=charge,
                          modifier1=mods[0], modifier2=mods[1], modifier3=mods[2],
                          modifier4=mods[3], pointer1=ptrs[0], pointer2=ptrs[1],
                          pointer3=ptrs[2], pointer4=ptrs[3])  # fmt: skip
            target = existing.pop(seq, None)
            if target is None:
                encounter.lines.append(ServiceLine(seq=seq, **values))
            else:
                for key, value in values.items():
                    setattr(target, key, value)
        if existing:
            gone = [line.id for line in existing.values()]
            s.execute(
                update(ClaimLine).where(ClaimLine.service_line_id.in_(gone))
                .values(service_line_id=None)
            )  # fmt: skip
            for line in existing.values():
                encounter.lines.remove(line)
        s.flush()
        uow.audit(
            "update", "encounter", encounter.id,
            f"coded {len(coding.diagnoses)} diagnoses, {len(coding.lines)} lines",
            patient_id=encounter.patient_id,
        )  # fmt: skip
        return to_out(encounter)


def _move(
    store: Store, encounter_id: int, target: EncounterStatus, note: str | None, why: str
) -> EncounterOut:
    with translate_db_errors("encounter"), store.uow() as uow:
        encounter = _get(uow.session, encounter_id)
        check_encounter_transition(encounter.status, target.value)
        before = encounter.status
        encounter.status = target.value
        if note is not None:
            encounter.query_note = note
        uow.session.flush()
        uow.audit(
            "transition", "encounter", encounter.id, f"{before} -> {target.value}: {why}",
            patient_id=encounter.patient_id,
        )  # fmt: skip
        return to_out(encounter)


def mark_coded(store: Store, encounter_id: int) -> EncounterOut:
    """The coder is done: hand the visit to the billing queue."""
    current = get_encounter(store, encounter_id)
    if not current.diagnoses or not current.lines:
        raise ValidationError("code at least one diagnosis and one procedure before marking coded")
    return _move(store, encounter_id, EncounterStatus.CODED, None, "coding finished")


def send_back(store: Store, encounter_id: int, question: str) -> EncounterOut:
    """The biller sends the visit back to the coder with a question the coder will see."""
    if not question or not question.strip():
        raise ValidationError("say what the coder should look at")
    return _move(store, encounter_id, EncounterStatus.QUERY, question.strip(), question.strip())


# -- queues and checks at entry (added for the Visits and Coding screens) ----------------------
def coder_queue(store: Store, *, limit: int = 500) -> list[EncounterOut]:
    """The coder's work: open and queried visits, oldest date of service first."""
    with store.uow() as uow:
        query = (
            select(Encounter)
            .where(Encounter.status.in_((EncounterStatus.OPEN.value, EncounterStatus.QUERY.value)))
            .order_by(Encounter.date_of_service, Encounter.id)
            .limit(limit)
        )
        return [to_out(e) for e in uow.session.scalars(query)]


def find_encounters(
    store: Store, *, status: str | None = None, patient_text: str | None = None, limit: int = 200
) -> list[EncounterOut]:
    """Recent encounters, newest first; ``patient_text`` finds the patient as the patient search
    does (name "smith, jo", date of birth, account or member ID)."""
    from core.services.patients import search_patients

    text = (patient_text or "").strip()
    if not text:
        return list_encounters(store, status=status, limit=limit)
    ids = [p.id for p in search_patients(store, text, limit=500)]
    if not ids:
        return []
    with store.uow() as uow:
        query = (
            select(Encounter)
            .where(Encounter.patient_id.in_(ids))
            .order_by(Encounter.date_of_service.desc(), Encounter.id.desc())
        )
        if status:
            query = query.where(Encounter.status == EncounterStatus(status).value)
        return [to_out(e) for e in uow.session.scalars(query.limit(limit))]


def charge_for(
    store: Store, code: str, modifiers: tuple[str, ...] = (), units: int = 1
) -> int | None:
    """The fee schedule's charge for ``units`` of ``code`` (the unit fee of :func:`fee_for`
    times the units), or None when the code has no fee."""
    with store.uow() as uow:
        fee = fee_for(uow.session, code.strip().upper(), tuple(m.upper() for m in modifiers))
    return None if fee is None else fee * units


def _sex_age(store: Store, encounter: EncounterOut) -> tuple[str, int]:
    with store.uow() as uow:
        patient = uow.session.get(Patient, encounter.patient_id)
        assert patient is not None
        sex, dob = patient.sex, patient.date_of_birth
    dos = encounter.date_of_service
    return sex, dos.year - dob.year - ((dos.month, dos.day) < (dob.month, dob.day))


def diagnosis_problems(store: Store, encounter_id: int, code: str) -> list[str]:
    """Why ``code`` cannot be a diagnosis on this encounter (empty: it can): billable on the
    date of service, and fit for the patient's sex and age."""
    encounter = get_encounter(store, encounter_id)
    sex, age = _sex_age(store, encounter)
    dx = C.normalize_icd10(code)
    problem = codesets.check_code(store, "icd10", dx, encounter.date_of_service)
    if problem:
        return [problem]
    found = codesets.lookup(store, "icd10", dx)
    problems = []
    if found is not None:
        if found.sex and sex in ("M", "F") and found.sex != sex:
            problems.append(
                f"{found.code} applies only to {'female' if found.sex == 'F' else 'male'} "
                "patients, and this patient is "
                f"{'female' if sex == 'F' else 'male'}"
            )
        if found.age_min is not None and age < found.age_min:
            problems.append(f"{found.code} applies only to patients aged {found.age_min} or more")
        if found.age_max is not None and age > found.age_max:
            problems.append(
                f"{found.code} applies only to patients aged {found.age_max} or less "
                f"(this patient is {age})"
            )
    return problems


def line_problems(
    store: Store, encounter_id: int, code: str, modifiers: tuple[str, ...] = ()
) -> list[str]:
    """Why a procedure line cannot be billed on this encounter's date (empty: it can): the code
    exists and is in effect, and every modifier is a known one."""
    encounter = get_encounter(store, encounter_id)
    code = code.strip().upper()
    kind = C.procedure_kind(code)
    problems = []
    problem = codesets.check_code(store, kind or "cpt", code, encounter.date_of_service)
    if problem:
        problems.append(problem)
    for mod in modifiers:
        if codesets.lookup(store, "modifier", mod) is None:
            problems.append(f"modifier {mod.upper()} is not a known modifier")
    return problems


def check_coding(store: Store, encounter_id: int, coding: CodingIn | dict[str, Any]) -> list[str]:
    """Every problem :func:`save_coding` would refuse, as a list of sentences (nothing saved)."""
    import pydantic

    from core.services._common import one_line

    try:
        coding = coding if isinstance(coding, CodingIn) else CodingIn.model_validate(coding)
    except pydantic.ValidationError as exc:
        return one_line(exc).split("; ")
    encounter = get_encounter(store, encounter_id)
    sex, age = _sex_age(store, encounter)
    return coding_problems(store, encounter, coding, sex, age)
