"""Scrubbing claims: facts from the database, the rules of ``core.edits``, findings back.

- :func:`gather_facts` reads everything the rules need for many claims with a handful of
  queries per chunk of 500 claims (never one query per claim), plus one set of code-set,
  NCCI, MUE and duplicate lookups for the whole batch.
- :func:`scrub_claims` runs the rules, replaces each claim's ``claim_findings`` rows, stamps
  ``claims.scrubbed_at`` and returns the findings with overrides applied. It works inside the
  caller's session (the claims service calls it in its own unit of work) and never changes a
  claim's status: the caller decides with :func:`blocking`.
- :func:`override_warning` records a biller's acknowledged override of a warning (with the
  reason, audited); errors cannot be overridden.
- :func:`findings_for` reads the stored findings for screens and queues.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.edits import (
    ERROR,
    WARNING,
    AuthFacts,
    BillingFacts,
    ClaimFacts,
    DxFacts,
    FacilityFacts,
    Finding,
    LineFacts,
    MueLimit,
    NcciPair,
    PayerFacts,
    PersonFacts,
    apply_overrides,
    blocking,
    scrub,
)
from core.errors import NotFound, ValidationError
from core.gc_pause import gc_paused
from core.store import Store
from core.workflow import ClaimStatus
from db.models import (
    AuditRecord,
    Authorization,
    Claim,
    ClaimFinding,
    ClaimLine,
    ClaimOverride,
    Code,
    Diagnosis,
    Encounter,
    Facility,
    InsurancePolicy,
    MueEdit,
    NcciPtpEdit,
    Patient,
    Payer,
    Practice,
    Provider,
    utcnow,
)

__all__ = [
    "CHUNK",
    "FindingOut",
    "blocking",
    "findings_for",
    "gather_facts",
    "override_warning",
    "scrub_claims",
    "why_blocked",
]

#: Claims per IN-query (and code values per lookup query).
CHUNK = 500
#: A pair query names both columns' codes in one IN list when there are at most this many.
_PAIR_IN_MAX = 900
#: Claims in these statuses are not live: they cannot duplicate another claim.
_NOT_LIVE = (ClaimStatus.VOID.value, ClaimStatus.CORRECTED.value)
MIN_REASON = 5


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _compact(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


@lru_cache(maxsize=1024)
def _ints(text: str | None) -> tuple[int, ...]:
    out = []
    for part in (text or "").split(":"):
        part = part.strip()
        if part:
            out.append(int(part) if part.isdigit() else 0)  # 0 is out of range: reported
    return tuple(out)


@lru_cache(maxsize=4096)
def _mods(text: str | None) -> tuple[str, ...]:
    return tuple(m.strip().upper() for m in (text or "").split(":") if m.strip())


def _patterns(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in (text or "").replace(",", " ").split() if p.strip())


# -- gathering --------------------------------------------------------------------------------
_Rendering = aliased(Provider)
_Referring = aliased(Provider)

_HEADER_COLUMNS = (
    Claim.id,
    Claim.patient_control_number,
    Claim.frequency_code,
    Claim.payer_claim_number,
    Claim.replaces_claim_id,
    Claim.total_charge_cents,
    Claim.patient_id,
    Claim.payer_id,
    Claim.encounter_id,
    Encounter.date_of_service,
    Encounter.place_of_service,
    Encounter.authorization_id,
    Encounter.authorization_number,
    _Rendering.npi.label("rendering_npi"),
    _Referring.npi.label("referring_npi"),
    Facility.id.label("facility_id"),
    Facility.name.label("facility_name"),
    Facility.npi.label("facility_npi"),
    Facility.zip_code.label("facility_zip"),
    Patient.first_name,
    Patient.last_name,
    Patient.date_of_birth,
    Patient.sex,
    Patient.zip_code,
    InsurancePolicy.member_id,
    InsurancePolicy.relationship_code,
    InsurancePolicy.subscriber_first_name,
    InsurancePolicy.subscriber_last_name,
    InsurancePolicy.subscriber_date_of_birth,
    InsurancePolicy.subscriber_sex,
    Payer.payer_code,
    Payer.name.label("payer_name"),
    Payer.timely_filing_days,
    Payer.auth_required_codes,
)


def _header_query(ids: Sequence[int]):
    return (
        select(*_HEADER_COLUMNS)
        .select_from(Claim)
        .join(Encounter, Encounter.id == Claim.encounter_id)
        .join(Patient, Patient.id == Claim.patient_id)
        .join(InsurancePolicy, InsurancePolicy.id == Claim.policy_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .outerjoin(_Rendering, _Rendering.id == Encounter.rendering_provider_id)
        .outerjoin(_Referring, _Referring.id == Encounter.referring_provider_id)
        .outerjoin(Facility, Facility.id == Encounter.facility_id)
        .where(Claim.id.in_(ids))
    )


def _billing(session: Session) -> BillingFacts:
    row = session.execute(
        select(
            Practice.name,
            Practice.npi,
            Practice.taxonomy,
            Practice.tax_id,
            Practice.address_line1,
            Practice.city,
            Practice.state,
            Practice.zip_code,
        )
        .order_by(Practice.id)
        .limit(1)
    ).first()
    if row is None:
        return BillingFacts()
    return BillingFacts(*(value or "" for value in row))


def _code_rows(session: Session, kinds: Sequence[str], compacts: Iterable[str]) -> list[Any]:
    wanted = sorted(set(compacts))
    rows: list[Any] = []
    for part in _chunks(wanted):
        rows += session.execute(
            select(
                Code.kind,
                Code.compact,
                Code.billable,
                Code.effective_from,
                Code.effective_to,
                Code.sex,
                Code.age_min,
                Code.age_max,
            ).where(Code.kind.in_(list(kinds)), Code.compact.in_(list(part)))
        ).all()
    return rows


def _ncci_pairs(
    session: Session, codes: set[str], first: dt.date, last: dt.date
) -> dict[str, list[NcciPair]]:
    """Pairs among ``codes`` that could be in effect between ``first`` and ``last``, by
    column 1 code (indicator 9 is not an edit and is left out)."""
    by_first: dict[str, list[NcciPair]] = defaultdict(list)
    if len(codes) < 2:
        return by_first
    wanted = sorted(codes)
    in_range = and_(
        NcciPtpEdit.effective_from <= last,
        or_(NcciPtpEdit.deleted_on.is_(None), NcciPtpEdit.deleted_on > first),
        NcciPtpEdit.modifier_indicator != "9",
    )
    columns = (
        NcciPtpEdit.column1,
        NcciPtpEdit.column2,
        NcciPtpEdit.modifier_indicator,
        NcciPtpEdit.effective_from,
        NcciPtpEdit.deleted_on,
        NcciPtpEdit.rationale,
    )
    for part in _chunks(wanted):
        query = select(*columns).where(NcciPtpEdit.column1.in_(list(part)), in_range)
        if len(wanted) <= _PAIR_IN_MAX:
            query = query.where(NcciPtpEdit.column2.in_(wanted))
        for c1, c2, indicator, start, end, why in session.execute(query):
            if c2 in codes:
                by_first[c1].append(NcciPair(c1, c2, indicator, start, end, why or ""))
    return by_first


def _mue_limits(session: Session, codes: set[str]) -> dict[str, MueLimit]:
    limits: dict[str, MueLimit] = {}
    for part in _chunks(sorted(codes)):
        for code, units, mai, why in session.execute(
            select(
                MueEdit.code, MueEdit.max_units, MueEdit.adjudication_indicator, MueEdit.rationale
            ).where(MueEdit.code.in_(list(part)))
        ):
            old = limits.get(code)
            if old is None or units < old.max_units:
                limits[code] = MueLimit(code, units, mai, why or "")
    return limits


def _live_claim_lines(
    session: Session, patient_ids: set[int], first: dt.date, last: dt.date
) -> dict[tuple[int, int, dt.date, str], list[tuple[int, str, int | None]]]:
    """(patient, payer, date, code) -> [(claim id, PCN, replaces id)] for live claims."""
    found: dict[tuple[int, int, dt.date, str], list[tuple[int, str, int | None]]] = defaultdict(
        list
    )
    for part in _chunks(sorted(patient_ids)):
        rows = session.execute(
            select(
                Claim.id,
                Claim.patient_control_number,
                Claim.replaces_claim_id,
                Claim.patient_id,
                Claim.payer_id,
                ClaimLine.date_of_service,
                ClaimLine.code,
            )
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .where(
                Claim.patient_id.in_(list(part)),
                Claim.status.not_in(_NOT_LIVE),
                ClaimLine.date_of_service >= first,
                ClaimLine.date_of_service <= last,
            )
        )
        for cid, pcn, replaces, patient_id, payer_id, day, code in rows:
            found[(patient_id, payer_id, day, code)].append((cid, pcn, replaces))
    return found


def _pick_authorization(head: Any, auths: list[Any], codes: set[str]) -> AuthFacts | None:
    """The visit's authorization: the linked one, else the one its number names, else one of
    the patient's for this payer that lists a code of the claim (covering the date first)."""
    chosen = None
    if head.authorization_id is not None:
        chosen = next((a for a in auths if a.id == head.authorization_id), None)
    if chosen is None and head.authorization_number:
        number = head.authorization_number.strip().upper()
        chosen = next((a for a in auths if a.number.upper() == number), None)
        if chosen is None:
            return AuthFacts(number=number)
    if chosen is None:
        dos = head.date_of_service
        candidates = [
            a
            for a in auths
            if a.payer_id == head.payer_id and codes.intersection(a.service_codes.split())
        ]
        if not candidates:
            return None
        chosen = max(
            candidates,
            key=lambda a: (
                a.start_date <= dos <= a.end_date,
                a.units_approved > a.units_used,
                a.end_date,
                a.id,
            ),
        )
    return AuthFacts(
        number=chosen.number,
        codes=tuple(c.upper() for c in chosen.service_codes.split()),
        units_approved=chosen.units_approved,
        units_used=chosen.units_used,
        start=chosen.start_date,
        end=chosen.end_date,
    )


def _dx(position: int, code: str, row: Any) -> DxFacts:
    if row is None:
        return DxFacts(position=position, code=code, known=False)
    return DxFacts(
        position=position,
        code=code,
        known=True,
        billable=bool(row.billable),
        valid_from=row.effective_from,
        valid_to=row.effective_to,
        sex=row.sex,
        age_min=row.age_min,
        age_max=row.age_max,
    )


def gather_facts(
    session: Session, claim_ids: Sequence[int], today: dt.date
) -> dict[int, ClaimFacts]:
    """The facts of each claim in ``claim_ids`` (ids that do not exist are left out).

    Per chunk of 500 claims: one query for the claims with their visit, patient, policy, payer,
    providers and facility; one for their lines; one for their diagnoses; one for the
    patients' authorizations. Then once for the batch: the practice, the ICD-10-CM and
    CPT/HCPCS codes used, the modifier and place-of-service sets, the NCCI pairs and MUE
    limits among the codes used, and the live claims that could be duplicates.
    """
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    if not ids:
        return {}
    heads: list[Any] = []
    lines_by_claim: dict[int, list[Any]] = defaultdict(list)
    dx_by_encounter: dict[int, list[Any]] = defaultdict(list)
    auths_by_patient: dict[int, list[Any]] = defaultdict(list)
    for part in _chunks(ids):
        chunk_heads = session.execute(_header_query(part)).all()
        if not chunk_heads:
            continue
        heads += chunk_heads
        for row in session.execute(
            select(
                ClaimLine.claim_id,
                ClaimLine.line_number,
                ClaimLine.date_of_service,
                ClaimLine.code,
                ClaimLine.modifiers,
                ClaimLine.units,
                ClaimLine.charge_cents,
                ClaimLine.pointers,
            )
            .where(ClaimLine.claim_id.in_([h.id for h in chunk_heads]))
            .order_by(ClaimLine.claim_id, ClaimLine.line_number)
        ):
            lines_by_claim[row.claim_id].append(row)
        encounter_ids = sorted({h.encounter_id for h in chunk_heads})
        for row in session.execute(
            select(Diagnosis.encounter_id, Diagnosis.seq, Diagnosis.code)
            .where(Diagnosis.encounter_id.in_(encounter_ids))
            .order_by(Diagnosis.encounter_id, Diagnosis.seq)
        ):
            dx_by_encounter[row.encounter_id].append(row)
        patient_ids = sorted({h.patient_id for h in chunk_heads} - set(auths_by_patient))
        for auth in session.execute(
            select(
                Authorization.id,
                Authorization.patient_id,
                Authorization.payer_id,
                Authorization.number,
                Authorization.service_codes,
                Authorization.units_approved,
                Authorization.units_used,
                Authorization.start_date,
                Authorization.end_date,
            ).where(Authorization.patient_id.in_(patient_ids))
        ):
            auths_by_patient[auth.patient_id].append(auth)
    if not heads:
        return {}

    # -- once per batch -----------------------------------------------------------------------
    billing = _billing(session)
    all_lines = [line for lines in lines_by_claim.values() for line in lines]
    proc_codes = {line.code.upper() for line in all_lines}
    dx_codes = {_compact(d.code) for ds in dx_by_encounter.values() for d in ds}
    icd = {row.compact: row for row in _code_rows(session, ("icd10",), dx_codes)}
    procs = {row.compact: row for row in _code_rows(session, ("cpt", "hcpcs"), proc_codes)}
    modifiers: set[str] = set()
    places: set[str] = set()
    for kind, compact in session.execute(
        select(Code.kind, Code.compact).where(Code.kind.in_(("modifier", "pos")))
    ):
        (modifiers if kind == "modifier" else places).add(compact)
    valid_modifiers, valid_pos = frozenset(modifiers), frozenset(places)
    dates = [line.date_of_service for line in all_lines] or [h.date_of_service for h in heads]
    first, last = min(dates), max(dates)
    pairs = _ncci_pairs(session, proc_codes, first, last)
    mue_all = _mue_limits(session, proc_codes)
    live = _live_claim_lines(session, {h.patient_id for h in heads}, first, last)

    facts: dict[int, ClaimFacts] = {}
    no_limits: dict[str, MueLimit] = {}
    # Facts many claims share are built once (they are immutable).
    payers: dict[int, PayerFacts] = {}
    dx_facts: dict[tuple[int, str], DxFacts] = {}
    facilities: dict[int, FacilityFacts] = {}
    for h in heads:
        rows = lines_by_claim.get(h.id, [])
        lines = []
        for r in rows:
            code = r.code.upper()
            known = procs.get(code)
            lines.append(
                LineFacts(
                    number=r.line_number,
                    code=code,
                    units=r.units,
                    charge_cents=r.charge_cents,
                    date=r.date_of_service,
                    modifiers=_mods(r.modifiers),
                    pointers=_ints(r.pointers),
                    known=known is not None,
                    valid_from=known.effective_from if known is not None else None,
                    valid_to=known.effective_to if known is not None else None,
                )
            )
        diagnoses = []
        for d in dx_by_encounter.get(h.encounter_id, []):
            dx = dx_facts.get((d.seq, d.code))
            if dx is None:
                dx = dx_facts[(d.seq, d.code)] = _dx(d.seq, d.code, icd.get(_compact(d.code)))
            diagnoses.append(dx)
        codes = {line.code for line in lines}
        claim_pairs: tuple[NcciPair, ...] = ()
        if len(codes) > 1 and pairs:
            claim_pairs = tuple(
                p for c in sorted(codes) for p in pairs.get(c, ()) if p.column2 in codes
            )
        limits = {c: mue_all[c] for c in codes if c in mue_all} if mue_all else no_limits
        duplicates: set[str] = set()
        for line in lines:
            for cid, pcn, replaces in live.get(
                (h.patient_id, h.payer_id, line.date, line.code), ()
            ):
                if cid != h.id and cid != h.replaces_claim_id and replaces != h.id:
                    duplicates.add(pcn)
        is_self = h.relationship_code == "18"
        patient = PersonFacts(
            first_name=h.first_name or "",
            last_name=h.last_name or "",
            date_of_birth=h.date_of_birth,
            sex=h.sex,
            relationship_code=h.relationship_code,
            zip_code=h.zip_code or "",
        )
        subscriber = PersonFacts(
            first_name=h.subscriber_first_name or "",
            last_name=h.subscriber_last_name or "",
            date_of_birth=h.subscriber_date_of_birth,
            sex=h.subscriber_sex,
            member_id=h.member_id or "",
            relationship_code=h.relationship_code,
            zip_code=(h.zip_code or "") if is_self else "",
        )
        facility = None
        if h.facility_id is not None:
            facility = facilities.get(h.facility_id)
            if facility is None:
                facility = facilities[h.facility_id] = FacilityFacts(
                    name=h.facility_name or "", npi=h.facility_npi, zip_code=h.facility_zip or ""
                )
        payer = payers.get(h.payer_id)
        if payer is None:
            payer = payers[h.payer_id] = PayerFacts(
                payer_id=h.payer_code or "",
                name=h.payer_name or "",
                timely_filing_days=h.timely_filing_days,
                auth_required=_patterns(h.auth_required_codes),
            )
        facts[h.id] = ClaimFacts(
            claim_id=h.id,
            pcn=h.patient_control_number,
            today=today,
            date_of_service=h.date_of_service,
            place_of_service=h.place_of_service or "",
            total_charge_cents=h.total_charge_cents,
            billing=billing,
            payer=payer,
            subscriber=subscriber,
            patient=patient,
            frequency_code=h.frequency_code or "",
            payer_claim_number=h.payer_claim_number,
            rendering_npi=h.rendering_npi,
            referring_npi=h.referring_npi,
            facility=facility,
            diagnoses=tuple(diagnoses),
            lines=tuple(lines),
            authorization=_pick_authorization(h, auths_by_patient.get(h.patient_id, []), codes),
            duplicates=tuple(sorted(duplicates)),
            ncci_pairs=claim_pairs,
            mue=limits,
            valid_modifiers=valid_modifiers,
            valid_pos=valid_pos,
        )
    return facts


# -- scrubbing --------------------------------------------------------------------------------
def _overrides(session: Session, claim_ids: Sequence[int]) -> dict[int, dict[tuple[str, int], str]]:
    found: dict[int, dict[tuple[str, int], str]] = defaultdict(dict)
    for part in _chunks(list(claim_ids)):
        for cid, rule_id, line, reason in session.execute(
            select(
                ClaimOverride.claim_id,
                ClaimOverride.rule_id,
                ClaimOverride.line_number,
                ClaimOverride.reason,
            ).where(ClaimOverride.claim_id.in_(list(part)))
        ):
            found[cid][(rule_id, line)] = reason
    return found


@gc_paused()  # bulk work (thousands of claims): see core.gc_pause
def scrub_claims(
    session: Session, claim_ids: Sequence[int], *, actor: str, today: dt.date
) -> dict[int, list[Finding]]:
    """Scrub the claims in ``session`` (the caller's transaction): replace each claim's stored
    findings, stamp ``scrubbed_at``, record one audit line, and return every claim's findings
    (errors first) with the warnings a biller overrode marked ``overridden``.

    Claim statuses are not touched: the caller moves a claim to ``edits`` when
    :func:`blocking` of its findings is not empty, else to ``ready``. Ids that do not exist are
    left out of the result. ``scrubbed_at`` is written without bumping the claim's version
    (scrubbing is not an edit of the claim).
    """
    facts = gather_facts(session, claim_ids, today)
    if not facts:
        return {}
    ids = list(facts)
    overrides = _overrides(session, ids)
    now = utcnow()
    results: dict[int, list[Finding]] = {}
    for cid in ids:
        found = scrub(facts[cid])
        if cid in overrides:
            found = apply_overrides(found, overrides[cid])
        results[cid] = found
    for part in _chunks(ids):
        session.execute(
            delete(ClaimFinding)
            .where(ClaimFinding.claim_id.in_(list(part)))
            .execution_options(synchronize_session=False)
        )
        rows = [
            dict(
                claim_id=cid,
                rule_id=f.rule_id,
                severity=f.severity,
                line_number=f.line_number,
                message=f.message,
                fix_hint=f.fix_hint,
                source=f.source,
                found_at=now,
            )
            for cid in part
            for f in results[cid]
        ]
        if rows:
            session.execute(insert(ClaimFinding), rows)
        session.execute(
            update(Claim.__table__)
            .where(Claim.__table__.c.id.in_(list(part)))
            .values(scrubbed_at=now)
        )
    # Claims already loaded in this session see the new stamp without being marked changed.
    for cid in ids:
        loaded = session.identity_map.get(session.identity_key(Claim, cid))  # type: ignore[arg-type]
        if loaded is not None:
            set_committed_value(loaded, "scrubbed_at", now)
    errors = sum(1 for found in results.values() if any(f.severity == ERROR for f in found))
    held = sum(1 for found in results.values() if blocking(found))
    target = f"claim {facts[ids[0]].pcn}" if len(ids) == 1 else f"{len(ids)} claims"
    session.add(
        AuditRecord(
            actor=actor[:40],
            action="scrub",
            entity="claim",
            entity_id=str(ids[0]) if len(ids) == 1 else None,
            summary=f"scrubbed {target}: {errors} with errors, {held} held for review",
        )
    )
    return results


def why_blocked(findings: Iterable[Finding | FindingOut], limit: int = 2) -> str:
    """One line for a queue: the first blocking findings' messages ('' when nothing blocks)."""
    held = [f for f in findings if f.severity == ERROR or not f.overridden]
    if not held:
        return ""
    text = " ".join(f.message for f in held[:limit])
    return text + (f" (+{len(held) - limit} more)" if len(held) > limit else "")


# -- overrides --------------------------------------------------------------------------------
def override_warning(
    store: Store, claim_id: int, rule_id: str, line_number: int, reason: str
) -> None:
    """Acknowledge a warning on a claim with a reason (kept, and written to the audit log).

    Only a warning found at the claim's last scrub can be overridden; an error must be fixed.
    Overriding the same warning again replaces the reason.
    """
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ValidationError(
            "say why this warning can be ignored (at least 5 characters, for example "
            "'auth approved by phone, ref 12345')"
        )
    rule_id = (rule_id or "").strip().upper()
    with store.uow() as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        if claim is None:
            raise NotFound(f"No claim with id {claim_id}.")
        finding = s.scalars(
            select(ClaimFinding).where(
                ClaimFinding.claim_id == claim_id,
                ClaimFinding.rule_id == rule_id,
                ClaimFinding.line_number == line_number,
            )
        ).first()
        where = f"line {line_number}" if line_number else "the claim"
        if finding is None:
            raise NotFound(
                f"Claim {claim.patient_control_number} has no finding {rule_id} on {where}; "
                "scrub the claim again to see its current findings."
            )
        if finding.severity != WARNING:
            raise ValidationError(
                f"errors cannot be overridden; fix the claim instead: {finding.fix_hint}"
            )
        existing = s.scalars(
            select(ClaimOverride).where(
                ClaimOverride.claim_id == claim_id,
                ClaimOverride.rule_id == rule_id,
                ClaimOverride.line_number == line_number,
            )
        ).first()
        if existing is None:
            s.add(
                ClaimOverride(
                    claim_id=claim_id,
                    rule_id=rule_id,
                    line_number=line_number,
                    reason=reason,
                    actor=store.actor[:40],
                )
            )
        else:
            existing.reason, existing.actor, existing.at = reason, store.actor[:40], utcnow()
        uow.audit(
            "override",
            "claim",
            claim.id,
            f"overrode warning {rule_id} on {where} of {claim.patient_control_number}: {reason}",
            patient_id=claim.patient_id,
        )


# -- reading ----------------------------------------------------------------------------------
class FindingOut(BaseModel):
    """A stored finding as screens and queues see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    claim_id: int
    rule_id: str
    severity: str
    line_number: int
    message: str
    fix_hint: str
    source: str
    found_at: dt.datetime
    overridden: bool = False
    override_reason: str | None = None
    overridden_by: str | None = None

    @property
    def blocks(self) -> bool:
        return self.severity == ERROR or not self.overridden


def findings_for(store: Store, claim_ids: Sequence[int]) -> dict[int, list[FindingOut]]:
    """The stored findings of each claim (every id asked for is a key; [] when clean or never
    scrubbed), errors first, then by line; overridden warnings carry the reason."""
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    out: dict[int, list[FindingOut]] = {cid: [] for cid in ids}
    with store.uow() as uow:
        s = uow.session
        overrides: dict[tuple[int, str, int], tuple[str, str]] = {}
        for part in _chunks(ids):
            for o in s.scalars(select(ClaimOverride).where(ClaimOverride.claim_id.in_(part))):
                overrides[(o.claim_id, o.rule_id, o.line_number)] = (o.reason, o.actor)
            rows = s.scalars(
                select(ClaimFinding)
                .where(ClaimFinding.claim_id.in_(part))
                .order_by(ClaimFinding.claim_id, ClaimFinding.id)
            )
            for row in rows:
                over = overrides.get((row.claim_id, row.rule_id, row.line_number))
                if row.severity != WARNING:
                    over = None
                item = FindingOut.model_validate(row)
                if over is not None:
                    item = item.model_copy(
                        update=dict(overridden=True, override_reason=over[0], overridden_by=over[1])
                    )
                out[row.claim_id].append(item)
    for found in out.values():
        found.sort(key=lambda f: (f.severity != ERROR, f.line_number))
    return out
